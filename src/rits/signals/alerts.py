"""Alerts: what the rules raise, and what people do with them.

Services (every write): ``raise_alert`` (by the rules), ``acknowledge_alert``,
``act_on_alert`` (an agreement in the family's plan, or a decision), ``dismiss_alert``
(with a reason), ``escalate_overdue_alerts`` (to the team lead), and the concern match
(``record_concern_match``, ``record_in_touch``). Each writes an audit event, and a
timeline event on the family when an alert is raised or changes status.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rits.access.rules import (
    MAX_ID,
    Grant,
    Ground,
    grant_for,
    grants_by_family,
    professional_for,
)
from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.families.models import Family
from rits.families.services import record_event
from rits.organisations.models import Organisation, Professional, ProfessionalRole, Team
from rits.plans import selectors as plan_selectors
from rits.plans import services as plan_services
from rits.plans.models import Agreement
from rits.signals import rules
from rits.signals.models import (
    Alert,
    AlertStatus,
    ConcernMatch,
    Signal,
    SignalType,
)

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
    return Actor.system("signal rules")


def _event_domain(rule_code: str) -> str:
    rule = rules.rule_for(rule_code)
    return rule.domains[0] if rule and rule.domains else ""


def _timeline(alert: Alert, family: Family, description: str, *, kind: str, user=None) -> None:
    record_event(
        family=family,
        kind=kind,
        description=description,
        actor_user=user,
        domain=_event_domain(alert.rule),
    )


# --- raising ------------------------------------------------------------------------------


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
    """Raise the alert of ``rule`` for ``family`` under ``key``, once.

    Returns the alert and what happened: ``RAISED``; ``UPDATED`` when the alert existed
    and more signals joined it (an open alert's due date moves forward when the new
    finding is due sooner, e.g. a crisis); ``UNCHANGED`` when there was nothing new. The
    timeline event is written in the active language."""
    actor = actor or rules_actor()
    signal_ids = sorted({s.pk for s in signals})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(rule=rule, family=family, key=key).first()
        if alert is None:
            try:
                with transaction.atomic():
                    alert = Alert.objects.create(
                        rule=rule,
                        key=key,
                        family=family,
                        person_id=person_id,
                        reason_nl=reason_nl[:500],
                        reason_en=reason_en[:500],
                        due_date=due_date,
                        assigned_to_id=assigned_to_id,
                        team_id=team_id,
                    )
            except IntegrityError:
                # Raised by another worker at the same moment: join it.
                alert = Alert.objects.select_for_update().get(rule=rule, family=family, key=key)
            else:
                alert.signals.add(*signal_ids)
                _timeline(
                    alert,
                    family,
                    _("Alert: %(title)s. %(reason)s")
                    % {"title": rules.rule_title(rule), "reason": alert.reason},
                    kind="alert_raised",
                )
                log_event(
                    action=AuditAction.CREATE,
                    actor=actor,
                    object_type="signal.alert",
                    object_id=alert.pk,
                    family_id=family.pk,
                    person_ids=[person_id] if person_id else [],
                    detail={
                        "rule": rule,
                        "key": key,
                        "signal_ids": signal_ids,
                        "due_date": due_date.isoformat(),
                        "assigned_to": assigned_to_id,
                        "team": team_id,
                    },
                )
                return alert, RAISED
        known = set(alert.signals.values_list("pk", flat=True))
        added = [i for i in signal_ids if i not in known]
        detail: dict = {}
        if added:
            alert.signals.add(*added)
            detail["signal_ids_added"] = added
        if alert.status == AlertStatus.OPEN and due_date < alert.due_date:
            alert.due_date = due_date
            alert.save(update_fields=["due_date", "updated_at"])
            detail["due_date"] = due_date.isoformat()
        if not detail:
            return alert, UNCHANGED
        log_event(
            action=AuditAction.UPDATE,
            actor=actor,
            object_type="signal.alert",
            object_id=alert.pk,
            family_id=family.pk,
            detail={"rule": rule, "key": key, **detail},
        )
        return alert, UPDATED


def record_concern_match(
    *,
    family: Family,
    key: str,
    organisations: Sequence[Organisation],
    signals: Iterable[Signal],
    actor: Actor | None = None,
) -> tuple[ConcernMatch, bool]:
    """Record that ``organisations`` are concerned about young people of ``family`` (the
    Verwijsindex match). Each of them reads the others' contact details through the API
    and says when they have been in touch. Once per family and ``key``; later signals of
    the same organisations join the match. Returns the match and whether it is new."""
    actor = actor or rules_actor()
    signal_ids = sorted({s.pk for s in signals})
    with transaction.atomic():
        match, created = ConcernMatch.objects.get_or_create(family=family, key=key)
        if not created:
            known = set(match.signals.values_list("pk", flat=True))
            match.signals.add(*[i for i in signal_ids if i not in known])
            return match, False
        match.organisations.add(*organisations)
        match.signals.add(*signal_ids)
        record_event(
            family=family,
            kind="concern_match",
            description=_(
                "Concern match: %(names)s are concerned about young people of this family and "
                "have been told who the others are."
            )
            % {"names": ", ".join(sorted(o.name for o in organisations))},
            domain=rules.ConcernMatchRule.domains[0],
        )
        log_event(
            action=AuditAction.CREATE,
            actor=actor,
            object_type="signal.concern_match",
            object_id=match.pk,
            family_id=family.pk,
            detail={
                "key": key,
                "organisations": [o.pk for o in organisations],
                "signal_ids": signal_ids,
            },
        )
    return match, True


# --- acknowledge, act on, dismiss -------------------------------------------------------------


def sees_alert(grant: Grant, rule_code: str) -> bool:
    """Whether ``grant`` covers the life domains the alert is about."""
    rule = rules.rule_for(rule_code)
    return grant.is_coordinator or grant.sees_any(rule.domains if rule else ())


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
    if grant.ground == Ground.EMERGENCY:
        raise PermissionDenied(_("Emergency access is for reading only."))


def _still_open(alert: Alert) -> None:
    if alert.status not in UNRESOLVED:
        raise ValidationError(
            _("This alert was already %(status)s.")
            % {"status": alert.get_status_display().lower()},
            code="closed",
        )


def _status_changed(user, grant: Grant, alert: Alert, description: str, **detail) -> None:
    _timeline(alert, grant.family, description, kind=f"alert_{alert.status}", user=user)
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
    """The coordinator (or whoever sees the alert) has seen it and takes it on.
    Acknowledging again changes nothing."""
    with transaction.atomic():
        alert, grant = _alert_and_grant(user, alert_id, lock=True)
        _writable(grant)
        if alert.status == AlertStatus.ACKNOWLEDGED:
            return alert
        _still_open(alert)
        alert.status = AlertStatus.ACKNOWLEDGED
        _acknowledge(alert, user)
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        _status_changed(
            user,
            grant,
            alert,
            _("Alert acknowledged: %(title)s") % {"title": rules.rule_title(alert.rule)},
        )
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
        description = (
            _("Alert acted on: %(title)s — agreement “%(action)s”")
            % {"title": rules.rule_title(alert.rule), "action": agreement.action[:200]}
            if agreement
            else _("Alert acted on: %(title)s — %(note)s")
            % {"title": rules.rule_title(alert.rule), "note": note}
        )
        _status_changed(
            user, grant, alert, description, agreement=agreement.pk if agreement else None
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
        _still_open(alert)
        alert.status = AlertStatus.DISMISSED
        alert.dismissed_reason = reason
        alert.save(update_fields=["status", "dismissed_reason", "updated_at"])
        _status_changed(
            user,
            grant,
            alert,
            _("Alert dismissed: %(title)s — %(reason)s")
            % {"title": rules.rule_title(alert.rule), "reason": reason},
        )
    return alert


# --- escalation ---------------------------------------------------------------------------

ESCALATE_PER_CHUNK = 200


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
            alerts = list(
                Alert.objects.select_for_update(of=("self",))
                .filter(pk__in=ids, status=AlertStatus.OPEN, escalated_at__isnull=True)
                .select_related("family", "assigned_to")
            )
            team_ids = {
                a.team_id or (a.assigned_to.team_id if a.assigned_to else None) for a in alerts
            }
            leads: dict[int, list[int]] = {}
            for team_id, pk in Professional.objects.filter(
                team_id__in=[t for t in team_ids if t], role=ProfessionalRole.TEAM_LEAD
            ).values_list("team_id", "pk"):
                leads.setdefault(team_id, []).append(pk)
            now = timezone.now()
            for alert in alerts:
                alert.team_id = alert.team_id or (
                    alert.assigned_to.team_id if alert.assigned_to else None
                )
                alert.escalated_at = now
                alert.save(update_fields=["team", "escalated_at", "updated_at"])
                with translation_of_region():
                    _timeline(
                        alert,
                        alert.family,
                        _("Alert escalated to the team lead: %(title)s (due %(date)s)")
                        % {
                            "title": rules.rule_title(alert.rule),
                            "date": alert.due_date.strftime("%d-%m-%Y"),
                        },
                        kind="alert_escalated",
                    )
                log_event(
                    action=AuditAction.UPDATE,
                    actor=actor,
                    object_type="signal.alert",
                    object_id=alert.pk,
                    family_id=alert.family_id,
                    detail={
                        "rule": alert.rule,
                        "escalated": True,
                        "due_date": alert.due_date.isoformat(),
                        "team": alert.team_id,
                        "team_leads": leads.get(alert.team_id, []),
                    },
                )
                escalated += 1
    return escalated


def translation_of_region():
    """Timeline events written by the system are in the region's language."""
    return translation.override(settings.LANGUAGE_CODE)


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
    rule = rules.rule_for(alert.rule)
    assignee = alert.assigned_to.name if alert.assigned_to_id else ""
    line = AlertLine(
        alert=alert,
        title=rules.rule_title(alert.rule),
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
        line.can_change = alert.status in UNRESOLVED and grant.ground != Ground.EMERGENCY
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
    is_lead = professional.role == ProfessionalRole.TEAM_LEAD and professional.team_id is not None
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
    is_lead = professional.role == ProfessionalRole.TEAM_LEAD
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
    lines = [ln for ln in lines if ln.visible or is_lead]
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
            with translation_of_region():
                record_event(
                    family=match.family,
                    kind="concern_match_in_touch",
                    description=_(
                        "Concern match: %(name)s says the organisations have been in touch."
                    )
                    % {"name": organisation.name},
                    domain=rules.ConcernMatchRule.domains[0],
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
