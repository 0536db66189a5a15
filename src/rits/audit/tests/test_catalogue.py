"""The event catalogue: one declaration per event, rendered at read time, and every
event the code writes declared."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from rits.audit import catalogue
from rits.audit.catalogue import ANY_OBJECT, EventType
from rits.audit.models import AuditAction
from rits.audit.services import Actor

SRC = Path(catalogue.__file__).resolve().parents[1]


@pytest.fixture
def declared():
    """Declare test event types and forget them afterwards."""
    codes = []

    def declare(*types):
        catalogue.declare(*types)
        codes.extend(t.code for t in types)

    yield declare
    catalogue.forget(*codes)


def test_a_code_is_declared_once(declared):
    declared(EventType("test.thing_viewed", AuditAction.VIEW, "test.thing", access_log="saw it"))
    with pytest.raises(ValueError, match="declared twice"):
        catalogue.declare(
            EventType("test.thing_viewed", AuditAction.EXPORT, "test.other", access_log="x")
        )


def test_an_audit_row_is_named_one_way(declared):
    declared(EventType("test.thing_viewed", AuditAction.VIEW, "test.thing", access_log="saw it"))
    with pytest.raises(ValueError, match="already"):
        catalogue.declare(
            EventType("test.thing_read", AuditAction.VIEW, "test.thing", access_log="read it")
        )
    # An old spelling counts as the row it was.
    with pytest.raises(ValueError, match="already"):
        catalogue.declare(
            EventType(
                "test.thing_read",
                AuditAction.VIEW,
                "test.new_thing",
                access_log="read it",
                aliases=("test.thing",),
            )
        )
    # Two codes with the same sentence may share a row.
    declared(EventType("test.thing_seen", AuditAction.VIEW, "test.thing", access_log="saw it"))


def test_a_timeline_event_needs_a_template():
    with pytest.raises(ValueError, match="template"):
        EventType("test.thing_added", AuditAction.CREATE, "test.thing", "added", timeline=True)


def test_the_timeline_is_rendered_in_the_readers_language():
    member = catalogue.event_type("family.member_added")
    params = {"name": "Selam Haile", "role": "parent"}
    with translation.override("nl"):
        assert member.text(params) == "Selam Haile toegevoegd als ouder"
    with translation.override("en"):
        assert member.text(params) == "Selam Haile added as parent"


def test_a_plural_template_follows_its_number():
    imported = catalogue.event_type("family.created_by_import")
    with translation.override("en"):
        assert imported.text({"count": 1}) == "Family imported with 1 member"
        assert imported.text({"count": 3}) == "Family imported with 3 members"


def test_a_migrated_row_shows_its_sentence_as_written():
    assert catalogue.timeline_text("signal.linked", {"legacy_text": "Signaal ontvangen"}) == (
        "Signaal ontvangen"
    )


def test_rows_the_catalogue_does_not_know_render_without_failing():
    with translation.override("en"):
        assert catalogue.timeline_text("gone.event", {}) == "Something happened"
        assert catalogue.timeline_text("gone.event", {"text": "Oud"}) == "Oud"
        # a parameter the row lacks, or one of the wrong kind
        assert catalogue.timeline_text("family.member_added", {}) == "… added as …"
        assert catalogue.timeline_text("plan.safety_score_recorded", {"score": "x"}) == (
            "Something happened"
        )
        assert catalogue.access_sentence("view", "gone.thing") == (
            "viewed something in the family's file"
        )
        assert catalogue.access_sentence("nonsense", "gone.thing") == (
            "nonsense something in the family's file"
        )


def test_the_access_log_speaks_plain_language_for_old_spellings():
    with translation.override("en"):
        assert catalogue.access_sentence("view", "family.overview") == (
            "looked at the family's overview"
        )
        assert catalogue.access_sentence("create", "signal_link") == (
            catalogue.access_sentence("create", "signal.link")
        )
        assert catalogue.access_sentence("refused", "plan") == (
            "tried to open the family's file and was refused"
        )


def test_an_event_may_let_its_writer_name_a_declared_object_type(declared):
    declared(
        EventType(
            "test.thing_changed",
            AuditAction.UPDATE,
            "test.thing",
            access_log="changed it",
            writer_names_object=True,
        ),
        EventType("test.other_changed", AuditAction.UPDATE, "test.other", access_log="changed"),
        EventType("test.other_viewed", AuditAction.VIEW, "test.view_only", access_log="saw it"),
    )
    assert catalogue.entry("test.thing_changed").object_type == "test.thing"
    named = catalogue.entry("test.thing_changed", object_type="test.other")
    assert (named.action, named.object_type) == ("update", "test.other")
    # Only a row the catalogue declares for the event's action, so that the access log
    # names it.
    for undeclared in ("test.unknown", "test.view_only"):
        with pytest.raises(ValueError, match="no event declares"):
            catalogue.entry("test.thing_changed", object_type=undeclared)
    with pytest.raises(ValueError, match="fixed object type"):
        catalogue.entry("test.other_changed", object_type="test.thing")
    with pytest.raises(ValueError, match="lets its writer"):
        EventType(
            "test.any_seen", AuditAction.VIEW, ANY_OBJECT, access_log="x", writer_names_object=True
        )


@pytest.mark.django_db
def test_log_writes_the_object_type_its_writer_names(declared):
    declared(
        EventType(
            "test.thing_changed",
            AuditAction.UPDATE,
            "test.thing",
            access_log="changed it",
            writer_names_object=True,
        ),
        EventType("test.other_changed", AuditAction.UPDATE, "test.other", access_log="changed"),
    )
    actor = Actor.system("test")
    event = catalogue.log("test.thing_changed", actor=actor, object_type="test.other")
    assert (event.action, event.object_type) == ("update", "test.other")
    assert catalogue.log("test.thing_changed", actor=actor).object_type == "test.thing"
    with pytest.raises(ValueError, match="no event declares"):
        catalogue.log("test.thing_changed", actor=actor, object_type="test.unknown")


# --- every event the code writes is declared --------------------------------------------

# Calls that take a catalogue code, and the position of the code among their arguments.
CODE_CALLS = {
    "log": 0,
    "entry": 0,
    "record": 0,
    "TimelineEntry": 1,
    "_status_changed": 3,
    "audit_item": 0,
    "_inbox": 2,
}


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(node: ast.AST) -> list[str]:
    """Dotted string constants of an argument (both branches of ``a if c else b``): an
    event code is ``<app>.<event>``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if "." in node.value and " " not in node.value else []
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _written():
    """(file, code) for each catalogue code in a catalogue call, and (file, line) for
    each hand-written ``log_event``/``AuditEntry`` outside audit (whose catalogue is the
    one that writes them)."""
    codes, rows = [], []
    for path, tree in _sources():
        in_audit = path.relative_to(SRC).parts[0] == "audit"
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                targets = [t for t in node.targets if _name(t) in {"event", "code"}]
                if targets:
                    codes += [(path.name, c) for c in _strings(node.value)]
                tuples = [t for t in node.targets if isinstance(t, ast.Tuple)]
                for target in tuples:
                    if isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts, strict=False):
                            if _name(t) == "code":
                                codes += [(path.name, c) for c in _strings(v)]
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "reading" and "what" in keywords:
                codes += [(path.name, c) for c in _strings(keywords["what"])]
            elif name in CODE_CALLS:
                at = CODE_CALLS[name]
                args = [*node.args[at : at + 1], keywords.get("code")]
                codes += [(path.name, c) for a in args if a is not None for c in _strings(a)]
            elif name in {"log_event", "AuditEntry"} and not in_audit:
                rows.append((str(path.relative_to(SRC)), node.lineno))
    return codes, rows


def test_every_code_the_code_writes_is_declared():
    codes, _rows = _written()
    assert len(codes) > 40  # the scan finds the calls
    unknown = [(f, c) for f, c in codes if c not in {t.code for t in catalogue.event_types()}]
    assert unknown == []


def test_no_audit_row_is_hand_written():
    """Every app writes its audit rows through the catalogue (``log``, ``entry``), so
    that the access log has a sentence for each."""
    _codes, rows = _written()
    assert rows == []
