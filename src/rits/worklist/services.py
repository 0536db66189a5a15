"""Work items: raising them, and what people do with them.

Services (every write): ``raise_items`` (a domain's chunk of items at once, each once per
kind, family and key), ``acknowledge``, ``act_on`` (an agreement in the family's plan,
or a decision), ``dismiss`` (with a reason) and ``escalate_overdue`` (to the team lead).
Each writes an audit event under its kind's object type, and a timeline event on the
family when an item is raised, changes status or is escalated (``timeline.py``). The
system's writes come in chunks of thousands: one statement per chunk and step, never one
per item, and ids in the audit log (items, families, what is behind them), never a name.
New and escalated items are handed on after commit (``handoff.py``).

Who may change an item is decided by ``rits.access`` (``may_change_work_item``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rits.access.rules import MAX_ID, Grant, grant_for, may_change_work_item, sees_work_item
from rits.audit import catalogue
from rits.audit.services import Actor, log_events
from rits.core.db import among, insert_rows, joined
from rits.organisations.models import Professional, ProfessionalRole
from rits.plans import selectors as plan_selectors
from rits.plans import services as plan_services
from rits.plans.models import Agreement
from rits.worklist import handoff, timeline
from rits.worklist.kinds import REASON_LENGTH, kind_for
from rits.worklist.models import WorkItem, WorkItemStatus
from rits.worklist.working_days import add_working_days

# An audit event's detail names the kind under "rule", as alerts' events always did, so
# that the log reads the same before and after alerts became work items.
RAISED, UPDATED, UNCHANGED = "raised", "updated", "unchanged"
UNRESOLVED = (WorkItemStatus.OPEN, WorkItemStatus.ACKNOWLEDGED)

# --- raising ------------------------------------------------------------------------------
#
# A domain raises a chunk's items (thousands) at once: every step below is one statement
# for the whole chunk, never one per item.

# A bulk insert that collides with rows another worker inserted at the same moment is
# retried with those joined instead; colliding again and again is no race but a bug.
CREATE_ATTEMPTS = 3


@dataclass
class WorkItemDraft:
    """A work item a domain concluded, to be raised (or joined) by ``raise_items``.
    ``behind``: the ids of what it is about in its domain (the signals behind an alert),
    joined through the ``Behind`` table its raiser names (none: nothing is joined).
    ``reason_params``: plain JSON (names, ISO dates, numbers) for the kind's renderer."""

    kind: str
    family_id: int
    key: str
    reason_code: str
    reason_params: dict
    due_date: date
    behind: Sequence[int] = ()
    person_id: int | None = None
    assigned_to_id: int | None = None
    team_id: int | None = None

    @property
    def identity(self) -> tuple[str, int, str]:
        return self.kind, self.family_id, self.key


@dataclass(frozen=True)
class Behind:
    """The many-to-many table between work items and what is behind them in a domain
    (``Signal.work_items``): the columns of both, and the name in the audit log."""

    through: type[models.Model]
    item_column: str
    other_column: str
    audit_name: str


def _merged(drafts: Sequence[WorkItemDraft]) -> dict[tuple[str, int, str], WorkItemDraft]:
    # One item per kind, family and key: drafts of the same item become one, as if raised
    # one after the other (what is behind them together, the earliest due date).
    merged: dict[tuple[str, int, str], WorkItemDraft] = {}
    for draft in drafts:
        seen = merged.get(draft.identity)
        if seen is None:
            merged[draft.identity] = replace(draft, behind=sorted(set(draft.behind)))
        else:
            merged[draft.identity] = replace(
                seen,
                behind=sorted({*seen.behind, *draft.behind}),
                due_date=min(seen.due_date, draft.due_date),
            )
    return merged


def _locked_items(merged: dict) -> dict[tuple[str, int, str], tuple[int, str, date]]:
    """The items of ``merged`` that exist: (id, status, due date), locked until the
    transaction ends (in id order, so that two workers never wait on each other)."""
    rows = (
        WorkItem.objects.select_for_update()
        .filter(
            among("family_id", {family_id for _k, family_id, _key in merged}),
            among("key", {key for _k, _f, key in merged}),
            kind__in={kind for kind, _f, _k in merged},
        )
        .order_by("pk")
        .values_list("pk", "kind", "family_id", "key", "status", "due_date")
    )
    return {
        (kind, family_id, key): (pk, status, due)
        for pk, kind, family_id, key, status, due in rows
        if (kind, family_id, key) in merged
    }


