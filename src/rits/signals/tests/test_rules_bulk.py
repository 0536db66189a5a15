"""The rules stage in bulk: a chunk raises all its alerts at once, in a constant number of
queries however many; running it again, or with an alert raised meanwhile by another
worker, never doubles an alert, a concern match, a timeline event or an audit event."""

import datetime
from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.organisations.models import ProfessionalRole
from rits.signals import alerts
from rits.signals.models import Alert, ConcernMatch, Signal
from rits.signals.pipeline import run_daily_rules, run_rules
from rits.signals.rules import runner
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import linked_signal
from rits.worklist import services
from rits.worklist.models import WorkItemStatus
from tests import factories

pytestmark = pytest.mark.django_db
region = signal_factories.region

ARREARS = "arrears_without_finance_agreement"


def family_with_arrears(region, *, crisis=False, coordinator=None):
    """A family with children and a coordinator, and rent arrears of a parent."""
    family = factories.FamilyFactory()
    parent = factories.MembershipFactory(family=family).person
    factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2019-01-01")
    )
    factories.InvolvementFactory(
        family=family, professional=coordinator or region["coordinator"], is_coordinator=True
    )
    linked_signal(region["landlord"], family, parent, crisis=crisis)
    family.parent = parent
    return family


def queries_of_a_run() -> int:
    with CaptureQueriesContext(connection) as run:
        run_rules()
    return len(run)


def written():
    return (
        Alert.objects.count(),
        Signal.work_items.through.objects.count(),
        ConcernMatch.objects.count(),
        FamilyEvent.objects.filter(
            code__in=["signal.alert_raised", "signal.concern_match_raised"]
        ).count(),
        AuditEvent.objects.filter(object_type__startswith="signal.").count(),
    )


def test_a_chunk_raises_many_alerts_in_as_many_queries_as_one(region, settings):
    settings.AUDIT_CHAINS = 1
    family_with_arrears(region)
    run_rules()  # the audit chain exists from here on
    family_with_arrears(region)
    one = queries_of_a_run()
    for i in range(12):
        family_with_arrears(region, crisis=bool(i % 2))
    many = queries_of_a_run()
    assert many == one
    assert Alert.objects.filter(kind=ARREARS).count() == 14
    # One audit event per alert, on its family (its access log shows it), ids only.
    raised = AuditEvent.objects.filter(object_type="signal.alert", action="create")
    assert raised.count() == 14
    for event in raised:
        alert = Alert.objects.get(pk=event.object_id)
        assert event.family_id == alert.family_id
        assert set(event.detail) == {"rule", "key", "signal_ids", "due_date", "assigned_to", "team"}
    # Every new alert on its family's timeline, in the life domain of the rule.
    assert set(
        FamilyEvent.objects.filter(code="signal.alert_raised").values_list("domain", flat=True)
    ) == {"finances"}
    assert FamilyEvent.objects.filter(code="signal.alert_raised").count() == 14


def test_running_again_writes_nothing(region):
    for _ in range(3):
        family_with_arrears(region)
    linked_signal(region["landlord"], region["family"], region["mother"])
    first = run_rules()
    assert first.alerts_raised == 4
    before = written()
    again = run_rules(signal_ids=list(Signal.objects.values_list("pk", flat=True)))
    assert again.signals == 4 and again.alerts_raised == 0 and again.updated == 0
    assert written() == before


def test_signals_joining_and_a_crisis_moving_the_due_date_in_one_chunk(region):
    families = [family_with_arrears(region) for _ in range(3)]
    run_rules(today=datetime.date(2026, 11, 20))
    alert_ids = list(Alert.objects.order_by("pk").values_list("pk", flat=True))
    for family in families:
        linked_signal(region["energy"], family, family.parent, "energy_arrears", crisis=True)
    report = run_rules(today=datetime.date(2026, 11, 23))
    assert report.alerts_raised == 0 and report.updated == 3
    assert list(Alert.objects.order_by("pk").values_list("pk", flat=True)) == alert_ids
    assert set(Alert.objects.values_list("due_date", flat=True)) == {datetime.date(2026, 11, 26)}
    assert all(a.signals.count() == 2 for a in Alert.objects.all())
    updates = AuditEvent.objects.filter(object_type="signal.alert", action="update")
    assert sorted(int(e.object_id) for e in updates) == alert_ids
    assert all(len(e.detail["signal_ids_added"]) == 1 for e in updates)
    assert all(e.detail["due_date"] == "2026-11-26" for e in updates)


