"""Changing and removing with history and undo, for any model with
``history = HistoricalRecords()`` (django-simple-history).

A change is saved with :func:`save_with_history` (the historical copy holds who, when
and the values after; the copy before it the values before), a removal is a real delete
through :func:`delete_with_history` (its "-" copy holds the row as it was) and
:func:`restore` puts the row back from that copy, with its own id, within
``UNDO_WINDOW``. :func:`entries` turns the copies of one row into what a history page
shows.

These helpers decide nothing about access: the owners' services and selectors (the
families' and the plans', in the fence's ALLOWED list) check the grant first and pass
the model, the family and the lookup path from the model to its family
(``family_id`` for a member, ``plan__family_id`` for a part of the plan)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from rits.core import durations

# How long a removal can be undone.
UNDO_WINDOW = timedelta(days=30)

# Options for every ``HistoricalRecords`` of family data: a deleted row keeps its copies
# (that is what an undo restores from), and a user has no reverse accessor to them. The
# user is set by the service that writes (``_history_user``), never guessed from a
# request: an import or the system writes without one.
HISTORY_OPTIONS = {"cascade_delete_history": False, "user_related_name": "+"}


def save_with_history(obj, *, user, reason: str = "") -> None:
    """Save ``obj``; its historical copy names ``user`` (None: the system or an import)."""
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


def delete_with_history(obj, *, user) -> None:
    obj._history_user = user
    obj._change_reason = "removed"
    obj.delete()


def last_removal(model, *, pk: int, family_id: int, family_lookup: str = "family_id"):
    """The newest "-" copy of row ``pk`` of ``model`` in family ``family_id``, or None."""
    return (
        model.history.filter(id=pk, history_type="-", **{family_lookup: family_id})
        .order_by("-history_date", "-history_id")
        .first()
    )


def restore(
    model,
    *,
    pk: int,
    family_id: int,
    user,
    family_lookup: str = "family_id",
    now: datetime | None = None,
    not_found: type[Exception] = Http404,
    prepare=None,
):
    """Put a removed row of ``family_id`` back as it was, with its own id: from the
    historical copy its removal left. Refused (``ValidationError``) after ``UNDO_WINDOW``;
    an id that was never removed from this family raises ``not_found``. ``prepare(obj)``,
    when given, may adjust the row before it is saved (e.g. what must stay unique)."""
    now = now or timezone.now()
    removal = last_removal(model, pk=pk, family_id=family_id, family_lookup=family_lookup)
    if removal is None or model._base_manager.filter(pk=pk).exists():
        raise not_found
    if removal.history_date < now - UNDO_WINDOW:
        raise ValidationError(
            _(
                "This was removed more than %(period)s ago and can no longer be put back. "
                "Add it again instead."
            )
            % {"period": durations.in_words(UNDO_WINDOW.days)}
        )
    obj = removal.instance
    for field_ in model._meta.concrete_fields:
        value = getattr(obj, field_.attname)
        if field_.is_relation and value is not None:
            if not field_.related_model._base_manager.filter(pk=value).exists():
                if not field_.null:
                    raise ValidationError(
                        _("This can no longer be put back. Add it again instead.")
                    )
                setattr(obj, field_.attname, None)  # e.g. the person it was for, since merged
    if prepare is not None:
        prepare(obj)
    obj._history_user = user
    obj._change_reason = "undo"
    obj.save(force_insert=True)
    return obj


# --- what a history page shows ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One change as the history page shows it: who, when, what (label, before → after);
    a BSN only as "the BSN changed"."""

    at: datetime
    by: str
    kind: str  # created, changed, removed, restored
    changes: tuple[Change, ...] = ()
    bsn_changed: bool = False


def shown(model, name: str, value) -> str:
    if value in (None, "", []):
        return "—"
    field_ = model._meta.get_field(name)
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def entries(
    model, records, fields: tuple[str, ...], family_id: int, *, values=None
) -> list[HistoryEntry]:
    """Historical copies of one row, oldest first, as entries: each compared with the
    copy before it, on ``fields`` only. A change a service made in another family's file
    (a person belongs to each of their families: the reason says ``family:<id>``) is
    shown without who made it. ``values(name, value)``, when given, shows a value (e.g.
    life-domain codes as their names)."""
    show = values or (lambda name, value: shown(model, name, value))
    found, previous = [], None
    here = f"family:{family_id}"
    for record in records:
        reason = record.history_change_reason or ""
        if reason.startswith("family:") and reason != here:
            by = _("someone working with another family")
        elif record.history_user:
            by = str(record.history_user)
        else:
            by = _("the system")
        kind = {"+": "created", "~": "changed", "-": "removed"}[record.history_type]
        if record.history_type == "+" and reason == "undo":
            kind = "restored"
        changes = ()
        if previous is not None and kind == "changed":
            delta = record.diff_against(previous, included_fields=fields)
            changes = tuple(
                Change(
                    label=capfirst(model._meta.get_field(c.field).verbose_name),
                    before=show(c.field, c.old),
                    after=show(c.field, c.new),
                )
                for c in sorted(delta.changes, key=lambda c: fields.index(c.field))
            )
        found.append(
            HistoryEntry(
                at=record.history_date,
                by=by,
                kind=kind,
                changes=changes,
                bsn_changed=bool(getattr(record, "bsn_changed", False)),
            )
        )
        previous = record
    return found