def create_once(model, merged: dict, locked: Callable, columns: Callable, fields: tuple):
    """Insert the rows of ``merged`` (drafts by identity: the values of ``fields``) that
    do not exist yet. Returns the existing ones (as ``locked`` reads them) and the new
    ones as (draft, id). A row inserted meanwhile by another worker (a unique
    constraint) is read as existing on the next attempt. Shared with the domains' own
    raise-once rows (signals' concern matches)."""
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        existing = locked(merged)
        new = [draft for identity, draft in merged.items() if identity not in existing]
        try:
            with transaction.atomic():
                ids = insert_rows(model, columns(new))
        except IntegrityError:
            if attempt == CREATE_ATTEMPTS:
                raise
            continue
        if None in ids:
            # A database that does not return the ids of a bulk insert: ask.
            found = {
                tuple(values): pk
                for pk, *values in model.objects.filter(
                    *[among(name, {getattr(d, name) for d in new}) for name in fields]
                ).values_list("pk", *fields)
            }
            ids = [found[draft.identity] for draft in new]
        return existing, list(zip(new, ids, strict=True))
    raise AssertionError("unreachable")  # pragma: no cover


def _columns(drafts: list[WorkItemDraft]) -> dict[str, list]:
    return {
        "kind": [d.kind for d in drafts],
        "key": [d.key for d in drafts],
        "family_id": [d.family_id for d in drafts],
        "person_id": [d.person_id for d in drafts],
        "reason_code": [d.reason_code for d in drafts],
        "reason_params": [d.reason_params for d in drafts],
        "due_date": [d.due_date for d in drafts],
        "assigned_to_id": [d.assigned_to_id for d in drafts],
        "team_id": [d.team_id for d in drafts],
    }


def join_pairs(through, left: str, pairs: list[tuple[int, int]], right: str) -> None:
    """Rows of a many-to-many table; joining twice (a rerun) adds nothing."""
    insert_rows(
        through,
        {left: [a for a, _b in pairs], right: [b for _a, b in pairs]},
        ignore_conflicts=True,
    )


def raise_items(
    drafts: Sequence[WorkItemDraft], *, actor: Actor, behind: Behind | None = None
) -> list[tuple[int, str]]:
    """Raise the items of ``drafts``, each once per kind, family and key, in a constant
    number of queries however many.

    Returns per draft the item's id and what happened: ``RAISED``; ``UPDATED`` when the
    item existed and more joined what is behind it (an open item's due date moves
    forward when the new finding is due sooner, e.g. a crisis); ``UNCHANGED`` when there
    was nothing new. Each new item gets a timeline event in the active language and in
    the life domain of its kind; the audit log gets one event per item raised and per
    item changed (ids, kinds and keys: never a name)."""
    if not drafts:
        return []
    merged = _merged(drafts)
    outcome: dict[tuple[str, int, str], tuple[int, str]] = {}
    with transaction.atomic():
        existing, created = create_once(
            WorkItem, merged, _locked_items, _columns, ("kind", "family_id", "key")
        )
        pairs = [(pk, b) for draft, pk in created for b in draft.behind]
        for draft, pk in created:
            outcome[draft.identity] = (pk, RAISED)
        known = _known_pairs(behind, existing, merged)
        changes: list[tuple[int, int, dict]] = []
        moved: dict[date, list[int]] = defaultdict(list)
        for identity, (pk, status, due) in existing.items():
            draft = merged[identity]
            change: dict = {}
            added = [b for b in draft.behind if (pk, b) not in known] if behind else []
            if added:
                pairs.extend((pk, b) for b in added)
                change[f"{behind.audit_name}_added"] = added
            if status == WorkItemStatus.OPEN and draft.due_date < due:
                moved[draft.due_date].append(pk)
                change["due_date"] = draft.due_date.isoformat()
            outcome[identity] = (pk, UPDATED if change else UNCHANGED)
            if change:
                kind, family_id, key = identity
                changes.append((pk, family_id, {"rule": kind, "key": key, **change}))
        if behind is not None:
            join_pairs(behind.through, behind.item_column, pairs, behind.other_column)
        now = timezone.now()
        for day, pks in moved.items():
            WorkItem.objects.filter(among("pk", pks)).update(due_date=day, updated_at=now)
        if created:
            timeline.items_raised([d for d, _pk in created], now)
            _audit_raised(created, actor, behind)
        log_events(
            actor=actor,
            entries=[
                catalogue.entry(
                    "work_item.changed",
                    object_type=kind_for(detail["rule"]).audit_type,
                    object_id=pk,
                    family_id=family_id,
                    detail=detail,
                )
                for pk, family_id, detail in changes
            ],
        )
        handoff.hand_on(handoff.raised, [pk for _d, pk in created])
    return [outcome[draft.identity] for draft in drafts]


