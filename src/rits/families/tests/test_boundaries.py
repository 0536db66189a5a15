"""The families app is below the other domains: it imports none of them, and its
templates neither load their tags nor link their pages. Plans, signals and the coming
apps contribute to the family page through rits.components.registry."""

import ast
import re
from pathlib import Path

FAMILIES = Path(__file__).resolve().parent.parent
OTHER_DOMAINS = ("plans", "signals")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_families_imports_no_other_domain():
    files = [p for p in FAMILIES.rglob("*.py") if "tests" not in p.parts]
    assert len(files) > 5
    offenders = [
        f"{path.relative_to(FAMILIES)}: {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if any(module == f"rits.{d}" or module.startswith(f"rits.{d}.") for d in OTHER_DOMAINS)
    ]
    assert not offenders, "families must not import plans or signals:\n" + "\n".join(offenders)


def test_families_templates_load_no_other_domain():
    loads = re.compile(r"{%\s*load\s+([^%]+)%}")
    urls = re.compile(r"""{%\s*url\s+['"](\w+):""")
    offenders = []
    for path in FAMILIES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for libraries in loads.findall(text):
            offenders += [
                f"{path.name}: load {lib}" for lib in libraries.split() if lib == "plan_tags"
            ]
        offenders += [f"{path.name}: url {ns}:" for ns in urls.findall(text) if ns in OTHER_DOMAINS]
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_an_import_of_plans(tmp_path):
    # The check itself: a module that imports plans is found.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from rits.plans import selectors as plan_selectors\nimport rits.signals.alerts\n",
        encoding="utf-8",
    )
    assert {"rits.plans", "rits.signals.alerts"} <= imported_modules(sample)
