"""Alerts: what the rules raise, and what people do with them.

Services (every write): ``raise_alerts`` (by the rules, a chunk's alerts at once;
``raise_alert`` for one), ``acknowledge_alert``, ``act_on_alert`` (an agreement in the
family's plan, or a decision), ``dismiss_alert`` (with a reason),
``escalate_overdue_alerts`` (to the team lead), and the concern match
(``record_concern_matches``, ``record_in_touch``). Each writes an audit event, and a
timeline event on the family when an alert is raised or changes status. The system's
writes (raising, escalating, concern matches) come in chunks of thousands: one audit
event per chunk and kind of change, listing ids (alerts, families, signals), never a
name.

Selectors (every read): the coordinator's inbox (``my_inbox``), the team's
(``team_inbox``) and one alert (``alert_for_user``), each through ``rits.access`` and
audited; and a signal source's concern matches (``concern_matches_for_source``), which
name organisations only, never a family or a person.

Who sees an alert: whoever may see its family (``grant_for``) and the life domains it is
about (arrears are about finances), so someone who lost access sees nothing. A team
lead additionally sees, without any family data, the alerts of their team about families
nobody in the team may see yet (escalated alerts, the concern match): the rule, the due
date and who it is assigned to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.principals import Principal
from rits.access.rules import (
    MAX_ID,
    Grant,
    grant_for,
    grants_by_family,
    is_team_lead,
    may_change_work_item,
    professional_for,
    sees_team_line_without_family,
    sees_work_item,
)
from rits.audit.models import AuditAction
from rits.audit.services import Actor, AuditEntry, log_event, log_events
from rits.core.db import among, insert_rows
from rits.families.models import Family
from rits.families.services import TimelineEntry, record_timeline
from rits.organisations.models import Organisation, Professional, ProfessionalRole, Team
from rits.plans import selectors as plan_selectors
from rits.plans import services as plan_services
from rits.plans.models import Agreement
from rits.signals import notices
from rits.signals.models import (
    Alert,
    AlertStatus,
    ConcernMatch,
    Signal,
    SignalType,
)
from rits.signals.rule_catalogue import rule_for, rule_title
from rits.signals.rules.findings import AlertDraft, ConcernMatchDraft

RAISED, UPDATED, UNCHANGED = "raised", "updated", "unchanged"
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
# The most alerts one inbox page or API answer shows (the most urgent first).
INBOX_LIMIT = 200
# Status filters of the inbox: "active" (open or acknowledged) by default.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "active": UNRESOLVED,
    "open": (AlertStatus.OPEN,),
    "acknowledged": (AlertStatus.ACKNOWLEDGED,),
    "acted_on": (AlertStatus.ACTED_ON,),
    "dismissed": (AlertStatus.DISMISSED,),
    "all": tuple(AlertStatus.values),
}


def rules_actor() -> Actor:
    return Principal.system("rules").actor


def _event_domain(rule_code: str) -> str:
    rule = rule_for(rule_code)
    return rule.domains[0] if rule and rule.domains else ""


def _timeline(alert: Alert, family: Family, code: str, params: dict, *, user=None) -> None:
    record_timeline(
        [
            TimelineEntry(
                family_id=family.pk,
                code=code,
                params={"rule": alert.rule, **params},
                domain=_event_domain(alert.rule),
                actor_id=user.pk if user is not None else None,
            )
        ]
    )


# --- raising ------------------------------------------------------------------------------
#
# The rules raise a chunk's alerts (thousands) at once: every step below is one statement
# for the whole chunk, never one per alert, and ``raise_alert`` is the same path for one.

# A bulk insert that collides with alerts another worker raised at the same moment is
# retried with those joined instead; colliding again and again is no race but a bug.
CREATE_ATTEMPTS = 3


def _merged_alerts(drafts: Iterable[AlertDraft]) -> dict[tuple[str, int, str], AlertDraft]:
    # One alert per rule, family and key: drafts of the same alert become one, as if
    # raised one after the other (their signals together, the earliest due date).
    merged: dict[tuple[str, int, str], AlertDraft] = {}
    for draft in drafts:
        seen = merged.get(draft.identity)
        if seen is None:
            merged[draft.identity] = replace(draft, signal_ids=sorted(set(draft.signal_ids)))
        else:
            merged[draft.identity] = replace(
                seen,
                signal_ids=sorted({*seen.signal_ids, *draft.signal_ids}),
                due_date=min(seen.due_date, draft.due_date),
            )
    return merged


def _locked_alerts(merged: dict) -> dict[tuple[str, int, str], tuple[int, str, date]]:
    """The alerts of ``merged`` that exist: (id, status, due date), locked until the
    transaction ends (in id order, so that two workers never wait on each other)."""
    rows = (
        Alert.objects.select_for_update()
        .filter(
            among("family_id", {family_id for _r, family_id, _k in merged}),
            among("key", {key for _r, _f, key in merged}),
            rule__in={rule for rule, _f, _k in merged},
        )
        .order_by("pk")
        .values_list("pk", "rule", "family_id", "key", "status", "due_date")
    )
    return {
        (rule, family_id, key): (pk, status, due)
        for pk, rule, family_id, key, status, due in rows
        if (rule, family_id, key) in merged
    }


def _create_once(model, merged: dict, locked: Callable, columns: Callable, fields: tuple):
    """Insert the rows of ``merged`` (drafts by identity: the values of ``fields``) that
    do not exist yet. Returns the existing ones (as ``locked`` reads them) and the new
    ones as (draft, id). A row inserted meanwhile by another worker (a unique
    constraint) is read as existing on the next attempt."""
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


def _alert_columns(drafts: list[AlertDraft]) -> dict[str, list]:
    return {
        "rule": [d.rule for d in drafts],
        "key": [d.key for d in drafts],
        "family_id": [d.family_id for d in drafts],
        "person_id": [d.person_id for d in drafts],
        "reason_nl": [d.reason_nl[:500] for d in drafts],
        "reason_en": [d.reason_en[:500] for d in drafts],
        "due_date": [d.due_date for d in drafts],
        "assigned_to_id": [d.assigned_to_id for d in drafts],
        "team_id": [d.team_id for d in drafts],
    }


def _pairs(through, left: str, pairs: list[tuple[int, int]], right: str = "signal_id") -> None:
    # Ignoring conflicts: joining twice (a rerun) adds nothing.
    insert_rows(
        through,
        {left: [a for a, _b in pairs], right: [b for _a, b in pairs]},
        ignore_conflicts=True,
    )


def raise_alerts(
    drafts: Sequence[AlertDraft], *, actor: Actor | None = None
) -> list[tuple[int, str]]:
    """Raise the alerts of ``drafts``, each once per rule, family and key, in a constant
    number of queries however many.

    Returns per draft the alert's id and what happened: ``RAISED``; ``UPDATED`` when the
    alert existed and more signals joined it (an open alert's due date moves forward
    when the new finding is due sooner, e.g. a crisis); ``UNCHANGED`` when there was
    nothing new. Each new alert gets a timeline event in the active language and in the
    life domain of its rule; the audit log gets one event for the alerts raised and one
    for the alerts changed (ids, rules and keys: never a name)."""
    if not drafts:
        return []
    actor = actor or rules_actor()
    merged = _merged_alerts(drafts)
    through = Alert.signals.through
    outcome: dict[tuple[str, int, str], tuple[int, str]] = {}
    with transaction.atomic():
        existing, created = _create_once(
            Alert, merged, _locked_alerts, _alert_columns, ("rule", "family_id", "key")
        )
        pairs = [(pk, s) for draft, pk in created for s in draft.signal_ids]
        for draft, pk in created:
            outcome[draft.identity] = (pk, RAISED)
        known = set(
            through.objects.filter(
                among("alert_id", [pk for pk, _s, _d in existing.values()]),
                among("signal_id", {s for i in existing for s in merged[i].signal_ids}),
            ).values_list("alert_id", "signal_id")
            if existing
            else ()
        )
        changes: list[tuple[int, int, dict]] = []
        moved: dict[date, list[int]] = defaultdict(list)
        for identity, (pk, status, due) in existing.items():
            draft = merged[identity]
            change: dict = {}
            added = [s for s in draft.signal_ids if (pk, s) not in known]
            if added:
                pairs.extend((pk, s) for s in added)
                change["signal_ids_added"] = added
            if status == AlertStatus.OPEN and draft.due_date < due:
                moved[draft.due_date].append(pk)
                change["due_date"] = draft.due_date.isoformat()
            outcome[identity] = (pk, UPDATED if change else UNCHANGED)
            if change:
                rule, family_id, key = identity
                changes.append((pk, family_id, {"rule": rule, "key": key, **change}))
        _pairs(through, "alert_id", pairs)
        now = timezone.now()
        for day, pks in moved.items():
            Alert.objects.filter(among("pk", pks)).update(due_date=day, updated_at=now)
        if created:
            _alerts_raised(created, actor, now)
        log_events(
            actor=actor,
            entries=[
                AuditEntry(
                    action=AuditAction.UPDATE,
                    object_type="signal.alert",
                    object_id=pk,
                    family_id=family_id,
                    detail=change,
                )
                for pk, family_id, change in changes
            ],
        )
    return [outcome[draft.identity] for draft in drafts]


def _alerts_raised(created: list[tuple[AlertDraft, int]], actor: Actor, now: datetime) -> None:
    # Each event in the life domain of its rule, so only who may see that domain sees it;
    # the reason in both languages the rules write it in (shown in the reader's).
    record_timeline(
        (
            TimelineEntry(
                family_id=d.family_id,
                code="signal.alert_raised",
                params={"rule": d.rule, "reason_nl": d.reason_nl, "reason_en": d.reason_en},
                domain=_event_domain(d.rule),
            )
            for d, _pk in created
        ),
        at=now,
    )
    # One event per alert, on its family, so that the family's access log shows it.
    log_events(
        actor=actor,
        entries=[
            AuditEntry(
                action=AuditAction.CREATE,
                object_type="signal.alert",
                object_id=pk,
                family_id=d.family_id,
                person_ids=[d.person_id] if d.person_id else [],
                detail={
                    "rule": d.rule,
                    "key": d.key,
                    "signal_ids": list(d.signal_ids),
                    "due_date": d.due_date.isoformat(),
                    "assigned_to": d.assigned_to_id,
                    "team": d.team_id,
                },
            )
            for d, pk in created
        ],
    )
    notices.notify_raised([pk for _d, pk in created])


def raise_alert(
    *,
    rule: str,
    family: Family,
    key: str,
    reason_nl: str,
    reason_en: str,
    due_date: date,
    signals: Iterable[Signal] = (),
    person_id: int | None = None,
    assigned_to_id: int | None = None,
    team_id: int | None = None,
    actor: Actor | None = None,
) -> tuple[Alert, str]:
    """Raise the alert of ``rule`` for ``family`` under ``key``, once: ``raise_alerts``
    for one alert. Returns the alert and what happened (``RAISED``, ``UPDATED`` or
    ``UNCHANGED``)."""
    draft = AlertDraft(
        rule=rule,
        family_id=family.pk,
        key=key,
        reason_nl=reason_nl,
        reason_en=reason_en,
        due_date=due_date,
        signal_ids=[s.pk for s in signals],
        person_id=person_id,
        assigned_to_id=assigned_to_id,
        team_id=team_id,
    )
    [(pk, outcome)] = raise_alerts([draft], actor=actor)
    return Alert.objects.get(pk=pk), outcome


def _merged_matches(
    drafts: Iterable[ConcernMatchDraft],
) -> dict[tuple[int, str], ConcernMatchDraft]:
    merged: dict[tuple[int, str], ConcernMatchDraft] = {}
    for draft in drafts:
        seen = merged.get(draft.identity)
        signal_ids = {*draft.signal_ids, *(seen.signal_ids if seen else ())}
        merged[draft.identity] = replace(seen or draft, signal_ids=sorted(signal_ids))
    return merged


def _existing_matches(merged: dict) -> dict[tuple[int, str], int]:
    rows = ConcernMatch.objects.filter(
        among("family_id", {family_id for family_id, _k in merged}),
        among("key", {key for _f, key in merged}),
    ).values_list("pk", "family_id", "key")
    return {(f, k): pk for pk, f, k in rows if (f, k) in merged}


def _match_columns(drafts: list[ConcernMatchDraft]) -> dict[str, list]:
    return {"family_id": [d.family_id for d in drafts], "key": [d.key for d in drafts]}


def record_concern_matches(
    drafts: Sequence[ConcernMatchDraft], *, actor: Actor | None = None
) -> list[tuple[int, bool]]:
    """Record that the organisations of each draft are concerned about young people of
    its family (the Verwijsindex match), once per family and key, in a constant number
    of queries however many. Each of the organisations reads the others' contact details
    through the API and says when they have been in touch; later signals of the same
    organisations join the match. Returns per draft the match's id and whether it is
    new. Audited: one event for the new matches, one for the matches joined."""
    if not drafts:
        return []
    actor = actor or rules_actor()
    merged = _merged_matches(drafts)
    signals_through = ConcernMatch.signals.through
    with transaction.atomic():
        existing, created = _create_once(
            ConcernMatch, merged, _existing_matches, _match_columns, ("family_id", "key")
        )
        _pairs(
            ConcernMatch.organisations.through,
            "concernmatch_id",
            [(pk, o.pk) for draft, pk in created for o in draft.organisations],
            "organisation_id",
        )
        pairs = [(pk, s) for draft, pk in created for s in draft.signal_ids]
        known = set(
            signals_through.objects.filter(
                among("concernmatch_id", existing.values()),
                among("signal_id", {s for i in existing for s in merged[i].signal_ids}),
            ).values_list("concernmatch_id", "signal_id")
            if existing
            else ()
        )
        joined = []
        for identity, pk in existing.items():
            added = [s for s in merged[identity].signal_ids if (pk, s) not in known]
            if added:
                pairs.extend((pk, s) for s in added)
                joined.append((pk, *identity, added))
        _pairs(signals_through, "concernmatch_id", pairs)
        if created:
            _matches_recorded(created, actor)
        log_events(
            actor=actor,
            entries=[
                AuditEntry(
                    action=AuditAction.UPDATE,
                    object_type="signal.concern_match",
                    object_id=pk,
                    family_id=family_id,
                    detail={"key": key, "signal_ids_added": added},
                )
                for pk, family_id, key, added in joined
            ],
        )
    ids = {draft.identity: (pk, True) for draft, pk in created}
    ids.update({identity: (pk, False) for identity, pk in existing.items()})
    return [ids[draft.identity] for draft in drafts]


def _matches_recorded(created: list[tuple[ConcernMatchDraft, int]], actor: Actor) -> None:
    record_timeline(
        TimelineEntry(
            family_id=d.family_id,
            code="signal.concern_match_raised",
            params={"names": ", ".join(sorted(o.name for o in d.organisations))},
        )
        for d, _pk in created
    )
    log_events(
        actor=actor,
        entries=[
            AuditEntry(
                action=AuditAction.CREATE,
                object_type="signal.concern_match",
                object_id=pk,
                family_id=d.family_id,
                detail={
                    "key": d.key,
                    "organisations": [o.pk for o in d.organisations],
                    "signal_ids": list(d.signal_ids),
                },
            )
            for d, pk in created
        ],
    )


def record_concern_match(
    *,
    family: Family,
    key: str,
    organisations: Sequence[Organisation],
    signals: Iterable[Signal],
    actor: Actor | None = None,
) -> tuple[ConcernMatch, bool]:
    """Record one concern match: ``record_concern_matches`` for one. Returns the match
    and whether it is new."""
    draft = ConcernMatchDraft(
        family_id=family.pk,
        key=key,
        organisations=list(organisations),
        signal_ids=[s.pk for s in signals],
    )
    [(pk, created)] = record_concern_matches([draft], actor=actor)
    return ConcernMatch.objects.get(pk=pk), created


# --- acknowledge, act on, dismiss -------------------------------------------------------------


def sees_alert(grant: Grant, rule_code: str) -> bool:
    """Whether ``grant`` covers the life domains the alert is about (access decides)."""
    rule = rule_for(rule_code)
    return sees_work_item(grant, rule.domains if rule else ())


def _not_found() -> Http404:
    return Http404(_("This alert does not exist or is not visible to you."))


def _alert_and_grant(user, alert_id: int | str, *, lock: bool = False) -> tuple[Alert, Grant]:
    try:
        alert_id = int(alert_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    if not 0 < alert_id <= MAX_ID:
        raise _not_found()
    family_id = Alert.objects.filter(pk=alert_id).values_list("family_id", flat=True).first()
    if family_id is None:
        raise _not_found()
    grant = grant_for(user, family_id)
    alerts = Alert.objects.filter(pk=alert_id)
    alert = (alerts.select_for_update() if lock else alerts).get()
    if not sees_alert(grant, alert.rule):
        raise _not_found()
    return alert, grant


def _writable(grant: Grant) -> None:
    grant.require("write")


def may_change_status(grant: Grant, alert: Alert) -> bool:
    """Who may acknowledge, act on or dismiss an alert: the coordinator it is assigned
    to, the family's coordinator, and the team lead of the team it belongs to (the
    assignee's team, as escalation decides it). Others who see the alert may read it."""
    if grant.is_coordinator or alert.assigned_to_id == grant.professional.pk:
        return True  # without reading the assignee's team
    team_id = alert.team_id or (alert.assigned_to.team_id if alert.assigned_to_id else None)
    return may_change_work_item(grant, assigned_to_id=alert.assigned_to_id, team_id=team_id)