def _known_pairs(behind: Behind | None, existing: dict, merged: dict) -> set[tuple[int, int]]:
    if behind is None or not existing:
        return set()
    return set(
        behind.through.objects.filter(
            among(behind.item_column, [pk for pk, _s, _d in existing.values()]),
            joined(behind.other_column, {b for i in existing for b in merged[i].behind}),
        ).values_list(behind.item_column, behind.other_column)
    )


def _audit_raised(created: list, actor: Actor, behind: Behind | None) -> None:
    # One event per item, on its family, so that the family's access log shows it.
    log_events(
        actor=actor,
        entries=[
            catalogue.entry(
                "work_item.raised",
                object_type=kind_for(d.kind).audit_type,
                object_id=pk,
                family_id=d.family_id,
                person_ids=[d.person_id] if d.person_id else [],
                detail={
                    "rule": d.kind,
                    "key": d.key,
                    **({behind.audit_name: list(d.behind)} if behind else {}),
                    "due_date": d.due_date.isoformat(),
                    "assigned_to": d.assigned_to_id,
                    "team": d.team_id,
                },
            )
            for d, pk in created
        ],
    )


# --- acknowledge, act on, dismiss -------------------------------------------------------------


def sees_item(grant: Grant, kind: str) -> bool:
    """Whether ``grant`` covers the life domains of the kind (access decides)."""
    return sees_work_item(grant, kind_for(kind).domains)


def not_found() -> Http404:
    return Http404(_("This alert does not exist or is not visible to you."))


def item_and_grant(user, item_id: int | str, *, lock: bool = False) -> tuple[WorkItem, Grant]:
    """The item and the user's grant on its family; ``Http404`` when there is no such
    item or the user may not see its family or its kind's life domains."""
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise not_found() from None
    if not 0 < item_id <= MAX_ID:
        raise not_found()
    family_id = WorkItem.objects.filter(pk=item_id).values_list("family_id", flat=True).first()
    if family_id is None:
        raise not_found()
    grant = grant_for(user, family_id)
    items = WorkItem.objects.filter(pk=item_id)
    item = (items.select_for_update() if lock else items).get()
    if not sees_item(grant, item.kind):
        raise not_found()
    return item, grant


def may_change_status(grant: Grant, item: WorkItem) -> bool:
    """Who may acknowledge, act on or dismiss an item: the one it is assigned to, the
    family's coordinator, and the team lead of the team it belongs to (the assignee's
    team, as escalation decides it). Others who see the item may read it."""
    if grant.is_coordinator or item.assigned_to_id == grant.professional.pk:
        return True  # without reading the assignee's team
    team_id = item.team_id or (item.assigned_to.team_id if item.assigned_to_id else None)
    return may_change_work_item(grant, assigned_to_id=item.assigned_to_id, team_id=team_id)


def _require_status_changer(grant: Grant, item: WorkItem) -> None:
    grant.require("write")
    if not may_change_status(grant, item):
        raise PermissionDenied(
            _(
                "Only the coordinator the alert is assigned to, the family's coordinator or "
                "their team lead can change this alert; you can read it."
            )
        )


def _still_open(item: WorkItem) -> None:
    if item.status not in UNRESOLVED:
        raise ValidationError(
            _("This alert was already %(status)s.") % {"status": item.get_status_display().lower()},
            code="closed",
        )


def audit_item(code: str, user, grant: Grant, item: WorkItem, detail: dict | None = None):
    """One person's read or change of one item (``code``: ``work_item.viewed`` or
    ``work_item.changed``), on its family and under its kind's object type."""
    catalogue.log(
        code,
        actor=Actor.for_user(user),
        object_type=kind_for(item.kind).audit_type,
        object_id=item.pk,
        family_id=grant.family.pk,
        person_ids=[item.person_id] if item.person_id else [],
        ground=grant.ground,
        detail=detail,
    )


def _status_changed(
    user, grant: Grant, item: WorkItem, what: str, params: dict | None = None, **detail
) -> None:
    timeline.status_changed(item, what, params or {}, user=user)
    audit_item(
        "work_item.changed",
        user,
        grant,
        item,
        {"rule": item.kind, "status": item.status, **detail},
    )


