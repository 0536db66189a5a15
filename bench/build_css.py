"""Build src/rits/static/rits/vendor/nl-design-system.css from the vendored NL Design System files.

Instead of the 400 KB all-in-one @utrecht/component-library-css and the 200 KB voorbeeld theme
(tokens for every component of every municipality), Rits loads one file with:

1. the fonts the theme asks for (vendor/fonts/fonts.css, see bench/vendor_fonts.py);
2. the voorbeeld theme, keeping only the custom properties that are used: every property the
   chosen components or rits.css refer to, followed through the theme's own var() references
   (so a --basis-* token used in rits.css needs a `make css`);
3. the CSS of each component Rits uses (COMPONENTS), as published in its own npm package.

The sources are committed under vendor/nl-design-system/ (see its README.md), so this runs without
internet: `make css`. `python bench/build_css.py --check` fails when the built file is out of date
(tests/test_css_bundle.py runs it). To add a component: `npm pack @utrecht/<name>-css@<version>`
(the version @utrecht/component-library-css 9.0.4 pins), copy its dist/index.min.css with its
licence comment to vendor/nl-design-system/utrecht/<name>.css, add <name> below, run `make css`.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCES = ROOT / "vendor" / "nl-design-system"
STATIC = ROOT / "src" / "rits" / "static" / "rits"
OUTPUT = STATIC / "vendor" / "nl-design-system.css"

# In the order of @utrecht/component-library-css (alphabetical).
COMPONENTS = [
    "alert",
    "blockquote",
    "body",
    "button",
    "button-link",
    "code",
    "document",
    "form-field",
    "form-field-description",
    "form-field-error-message",
    "form-fieldset",
    "form-label",
    "heading-1",
    "heading-2",
    "heading-3",
    "heading-4",
    "link",
    "page-content",
    "page-footer",
    "page-header",
    "paragraph",
    "skip-link",
    "table",
    "unordered-list",
]

VAR_REF = re.compile(r"var\(\s*(--[\w-]+)")
DECLARATION = re.compile(r"^\s*(--[\w-]+)\s*:\s*(.*?);(?:\s*/\*.*\*/)?\s*$")


def trimmed_theme(used_css: str) -> str:
    text = (SOURCES / "voorbeeld-theme.css").read_text()
    head, _, rest = text.partition(".voorbeeld-theme {")
    body, _, _ = rest.rpartition("}")
    declarations: dict[str, str] = {}
    for line in body.splitlines():
        if not line.strip():
            continue
        match = DECLARATION.match(line)
        if match is None:
            raise SystemExit(f"unexpected line in voorbeeld-theme.css: {line!r}")
        declarations[match[1]] = match[2]
    wanted = set(VAR_REF.findall(used_css))
    todo = list(wanted)
    while todo:
        for ref in VAR_REF.findall(declarations.get(todo.pop(), "")):
            if ref not in wanted:
                wanted.add(ref)
                todo.append(ref)
    kept = "".join(f"{name}:{value};" for name, value in declarations.items() if name in wanted)
    return (
        "/*! @nl-design-system-unstable/voorbeeld-design-tokens@7.4.1 (dist/theme.css), EUPL-1.2,\n"
        f" * trimmed by bench/build_css.py to the {sum(n in wanted for n in declarations)}"
        f" of {len(declarations)} properties Rits uses */\n"
        f".voorbeeld-theme{{{kept}}}\n"
    )


def build() -> str:
    components = [(SOURCES / "utrecht" / f"{name}.css").read_text() for name in COMPONENTS]
    rits_css = (STATIC / "css" / "rits.css").read_text()
    fonts = (STATIC / "vendor" / "fonts" / "fonts.css").read_text()
    fonts = re.sub(r"url\((?!fonts/)", "url(fonts/", fonts)
    return (
        "/* Built by bench/build_css.py from vendor/nl-design-system/: do not edit. */\n"
        + fonts
        + trimmed_theme("\n".join(components) + rits_css)
        + "".join(components)
    )


def main(argv: list[str]) -> int:
    css = build()
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text() != css:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run `make css`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(css)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(css.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
