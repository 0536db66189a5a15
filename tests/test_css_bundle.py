"""The NL Design System CSS Rits serves: built from the vendored sources, with every component in use."""

import importlib.util
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "src/rits/static/rits/vendor/nl-design-system.css"


def _build_css():
    spec = importlib.util.spec_from_file_location("build_css", ROOT / "bench/build_css.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_is_up_to_date():
    assert BUNDLE.read_text() == _build_css().build(), "run `make css`"


def test_every_utrecht_class_in_the_templates_is_in_the_bundle():
    css = BUNDLE.read_text()
    defined = set(re.findall(r"\.(utrecht-[a-z0-9-]+)", css))
    used = set()
    for path in (ROOT / "src").rglob("*"):
        if path.suffix in {".html", ".py"}:
            # A name cut off by a template variable (utrecht-heading-{{ n }}) is not a class.
            used |= set(re.findall(r"(utrecht-[a-z0-9-]*[a-z0-9])(?![a-z0-9{-])", path.read_text()))
    # utrecht-html marks the root element; no Utrecht component styles it.
    missing = sorted(used - defined - {"utrecht-html"})
    assert not missing, f"add these components to bench/build_css.py: {missing}"


def test_fonts_the_bundle_names_exist():
    css = BUNDLE.read_text()
    urls = re.findall(r"url\((fonts/[^)]+)\)", css)
    assert len(urls) > 10
    for url in urls:
        assert (BUNDLE.parent / url).is_file(), url
    families = set(re.findall(r"font-family:\s*'([^']+)'", css))
    assert {"Noto Sans", "Noto Serif", "Noto Sans Mono"} <= families