def test_an_alert_raised_meanwhile_by_another_worker_is_joined(region, monkeypatch):
    signal = linked_signal(region["landlord"], region["family"], region["mother"])
    run_rules()
    [alert] = Alert.objects.all()
    later = linked_signal(region["landlord"], region["family"], region["mother"])
    # This worker did not see the alert (another worker raised it after this one
    # looked): its insert collides, and it joins the alert instead.
    looked = []
    real = services._locked_items

    def not_yet_seen(merged):
        looked.append(True)
        return {} if len(looked) == 1 else real(merged)

    monkeypatch.setattr(services, "_locked_items", not_yet_seen)
    [(pk, outcome)] = alerts.raise_alerts(
        [
            services.WorkItemDraft(
                kind=alert.kind,
                family_id=alert.family_id,
                key=alert.key,
                reason_code="legacy.text",
                reason_params={"nl": "nl", "en": "en"},
                due_date=alert.due_date,
                behind=[signal.pk, later.pk],
            )
        ]
    )
    assert (pk, outcome) == (alert.pk, services.UPDATED) and len(looked) == 2
    assert Alert.objects.count() == 1
    assert set(alert.signals.values_list("pk", flat=True)) == {signal.pk, later.pk}
    assert FamilyEvent.objects.filter(code="signal.alert_raised").count() == 1


def test_raising_one_alert_again_changes_nothing_unless_it_is_due_sooner(region):
    family = region["family"]
    signal = linked_signal(region["landlord"], family, region["mother"])
    draft = services.WorkItemDraft(
        kind=ARREARS,
        family_id=family.pk,
        key="test",
        reason_code=ARREARS,
        reason_params={"signals": []},
        due_date=datetime.date(2026, 12, 4),
        behind=[signal.pk],
        assigned_to_id=region["coordinator"].pk,
    )
    [(pk, outcome)] = alerts.raise_alerts([draft])
    alert = Alert.objects.get(pk=pk)
    assert outcome == services.RAISED and alert.status == WorkItemStatus.OPEN
    assert alert.action_note == "" and alert.created_at and alert.updated_at
    assert list(alert.signals.all()) == [signal]
    assert alerts.raise_alerts([draft]) == [(pk, services.UNCHANGED)]
    moved = replace(draft, due_date=datetime.date(2026, 11, 30))
    assert alerts.raise_alerts([moved]) == [(pk, services.UPDATED)]
    alert.refresh_from_db()
    assert alert.due_date == datetime.date(2026, 11, 30)


def test_drafts_of_one_alert_become_one(region):
    family = region["family"]
    first = linked_signal(region["landlord"], family, region["mother"])
    second = linked_signal(region["energy"], family, region["mother"], "energy_arrears")
    drafts = [
        services.WorkItemDraft(ARREARS, family.pk, "same", "legacy.text", {}, due, [signal.pk])
        for due, signal in [
            (datetime.date(2026, 12, 4), first),
            (datetime.date(2026, 11, 26), second),
        ]
    ]
    [(one, raised), (other, same)] = alerts.raise_alerts(drafts)
    assert one == other and raised == same == services.RAISED
    alert = Alert.objects.get()
    assert alert.due_date == datetime.date(2026, 11, 26)
    assert set(alert.signals.values_list("pk", flat=True)) == {first.pk, second.pk}


def concern_family(region, name):
    family = factories.FamilyFactory(name=name, municipality=region["family"].municipality)
    child = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2014-06-01")
    ).person
    return family, child