def _require_status_changer(grant: Grant, alert: Alert) -> None:
    if not may_change_status(grant, alert):
        raise PermissionDenied(
            _(
                "Only the coordinator the alert is assigned to, the family's coordinator or "
                "their team lead can change this alert; you can read it."
            )
        )


def _still_open(alert: Alert) -> None:
    if alert.status not in UNRESOLVED:
        raise ValidationError(
            _("This alert was already %(status)s.")
            % {"status": alert.get_status_display().lower()},
            code="closed",
        )


def _status_changed(
    user, grant: Grant, alert: Alert, code: str, params: dict | None = None, **detail
) -> None:
    _timeline(alert, grant.family, code, params or {}, user=user)
    log_event(
        action=AuditAction.UPDATE,
        actor=Actor.for_user(user),
        object_type="signal.alert",
        object_id=alert.pk,
        family_id=grant.family.pk,
        person_ids=[alert.person_id] if alert.person_id else [],
        ground=grant.ground,
        detail={"rule": alert.rule, "status": alert.status, **detail},
    )


def _acknowledge(alert: Alert, user) -> None:
    if alert.acknowledged_at is None:
        alert.acknowledged_by = user
        alert.acknowledged_at = timezone.now()


def acknowledge_alert(*, user, alert_id: int) -> Alert:
    """The coordinator (or whoever ``may_change_status``) has seen it and takes it on.
    Acknowledging again changes nothing."""
    with transaction.atomic():
        alert, grant = _alert_and_grant(user, alert_id, lock=True)
        _writable(grant)
        _require_status_changer(grant, alert)
        if alert.status == AlertStatus.ACKNOWLEDGED:
            return alert
        _still_open(alert)
        alert.status = AlertStatus.ACKNOWLEDGED
        _acknowledge(alert, user)
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        _status_changed(user, grant, alert, "signal.alert_acknowledged")
    return alert


