"""Lint-style check: views, API code, forms, template tags and templates never query the
family models themselves; they go through ``rits.access`` and the apps' selectors."""

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "rits"
FAMILY_MODELS = {
    "Family",
    "Person",
    "Membership",
    "Involvement",
    "NetworkMember",
    "FamilyEvent",
    "PossibleDuplicate",
    "EmergencyAccess",
    "AuditEvent",
}
# Files that present data: they must ask a selector (which asks access), never the ORM.
PRESENTATION = re.compile(r"(views|api|api_\w+|serializers|forms|urls)\.py$|/templatetags/")


def presentation_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if PRESENTATION.search(str(p)) and "/tests/" not in str(p)]


def direct_queries(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        # Family.objects..., Family._default_manager...
        if isinstance(node, ast.Attribute) and node.attr in {
            "objects",
            "_default_manager",
            "_base_manager",
        }:
            if isinstance(node.value, ast.Name) and node.value.id in FAMILY_MODELS:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value.id}.{node.attr}")
        # get_object_or_404(Family, ...) and friends
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
            "get_object_or_404",
            "get_list_or_404",
        }:
            if (
                node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in FAMILY_MODELS
            ):
                found.append(
                    f"{path.relative_to(SRC)}:{node.lineno} {node.func.id}({node.args[0].id})"
                )
        # generic views with `model = Family` (a form's or serializer's Meta.model only
        # describes fields and is fine)
        if isinstance(node, ast.ClassDef) and node.name != "Meta":
            for stmt in node.body:
                targets = [getattr(t, "id", "") for t in getattr(stmt, "targets", [])]
                value = getattr(stmt, "value", None)
                if {"model", "queryset"} & set(targets) and getattr(
                    value, "id", ""
                ) in FAMILY_MODELS:
                    found.append(f"{path.relative_to(SRC)}:{stmt.lineno} model = {value.id}")
    return found


def test_presentation_code_does_not_query_family_models():
    files = presentation_files()
    assert len(files) > 5, "the check found too few files to be meaningful"
    offenders = [hit for path in files for hit in direct_queries(path)]
    assert not offenders, "query family data through rits.access and a selector:\n" + "\n".join(
        offenders
    )


def test_templates_do_not_reach_into_managers():
    # A template like {{ family.memberships.all }} on a family obtained through access is
    # fine; reaching the whole table through a model's manager is not possible in a
    # template, but querying related sets of *unrelated* objects is, so keep templates to
    # what the selector prefetched: no custom manager access.
    offenders = []
    for path in SRC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.objects\b", text):
            offenders.append(str(path.relative_to(SRC)))
    assert not offenders


def test_the_check_catches_a_direct_query(tmp_path):
    bad = tmp_path / "views.py"
    bad.write_text(
        "from rits.families.models import Family\n\ndef v(r):\n    return Family.objects.all()\n"
        "\nclass V(DetailView):\n    model = Family\n"
    )
    original = SRC
    try:
        globals()["SRC"] = tmp_path
        assert sorted(direct_queries(bad)) == [
            "views.py:4 Family.objects",
            "views.py:7 model = Family",
        ]
    finally:
        globals()["SRC"] = original