def test_many_concern_matches_in_one_chunk_and_joining_them(region):
    families = []
    for i in range(4):
        family, child = concern_family(region, f"Gezin {i}")
        linked_signal(region["school"], family, child, "school_absence")
        linked_signal(region["jgz"], family, child, "missed_child_health_visit")
        families.append((family, child))
    report = run_rules()
    assert report.concern_matches == 4 and report.raised["concern_match"] == 4
    assert (
        FamilyEvent.objects.filter(code="signal.concern_match_raised", domain="safety").count() == 4
    )
    created = AuditEvent.objects.filter(object_type="signal.concern_match", action="create")
    assert sorted(e.family_id for e in created) == sorted(f.pk for f, _c in families)
    # More signals of the same organisations join the matches (audited too).
    for family, child in families:
        linked_signal(region["school"], family, child, "school_absence")
    assert run_rules().concern_matches == 0
    assert ConcernMatch.objects.count() == 4
    assert all(m.signals.count() == 3 for m in ConcernMatch.objects.all())
    joined = AuditEvent.objects.filter(object_type="signal.concern_match", action="update")
    assert joined.count() == 4
    assert all(len(e.detail["signal_ids_added"]) == 1 for e in joined)


def test_a_parent_in_two_families_without_coordinator_links_both_ways(region):
    """Both families of a parent are matched, whichever comes first in the chunk (the
    young people of each count for the other)."""
    first, first_child = concern_family(region, "Gezin Een")
    second, second_child = concern_family(region, "Gezin Twee")
    father = factories.PersonFactory()
    factories.MembershipFactory(family=first, person=father)
    factories.MembershipFactory(family=second, person=father)
    linked_signal(region["school"], first, first_child, "school_absence")
    linked_signal(region["police"], second, second_child, "police_report")
    report = run_rules()
    assert report.concern_matches == 2
    assert set(ConcernMatch.objects.values_list("family_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    # Each alert holds the family's own signal only.
    for family, kind in [(first, "school_absence"), (second, "police_report")]:
        alert = Alert.objects.get(kind="concern_match", family=family)
        assert [s.signal_type for s in alert.signals.all()] == [kind]


def test_chunks_of_many_signals_are_one_transaction_each(region, monkeypatch):
    monkeypatch.setattr(runner, "SIGNALS_PER_CHUNK", 3)
    for _ in range(7):
        family_with_arrears(region)
    report = run_rules()
    assert report.signals == 7 and report.alerts_raised == 7
    assert AuditEvent.objects.filter(object_type="signal.alert", action="create").count() == 7


def escalate(today) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as escalation:
        escalated = services.escalate_overdue(today=today)
    return escalated, len(escalation)


def test_escalation_of_many_alerts_in_as_many_queries_as_one(region, settings):
    settings.AUDIT_CHAINS = 1
    settings.ALERT_ESCALATE_AFTER_DAYS = 0
    other_team = factories.TeamFactory(organisation=region["coordinator"].organisation)
    other_lead = factories.ProfessionalFactory(
        organisation=other_team.organisation, team=other_team, role=ProfessionalRole.TEAM_LEAD
    )
    other_coordinator = factories.ProfessionalFactory(team=other_team)
    for _ in range(3):
        family_with_arrears(region)
        family_with_arrears(region, coordinator=other_coordinator)
    run_rules()
    # An alert without a team goes to the team of whom it is assigned to.
    Alert.objects.update(team=None)
    day = Alert.objects.first().due_date
    first, second, *rest = Alert.objects.order_by("pk").values_list("pk", flat=True)
    Alert.objects.filter(pk=first).update(due_date=day - datetime.timedelta(days=2))
    Alert.objects.filter(pk=second).update(due_date=day - datetime.timedelta(days=1))
    assert escalate(day - datetime.timedelta(days=1))[0] == 1  # the audit chain exists now
    escalated_one, one = escalate(day)
    escalated_many, many = escalate(day + datetime.timedelta(days=1))
    assert (escalated_one, escalated_many) == (1, 4) and many == one
    assert set(Alert.objects.values_list("team_id", flat=True)) == {
        region["team"].pk,
        other_team.pk,
    }
    assert not Alert.objects.filter(escalated_at=None).exists()
    assert FamilyEvent.objects.filter(code="signal.alert_escalated", domain="finances").count() == 6
    escalated = AuditEvent.objects.filter(object_type="signal.alert", detail__escalated=True)
    assert sorted(int(e.object_id) for e in escalated) == [first, second, *rest]
    leads = {e.detail["team"]: e.detail["team_leads"] for e in escalated}
    assert leads == {region["team"].pk: [region["lead"].pk], other_team.pk: [other_lead.pk]}
    assert run_daily_rules(today=day + datetime.timedelta(days=2)).escalated == 0