def act_on_alert(
    *,
    user,
    alert_id: int,
    revision: int | None = None,
    data: plan_services.AgreementData | None = None,
    agreement_id: int | None = None,
    note: str = "",
) -> Alert:
    """The alert led to something: a new agreement in the family's plan (``data``, with
    the plan ``revision`` the form was based on: see ``plans.services.add_agreement``),
    an existing agreement (``agreement_id``), or a decision described in ``note``.

    All or nothing: when the agreement cannot be saved (a field, a conflict with another
    editor) the alert stays as it was."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep this under %(n)d characters.") % {"n": 500}})
    with transaction.atomic():
        alert, grant = _alert_and_grant(user, alert_id, lock=True)
        _writable(grant)
        _require_status_changer(grant, alert)
        _still_open(alert)
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
        alert.status = AlertStatus.ACTED_ON
        _acknowledge(alert, user)
        alert.agreement = agreement
        alert.action_note = note
        alert.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "agreement",
                "action_note",
                "updated_at",
            ]
        )
        if agreement:
            code, params = "signal.alert_acted_on_agreement", {"action": agreement.action[:200]}
        else:
            code, params = "signal.alert_acted_on", {"note": note}
        _status_changed(
            user, grant, alert, code, params, agreement=agreement.pk if agreement else None
        )
    return alert


def dismiss_alert(*, user, alert_id: int, reason: str) -> Alert:
    """The alert needs no action; the reason is required and kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this alert needs no action.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep this under %(n)d characters.") % {"n": 500}})
    with transaction.atomic():
        alert, grant = _alert_and_grant(user, alert_id, lock=True)
        _writable(grant)
        _require_status_changer(grant, alert)
        _still_open(alert)
        alert.status = AlertStatus.DISMISSED
        alert.dismissed_reason = reason
        alert.save(update_fields=["status", "dismissed_reason", "updated_at"])
        _status_changed(user, grant, alert, "signal.alert_dismissed", {"reason": reason})
    return alert