def _acknowledge(item: WorkItem, user) -> None:
    if item.acknowledged_at is None:
        item.acknowledged_by = user
        item.acknowledged_at = timezone.now()


def acknowledge(*, user, item_id: int) -> WorkItem:
    """The coordinator (or whoever ``may_change_status``) has seen it and takes it on.
    Acknowledging again changes nothing."""
    with transaction.atomic():
        item, grant = item_and_grant(user, item_id, lock=True)
        _require_status_changer(grant, item)
        if item.status == WorkItemStatus.ACKNOWLEDGED:
            return item
        _still_open(item)
        item.status = WorkItemStatus.ACKNOWLEDGED
        _acknowledge(item, user)
        item.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        _status_changed(user, grant, item, "acknowledged")
    return item


def _bounded_note(value: str, name: str) -> str:
    value = (value or "").strip()
    if len(value) > REASON_LENGTH:
        raise ValidationError({name: _("Keep this under %(n)d characters.") % {"n": REASON_LENGTH}})
    return value


def act_on(
    *,
    user,
    item_id: int,
    revision: int | None = None,
    data: plan_services.AgreementData | None = None,
    agreement_id: int | None = None,
    note: str = "",
) -> WorkItem:
    """The item led to something: a new agreement in the family's plan (``data``, with
    the plan ``revision`` the form was based on: see ``plans.services.add_agreement``),
    an existing agreement (``agreement_id``), or a decision described in ``note``.

    All or nothing: when the agreement cannot be saved (a field, a conflict with another
    editor) the item stays as it was."""
    note = _bounded_note(note, "note")
    with transaction.atomic():
        item, grant = item_and_grant(user, item_id, lock=True)
        _require_status_changer(grant, item)
        _still_open(item)
        agreement: Agreement | None = None
        if data is not None:
            agreement = plan_services.add_agreement(
                user=user, grant=grant, revision=revision, data=data
            )
        elif agreement_id is not None:
            agreement = plan_selectors.agreement_for_editing(grant=grant, agreement_id=agreement_id)
        elif not note:
            raise ValidationError(
                {"note": _("Say what was decided, or make an agreement in the plan.")}
            )
        item.status = WorkItemStatus.ACTED_ON
        _acknowledge(item, user)
        item.agreement = agreement
        item.action_note = note
        item.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "agreement",
                "action_note",
                "updated_at",
            ]
        )
        what, params = (
            ("acted_on_agreement", {"action": agreement.action[:200]})
            if agreement
            else ("acted_on", {"note": note})
        )
        _status_changed(
            user, grant, item, what, params, agreement=agreement.pk if agreement else None
        )
    return item


def dismiss(*, user, item_id: int, reason: str) -> WorkItem:
    """The item needs no action; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this alert needs no action.")})
    reason = _bounded_note(reason, "reason")
    with transaction.atomic():
        item, grant = item_and_grant(user, item_id, lock=True)
        _require_status_changer(grant, item)
        _still_open(item)
        item.status = WorkItemStatus.DISMISSED
        item.dismissed_reason = reason
        item.save(update_fields=["status", "dismissed_reason", "updated_at"])
        _status_changed(user, grant, item, "dismissed", {"reason": reason})
    return item


def dismiss_for_closed_file(*, user, grant: Grant) -> int:
    """The family's file closes (``families.services.close_file``): its unresolved items
    are dismissed with the reason that the file was closed, so that no one's inbox keeps
    work on a file that takes none. Reopening the file leaves them dismissed (each can be
    reopened on its own). Called inside the closing's transaction; returns how many."""
    items = list(
        WorkItem.objects.select_for_update()
        .filter(family_id=grant.family.pk, status__in=UNRESOLVED)
        .order_by("pk")
    )
    if not items:
        return 0
    # Stored as text, like a reason a person writes: in the region's language.
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("The family's file was closed.")
    now = timezone.now()
    for item in items:
        item.status = WorkItemStatus.DISMISSED
        item.dismissed_reason = reason
        item.updated_at = now  # bulk_update does not set auto_now fields
    WorkItem.objects.bulk_update(items, ["status", "dismissed_reason", "updated_at"])
    for item in items:
        _status_changed(user, grant, item, "dismissed", {"reason": reason}, file_closed=True)
    return len(items)


# A reopened item is due again within this many working days (or by its old due date
# when that lies later): reopened with a date long past, it would escalate at once.
REOPEN_DUE_WORKING_DAYS = 5


