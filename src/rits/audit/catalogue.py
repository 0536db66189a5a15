"""The event catalogue: every kind of event Rits writes, declared once, for the audit log
and the family's timeline.

Each app declares its events in its own ``events.py`` (``declare(EventType(...), ...)``),
imported by :class:`rits.audit.apps.AuditConfig` through ``autodiscover_modules``. An
event type says which audit action and object type its rows carry, whether and for whom
it appears on the timeline, and two sentences: the timeline's ``template`` and the
``access_log`` sentence of the "who looked at our file" page. Both are rendered when
they are read, in the reader's language: what is stored is the code and its parameters
(the timeline) or the action and object type (the audit row), never a sentence.

The machinery lives in ``audit`` because audit is the leaf every domain already writes
through; it imports no domain app (the timeline writer, which needs ``families``, is
``families.services.record``). Declarations sit in ``<app>/events.py`` (audit writes no
events of its own: it records the others')."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext

from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor, AuditEntry, log_event

# The object type of an event type that takes it from its writer (a refused read names
# what was tried: a family, a plan, the access log).
ANY_OBJECT = "*"

# A timeline event migrated from the old sentence columns keeps its sentence under this
# parameter and is shown as it was written, whatever its code.
LEGACY_TEXT = "legacy_text"


class Audience(StrEnum):
    """Who may see an event on the family's timeline (within what their grant shows).
    Professionals only for now; the family portal adds the family and its network."""

    PROFESSIONALS = "professionals"


class _Blanks(dict):
    def __missing__(self, key: str) -> str:
        return "…"


class UnknownEvent(LookupError):
    """A code no app declared: a programming error, found by the tests."""


@dataclass(frozen=True)
class EventType:
    """One kind of event.

    ``domain`` is the life domain of its timeline events when it is fixed; ``None`` means
    the writer passes it (an alert's domain is its rule's). ``values`` turns stored
    parameters into what the template shows, at read time (a role code into its label in
    the reader's language). ``aliases`` are old object-type spellings of rows written
    before the catalogue, so that the access log still renders them.

    ``writer_names_object``: the writer may write the event under another object type
    than its own, one whose rows of this action the catalogue declares (a work item is
    audited under its kind's object type: an alert's rows are ``signal.alert``'s), so
    that the access log still names every row."""

    code: str
    # The audit row's action and object type; empty for an event that only appears on
    # the timeline (its audit row is another event's: the import's, say).
    action: str = ""
    object_type: str = ""
    access_log: Promise | str = ""
    template: Promise | str = ""
    timeline: bool = False
    domain: str | None = None
    audience: frozenset[Audience] = frozenset({Audience.PROFESSIONALS})
    aliases: tuple[str, ...] = ()
    values: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    writer_names_object: bool = False
    # What the family or its network did themselves in the portal: the coordinator's
    # "my families" marks the family ("new from the family") until they have looked.
    from_family: bool = False

    def __post_init__(self) -> None:
        if self.timeline and not self.template:
            raise ValueError(f"{self.code}: a timeline event needs a template")
        if self.action and not (self.object_type and self.access_log):
            raise ValueError(f"{self.code}: an audited event needs an object type and a sentence")
        if not self.action and not self.timeline:
            raise ValueError(f"{self.code}: neither audited nor on the timeline")
        if self.writer_names_object and (not self.action or self.object_type == ANY_OBJECT):
            raise ValueError(
                f"{self.code}: only an event with an object type of its own lets its writer "
                "name another"
            )

    def text(self, params: Mapping[str, Any]) -> str:
        """The timeline sentence in the active language. A parameter the row lacks (a
        row older than the template) shows as "…"; a row that fits not at all gives a
        generic sentence: the timeline never fails on a row."""
        if LEGACY_TEXT in params:
            return str(params[LEGACY_TEXT])
        template = self.template or self.access_log
        try:
            shown = dict(self.values(params) if self.values else params)
            # ``%`` on the lazy string itself: a plural template picks its form by the
            # parameter it names.
            return str(template % shown)
        except (KeyError, ValueError, TypeError):
            try:
                return str(template % _Blanks(params))
            except (KeyError, ValueError, TypeError):
                return gettext("Something happened")


_BY_CODE: dict[str, EventType] = {}
_BY_ROW: dict[tuple[str, str], EventType] = {}


def declare(*types: EventType) -> None:
    """Register event types. A code, or an (action, object type) pair, declared twice is
    refused: the access log must be able to name every row in one way."""
    for event_type in types:
        if event_type.code in _BY_CODE:
            raise ValueError(f"event {event_type.code!r} is declared twice")
        rows = _rows_of(event_type)
        for row in rows:
            # Two codes may share a row (a plan agreement changed, or its status) when
            # the access log says the same of both.
            known = _BY_ROW.get(row)
            if known is not None and str(known.access_log) != str(event_type.access_log):
                raise ValueError(f"event {event_type.code!r}: {row} is already {known.code!r}")
        _BY_CODE[event_type.code] = event_type
        for row in rows:
            _BY_ROW.setdefault(row, event_type)


def _rows_of(event_type: EventType) -> list[tuple[str, str]]:
    if not event_type.action:
        return []
    return [(str(event_type.action), t) for t in (event_type.object_type, *event_type.aliases)]


def forget(*codes: str) -> None:
    """Remove event types (for tests that declare their own)."""
    for code in codes:
        event_type = _BY_CODE.pop(code)
        for row in _rows_of(event_type):
            if _BY_ROW.get(row) is event_type:
                del _BY_ROW[row]


def event_type(code: str) -> EventType:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownEvent(code) from None


def event_types() -> list[EventType]:
    return list(_BY_CODE.values())


def timeline_codes(audience: Audience) -> list[str]:
    """The codes of the timeline events ``audience`` may see."""
    return sorted(t.code for t in _BY_CODE.values() if t.timeline and audience in t.audience)


def from_family_codes() -> list[str]:
    """The codes of the timeline events of what the family did themselves (the portal)."""
    return sorted(t.code for t in _BY_CODE.values() if t.timeline and t.from_family)


def for_row(action: str, object_type: str) -> EventType | None:
    """The event type of an audit row, by its action and object type (or an old
    spelling of it); ``None`` for a row no app declares."""
    action = str(action)
    return _BY_ROW.get((action, object_type)) or _BY_ROW.get((action, ANY_OBJECT))


def access_sentence(action: str, object_type: str) -> str:
    """What an audit row says on the access-log page, in the active language: the
    declared sentence, or for a row no app declares a generic one from its action."""
    found = for_row(action, object_type)
    if found is not None:
        return str(found.access_log)
    try:
        label = AuditAction(action).label
    except ValueError:
        label = action
    return gettext("%(action)s something in the family's file") % {"action": label}


def timeline_text(code: str, params: Mapping[str, Any]) -> str:
    """A timeline event's sentence in the active language (an unknown code shows its
    stored sentence, if any, or a generic one: the timeline never fails on a row)."""
    found = _BY_CODE.get(code)
    if found is None:
        return str(params.get(LEGACY_TEXT) or params.get("text") or gettext("Something happened"))
    return found.text(params)


@dataclass(frozen=True)
class _Row:
    action: str
    object_type: str


def _row(code: str, object_type: str | None) -> _Row:
    found = event_type(code)
    if not found.action:
        raise ValueError(f"event {code!r} is not audited")
    if found.object_type == ANY_OBJECT:
        if not object_type:
            raise ValueError(f"event {code!r} takes its object type from the writer")
        return _Row(str(found.action), object_type)
    if object_type is None:
        return _Row(str(found.action), found.object_type)
    if not found.writer_names_object:
        raise ValueError(f"event {code!r} has a fixed object type")
    if (str(found.action), object_type) not in _BY_ROW:
        raise ValueError(
            f"event {code!r}: no event declares {found.action} rows of {object_type!r}"
        )
    return _Row(str(found.action), object_type)


def log(
    code: str,
    *,
    actor: Actor,
    object_id: str | int = "",
    family_id: int | None = None,
    person_ids: Sequence[int] = (),
    ground: str = "",
    detail: dict[str, Any] | None = None,
    object_type: str | None = None,
) -> AuditEvent:
    """Write the audit event of ``code`` (its action and object type from the
    catalogue; ``object_type`` only where the event lets its writer name it).
    ``detail`` is for the audit log only: ids and counts, never names."""
    row = _row(code, object_type)
    return log_event(
        action=row.action,
        actor=actor,
        object_type=row.object_type,
        object_id=object_id,
        family_id=family_id,
        person_ids=list(person_ids),
        ground=ground,
        detail=detail,
    )


def entry(
    code: str,
    *,
    object_id: str | int = "",
    family_id: int | None = None,
    person_ids: Sequence[int] = (),
    ground: str = "",
    detail: dict[str, Any] | None = None,
    object_type: str | None = None,
) -> AuditEntry:
    """One event of ``code`` for ``log_events`` (bulk writers)."""
    row = _row(code, object_type)
    return AuditEntry(
        action=row.action,
        object_type=row.object_type,
        object_id=object_id,
        family_id=family_id,
        person_ids=tuple(person_ids),
        ground=ground,
        detail=detail,
    )