# --- escalation ---------------------------------------------------------------------------

ESCALATE_PER_CHUNK = 2000


def escalate_overdue_alerts(*, today: date | None = None) -> int:
    """Alerts still open ``RITS_ALERT_ESCALATE_AFTER_DAYS`` days after their due date go
    to the team lead(s) of the team they belong to (the coordinator's team): they appear
    first in the team's inbox and in the team lead's own inbox. Returns how many were
    escalated; an alert is escalated once."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ALERT_ESCALATE_AFTER_DAYS)
    actor = Actor.system("alert escalation")
    overdue = Alert.objects.filter(
        status=AlertStatus.OPEN, escalated_at__isnull=True, due_date__lt=cutoff
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


def _escalate(ids: list[int], actor: Actor) -> int:
    """One chunk of overdue alerts, in a constant number of queries."""
    rows = list(
        Alert.objects.select_for_update()
        .filter(among("pk", ids), status=AlertStatus.OPEN, escalated_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "rule", "family_id", "due_date", "team_id", "assigned_to_id")
    )
    if not rows:
        return 0
    assignee_teams = dict(
        Professional.objects.filter(among("pk", {r[5] for r in rows if r[5]})).values_list(
            "pk", "team_id"
        )
    )
    # An alert without a team goes to the team of whom it is assigned to.
    teams = {pk: team_id or assignee_teams.get(assigned) for pk, *_r, team_id, assigned in rows}
    leads: dict[int, list[int]] = defaultdict(list)
    for team_id, pk in (
        Professional.objects.filter(
            team_id__in={t for t in teams.values() if t}, role=ProfessionalRole.TEAM_LEAD
        )
        .order_by("pk")
        .values_list("team_id", "pk")
    ):
        leads[team_id].append(pk)
    now = timezone.now()
    assignee_team = Professional.objects.filter(pk=OuterRef("assigned_to_id")).values("team_id")
    Alert.objects.filter(among("pk", teams)).update(
        team_id=Coalesce(F("team_id"), Subquery(assignee_team[:1])),
        escalated_at=now,
        updated_at=now,
    )
    record_timeline(
        (
            TimelineEntry(
                family_id=family_id,
                code="signal.alert_escalated",
                params={"rule": rule, "due": due.isoformat()},
                domain=_event_domain(rule),
            )
            for _pk, rule, family_id, due, *_r in rows
        ),
        at=now,
    )
    log_events(
        actor=actor,
        entries=[
            AuditEntry(
                action=AuditAction.UPDATE,
                object_type="signal.alert",
                object_id=pk,
                family_id=family_id,
                detail={
                    "escalated": True,
                    "rule": rule,
                    "due_date": due.isoformat(),
                    "team": teams[pk],
                    "team_leads": leads.get(teams[pk], []),
                },
            )
            for pk, rule, family_id, due, *_r in rows
        ],
    )
    notices.notify_escalated([pk for pk, *_r in rows])
    return len(rows)


# --- reading: the inboxes ---------------------------------------------------------------------


@dataclass(frozen=True)
class SignalLine:
    """A signal behind an alert as the inbox shows it (never a BSN or a name)."""

    id: int
    signal_type: str
    type_label: str
    signal_date: date
    source: str
    amount_eur: object
    crisis: bool


@dataclass
class AlertLine:
    """One alert as the reader may see it. ``visible`` False: a team lead's view of an
    alert about a family nobody in the team may see — the rule, the due date and who it
    is assigned to, no family data."""

    alert: Alert
    title: str
    visible: bool
    reason: str
    due_date: date
    overdue: bool
    status: str
    status_label: str
    escalated: bool
    assignee: str
    family: Family | None = None
    signals: list[SignalLine] = field(default_factory=list)
    can_change: bool = False

    @property
    def id(self) -> int:
        return self.alert.pk

    @property
    def crisis(self) -> bool:
        return any(s.crisis for s in self.signals)


@dataclass
class Inbox:
    lines: list[AlertLine]
    today: date
    status: str
    team: Team | None = None
    is_team_lead: bool = False


def _signal_lines(alert: Alert) -> list[SignalLine]:
    return [
        SignalLine(
            s.pk,
            s.signal_type,
            str(SignalType(s.signal_type).label),
            s.signal_date,
            s.source.name,
            s.amount_eur,
            s.crisis,
        )
        for s in alert.signals.all()
    ]


def _line(alert: Alert, grant: Grant | None, today: date) -> AlertLine:
    visible = grant is not None and sees_alert(grant, alert.rule)
    rule = rule_for(alert.rule)
    assignee = alert.assigned_to.name if alert.assigned_to_id else ""
    line = AlertLine(
        alert=alert,
        title=rule_title(alert.rule),
        visible=visible,
        reason=alert.reason if visible or (rule and rule.anonymous_reason) else "",
        due_date=alert.due_date,
        overdue=alert.status in UNRESOLVED and alert.due_date < today,
        status=alert.status,
        status_label=alert.get_status_display(),
        escalated=alert.escalated_at is not None,
        assignee=assignee,
    )
    if visible:
        line.family = grant.family
        line.signals = _signal_lines(alert)
        line.can_change = (
            alert.status in UNRESOLVED and grant.can_write and may_change_status(grant, alert)
        )
    return line


def _statuses(status: str) -> tuple[str, ...]:
    if status not in STATUS_FILTERS:
        raise ValidationError(
            {"status": _("Choose one of: %s.") % ", ".join(STATUS_FILTERS)}, code="invalid"
        )
    return STATUS_FILTERS[status]


def _alerts(condition: Q, statuses: tuple[str, ...]):
    signals = (
        Signal.objects.filter(archived_at=None)
        .select_related("source")
        .only(
            "id",
            "signal_type",
            "signal_date",
            "amount_eur",
            "crisis",
            "source__id",
            "source__name",
        )
    )
    return (
        Alert.objects.filter(condition, status__in=statuses)
        .select_related("assigned_to__user")
        .prefetch_related(Prefetch("signals", queryset=signals.order_by("signal_date", "id")))
    )


def _audit_list(user, lines: list[AlertLine], *, view: str) -> None:
    if not lines:
        return
    log_event(
        action=AuditAction.VIEW,
        actor=Actor.for_user(user),
        object_type=f"signal.alert.{view}",
        detail={
            "family_ids": sorted({ln.family.pk for ln in lines if ln.visible}),
            "alert_ids": [ln.id for ln in lines],
        },
    )


def my_inbox(*, user, status: str = "active") -> Inbox:
    """The alerts of the families the user coordinates now (the most urgent first) and,
    for a team lead, the alerts of their team escalated to them. Read through access and
    audited; a constant number of queries however many alerts."""
    statuses = _statuses(status)
    professional = professional_for(user)
    today = timezone.localdate()
    grants = grants_by_family(professional, today)
    condition = Q(family_id__in=[f for f, g in grants.items() if g.is_coordinator])
    is_lead = is_team_lead(professional)
    if is_lead:
        condition |= Q(team_id=professional.team_id, escalated_at__isnull=False)
    alerts = _alerts(condition, statuses).order_by(
        Case(
            When(escalated_at__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "due_date",
        "id",
    )[:INBOX_LIMIT]
    lines = [_line(a, grants.get(a.family_id), today) for a in alerts]
    _audit_list(user, lines, view="inbox")
    return Inbox(lines, today, status, professional.team, is_lead)


def team_inbox(*, user, status: str = "active") -> Inbox:
    """The alerts of the user's team, escalated ones first. Team members see the alerts
    of families they may see; a team lead also sees the others, without family data."""
    statuses = _statuses(status)
    professional = professional_for(user)
    today = timezone.localdate()
    if professional.team_id is None:
        return Inbox([], today, status)
    is_lead = is_team_lead(professional)
    grants = grants_by_family(professional, today)
    alerts = _alerts(Q(team_id=professional.team_id), statuses).order_by(
        Case(
            When(escalated_at__isnull=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "due_date",
        "id",
    )[:INBOX_LIMIT]
    lines = [_line(a, grants.get(a.family_id), today) for a in alerts]
    lines = [ln for ln in lines if ln.visible or sees_team_line_without_family(professional)]
    _audit_list(user, lines, view="team_inbox")
    return Inbox(lines, today, status, professional.team, is_lead)


def alert_for_user(*, user, alert_id: int | str) -> AlertLine:
    """One alert, for its pages (act on it, dismiss it): ``Http404`` when the user may
    not see its family or the life domains it is about. Audited."""
    alert, grant = _alert_and_grant(user, alert_id)
    alert = _alerts(Q(pk=alert.pk), tuple(AlertStatus.values)).get()
    line = _line(alert, grant, timezone.localdate())
    log_event(
        action=AuditAction.VIEW,
        actor=Actor.for_user(user),
        object_type="signal.alert",
        object_id=alert.pk,
        family_id=grant.family.pk,
        person_ids=[alert.person_id] if alert.person_id else [],
        ground=grant.ground,
    )
    return line


# --- the concern match, as a signal source sees it -------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    kind: str
    phone: str
    email: str


@dataclass
class ConcernMatchView:
    """A concern match for one of its organisations: who the others are (contact details
    only) and which of its own signals it is about (by the organisation's own
    reference). Nothing about the family or the young person."""

    id: int
    notified_at: datetime
    in_touch_at: datetime | None
    in_touch_note: str
    others: list[Contact]
    references: list[str]


def _source_matches(organisation: Organisation):
    return (
        ConcernMatch.objects.filter(organisations=organisation)
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
            Prefetch(
                "signals",
                queryset=Signal.objects.filter(source=organisation).only("id", "reference"),
                to_attr="own_signals",
            ),
        )
        .order_by("-notified_at", "-id")
    )


def _match_view(match: ConcernMatch, organisation: Organisation) -> ConcernMatchView:
    return ConcernMatchView(
        id=match.pk,
        notified_at=match.notified_at,
        in_touch_at=match.in_touch_at,
        in_touch_note=match.in_touch_note,
        others=[
            Contact(o.name, o.get_kind_display(), o.phone, o.email)
            for o in match.organisations.all()
            if o.pk != organisation.pk
        ],
        references=sorted(s.reference for s in match.own_signals),
    )


def concern_matches_for_source(
    *, organisation: Organisation, actor: Actor, limit: int = INBOX_LIMIT
) -> list[ConcernMatchView]:
    """The concern matches ``organisation`` is part of, newest first. Audited."""
    matches = [_match_view(m, organisation) for m in _source_matches(organisation)[:limit]]
    if matches:
        log_event(
            action=AuditAction.VIEW,
            actor=actor,
            object_type="signal.concern_match.list",
            detail={"match_ids": [m.id for m in matches]},
        )
    return matches


def record_in_touch(
    *, organisation: Organisation, match_id: int, note: str = "", actor: Actor
) -> ConcernMatchView:
    """One of the organisations says they have been in touch with the others: the match
    is no longer waiting. Saying so again changes nothing."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep this under %(n)d characters.") % {"n": 500}})
    if not 0 < int(match_id) <= MAX_ID:
        raise Http404(_("Not found."))
    with transaction.atomic():
        match = (
            ConcernMatch.objects.select_for_update()
            .filter(pk=match_id, organisations=organisation)
            .select_related("family")
            .first()
        )
        if match is None:
            raise Http404(_("Not found."))
        if match.in_touch_at is None:
            match.in_touch_at = timezone.now()
            match.in_touch_note = note
            match.save(update_fields=["in_touch_at", "in_touch_note"])
            record_timeline(
                [
                    TimelineEntry(
                        family_id=match.family_id,
                        code="signal.concern_match_in_touch",
                        params={"name": organisation.name},
                    )
                ]
            )
            log_event(
                action=AuditAction.UPDATE,
                actor=actor,
                object_type="signal.concern_match",
                object_id=match.pk,
                family_id=match.family_id,
                detail={"in_touch": True, "by": organisation.pk},
            )
    return _match_view(_source_matches(organisation).get(pk=match.pk), organisation)