def reopen(*, user, item_id: int, reason: str) -> WorkItem:
    """Take back a decision on an item (acknowledged, acted on or dismissed): it is open
    again, for the same people who may change it. What was decided before stays on the
    timeline and in the audit log; the item itself starts afresh, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this alert needs attention again.")})
    reason = _bounded_note(reason, "reason")
    with transaction.atomic():
        item, grant = item_and_grant(user, item_id, lock=True)
        _require_status_changer(grant, item)
        if item.status == WorkItemStatus.OPEN:
            raise ValidationError(_("This alert is open already."), code="open")
        was = item.status
        item.status = WorkItemStatus.OPEN
        item.acknowledged_by, item.acknowledged_at = None, None
        item.agreement, item.action_note, item.dismissed_reason = None, "", ""
        item.due_date = max(
            item.due_date, add_working_days(timezone.localdate(), REOPEN_DUE_WORKING_DAYS)
        )
        item.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "agreement",
                "action_note",
                "dismissed_reason",
                "due_date",
                "updated_at",
            ]
        )
        _status_changed(user, grant, item, "reopened", {"reason": reason}, was=was)
    return item


# --- escalation ---------------------------------------------------------------------------

ESCALATE_PER_CHUNK = 2000


def escalate_overdue(*, today: date | None = None) -> int:
    """Items still open ``RITS_ALERT_ESCALATE_AFTER_DAYS`` days after their due date go
    to the team lead(s) of the team they belong to (the assignee's team): they appear
    first in the team's inbox and in the team lead's own inbox. Returns how many were
    escalated; an item is escalated once."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ALERT_ESCALATE_AFTER_DAYS)
    actor = Actor.system("alert escalation")
    overdue = WorkItem.objects.filter(
        status=WorkItemStatus.OPEN, escalated_at__isnull=True, due_date__lt=cutoff
    ).order_by("pk")
    escalated = 0
    after = 0
    while ids := list(
        overdue.filter(pk__gt=after).values_list("pk", flat=True)[:ESCALATE_PER_CHUNK]
    ):
        after = ids[-1]
        with transaction.atomic():
            escalated += _escalate(ids, actor)
    return escalated


@dataclass
class _Escalation:
    teams: dict[int, int | None]
    leads: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))


def _escalation_of(rows: list) -> _Escalation:
    assignee_teams = dict(
        Professional.objects.filter(among("pk", {r[5] for r in rows if r[5]})).values_list(
            "pk", "team_id"
        )
    )
    # An item without a team goes to the team of whom it is assigned to.
    found = _Escalation(
        {pk: team_id or assignee_teams.get(assigned) for pk, *_r, team_id, assigned in rows}
    )
    # The team's members, of whom the leads: a lead may hold the role besides another
    # (``Professional.other_roles``), which a query on ``role`` alone would miss.
    for professional in Professional.objects.filter(
        team_id__in={t for t in found.teams.values() if t}
    ).order_by("pk"):
        if professional.has_role(ProfessionalRole.TEAM_LEAD):
            found.leads[professional.team_id].append(professional.pk)
    return found


def _escalate(ids: list[int], actor: Actor) -> int:
    """One chunk of overdue items, in a constant number of queries."""
    rows = list(
        WorkItem.objects.select_for_update()
        .filter(among("pk", ids), status=WorkItemStatus.OPEN, escalated_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "kind", "family_id", "due_date", "team_id", "assigned_to_id")
    )
    if not rows:
        return 0
    escalation = _escalation_of(rows)
    now = timezone.now()
    assignee_team = Professional.objects.filter(pk=OuterRef("assigned_to_id")).values("team_id")
    WorkItem.objects.filter(among("pk", escalation.teams)).update(
        team_id=Coalesce(F("team_id"), Subquery(assignee_team[:1])),
        escalated_at=now,
        updated_at=now,
    )
    timeline.items_escalated(
        [(kind, family_id, due) for _pk, kind, family_id, due, *_r in rows], now
    )
    log_events(
        actor=actor,
        entries=[
            catalogue.entry(
                "work_item.escalated",
                object_type=kind_for(kind).audit_type,
                object_id=pk,
                family_id=family_id,
                detail={
                    "escalated": True,
                    "rule": kind,
                    "due_date": due.isoformat(),
                    "team": escalation.teams[pk],
                    "team_leads": escalation.leads.get(escalation.teams[pk], []),
                },
            )
            for pk, kind, family_id, due, *_r in rows
        ],
    )
    handoff.hand_on(handoff.escalated, [pk for pk, *_r in rows])
    return len(rows)
