"""The rules, one by one: each raises its alert when it should, not when it should not,
and never twice when the rules run again."""

import datetime

import pytest
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.organisations.models import OrganisationKind
from rits.plans.models import AgreementStatus
from rits.signals.models import Alert, ConcernMatch, Signal, SignalStatus
from rits.signals.pipeline import run_daily_rules, run_rules
from rits.signals.rules import runner
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import TODAY, finance_agreement, link, linked_signal, make_signal
from rits.signals.tests.helpers import reason_in
from rits.worklist.models import WorkItemStatus
from rits.worklist.working_days import add_working_days, due_date
from tests import factories

pytestmark = pytest.mark.django_db
region = signal_factories.region

ARREARS = "arrears_without_finance_agreement"
CONCERN = "concern_match"
RECURRING = "arrears_after_debt_agreement"
VISIT_ABSENCE = "missed_visit_and_school_absence"
EIGHTEEN = "turning_18_without_transition_plan"


def alerts(rule=None):
    qs = Alert.objects.all() if rule is None else Alert.objects.filter(kind=rule)
    return list(qs.order_by("id"))


# --- working days -----------------------------------------------------------------------


def test_working_days_skip_weekends_and_dutch_public_holidays():
    # Thursday 2 April 2026: Good Friday, the weekend and Easter Monday do not count.
    thursday = datetime.date(2026, 4, 2)
    assert add_working_days(thursday, 1) == datetime.date(2026, 4, 7)
    assert add_working_days(thursday, 3) == datetime.date(2026, 4, 9)
    # King's Day 2026 is Monday 27 April.
    assert add_working_days(datetime.date(2026, 4, 24), 1) == datetime.date(2026, 4, 28)
    # Christmas and New Year.
    assert add_working_days(datetime.date(2026, 12, 24), 2) == datetime.date(2026, 12, 29)


def test_due_date_is_sooner_for_a_crisis(settings):
    friday = datetime.date(2026, 11, 20)
    assert due_date(friday, crisis=True) == datetime.date(2026, 11, 25)
    assert due_date(friday, crisis=False) == datetime.date(2026, 12, 4)
    settings.ALERT_CRISIS_DUE_WORKING_DAYS = 1
    assert due_date(friday, crisis=True) == datetime.date(2026, 11, 23)


# --- 1. arrears without a finance agreement -----------------------------------------------


def test_arrears_in_a_family_with_children_alert_the_coordinator(region):
    family = region["family"]
    signal = linked_signal(
        region["landlord"],
        family,
        region["mother"],
        since=datetime.date(2026, 8, 1),
        signal_date=datetime.date(2026, 11, 18),
    )
    report = run_rules(today=datetime.date(2026, 11, 20))

    [alert] = alerts()
    assert report.raised == {ARREARS: 1} and report.signals == 1
    assert alert.kind == ARREARS and alert.family == family
    assert alert.assigned_to == region["coordinator"] and alert.team == region["team"]
    assert alert.status == WorkItemStatus.OPEN
    assert list(alert.signals.all()) == [signal]
    assert alert.due_date == datetime.date(2026, 12, 4)  # 10 working days
    assert reason_in(alert, "en") == (
        "Rent arrears of € 1,234.56 since 01-08-2026, reported by Woonstichting Test on "
        "18-11-2026; the family has children and its plan has no agreement about finances yet."
    )
    assert reason_in(alert, "nl").endswith(
        "Het gezin heeft kinderen en in het plan staat nog geen afspraak over financiën."
    )  # rendered when read, in the reader's language
    assert Signal.objects.get(pk=signal.pk).rules_run_at is not None
    event = FamilyEvent.objects.get(family=family, code="signal.alert_raised")
    assert event.domain == "finances" and "Rent arrears" in event.text
    # One audit event per alert, on its family: ids, never names.
    audit = AuditEvent.objects.get(object_type="signal.alert", action="create")
    assert audit.family_id == family.pk and audit.object_id == str(alert.pk)
    assert audit.detail["rule"] == ARREARS and audit.detail["signal_ids"] == [signal.pk]
    # Rits itself raised it, and audit says which part of Rits (issue 10).
    assert audit.user_display == "system: rules" and audit.user_id is None


def test_crisis_arrears_are_due_within_3_working_days_across_weekend_and_holidays(region):
    linked_signal(
        region["energy"], region["family"], region["mother"], "energy_arrears", crisis=True
    )
    run_rules(today=datetime.date(2026, 4, 2))  # Thursday before Good Friday and Easter
    [alert] = alerts(ARREARS)
    assert alert.due_date == datetime.date(2026, 4, 9)


def test_arrears_without_children_raise_nothing(db):
    family = factories.FamilyFactory()
    mother = factories.MembershipFactory(family=family).person
    factories.InvolvementFactory(family=family, is_coordinator=True)
    landlord = factories.OrganisationFactory(kind=OrganisationKind.WONINGCORPORATIE)
    linked_signal(landlord, family, mother)
    assert run_rules().raised == {}
    assert not alerts()


def test_an_unborn_child_counts_as_a_child(db):
    family = factories.FamilyFactory()
    mother = factories.MembershipFactory(family=family).person
    factories.MembershipFactory(
        family=family,
        role="unborn",
        person=factories.PersonFactory(birth_date=TODAY + datetime.timedelta(days=60)),
    )
    landlord = factories.OrganisationFactory(kind=OrganisationKind.WONINGCORPORATIE)
    linked_signal(landlord, family, mother)
    run_rules()
    assert [a.kind for a in alerts()] == [ARREARS]


def test_an_open_finance_agreement_means_no_alert(region):
    finance_agreement(region["family"], region["coordinator"])
    linked_signal(region["landlord"], region["family"], region["mother"])
    assert run_rules().raised == {}


def test_a_finance_agreement_that_is_done_does_not_count_as_open(region):
    finance_agreement(region["family"], region["coordinator"], status=AgreementStatus.NOT_DONE)
    finance_agreement(region["family"], region["coordinator"], domains=["housing"])
    linked_signal(region["landlord"], region["family"], region["mother"])
    assert run_rules().raised == {ARREARS: 1}


def test_a_household_link_counts_too(region):
    signal = make_signal(region["landlord"])
    link(signal, region["family"], None, method="probabilistic")
    run_rules()
    assert [a.kind for a in alerts()] == [ARREARS]


def test_running_the_rules_again_never_doubles_an_alert(region):
    signal = linked_signal(region["landlord"], region["family"], region["mother"])
    run_rules()
    again = run_rules()
    assert again.signals == 0 and again.alerts_raised == 0
    # Even when asked to look at the same signal again.
    forced = run_rules(signal_ids=[signal.pk])
    assert forced.signals == 1 and forced.alerts_raised == 0 and forced.updated == 0
    assert len(alerts()) == 1
    assert AuditEvent.objects.filter(object_type="signal.alert").count() == 1


def test_more_arrears_join_the_open_alert_and_a_crisis_brings_it_forward(region):
    family = region["family"]
    first = linked_signal(region["landlord"], family, region["mother"])
    run_rules(today=datetime.date(2026, 11, 20))
    second = linked_signal(
        region["energy"], family, region["mother"], "energy_arrears", crisis=True
    )
    report = run_rules(today=datetime.date(2026, 11, 23))
    assert report.alerts_raised == 0 and report.updated == 1
    [alert] = alerts()
    assert {s.pk for s in alert.signals.all()} == {first.pk, second.pk}
    assert alert.due_date == datetime.date(2026, 11, 26)  # 3 working days from Monday


def test_new_arrears_after_a_dismissed_alert_raise_a_new_one(region):
    family = region["family"]
    linked_signal(region["landlord"], family, region["mother"])
    run_rules()
    Alert.objects.update(status=WorkItemStatus.DISMISSED, dismissed_reason="paid")
    later = linked_signal(region["landlord"], family, region["mother"])
    run_rules()
    assert [a.status for a in alerts()] == [WorkItemStatus.DISMISSED, WorkItemStatus.OPEN]
    assert list(alerts()[1].signals.all()) == [later]
    # ... and once only: the signal behind the dismissed alert does not come back.
    run_rules(signal_ids=[s.pk for s in Signal.objects.all()])
    assert len(alerts()) == 2


def test_signals_not_linked_are_left_alone(region):
    make_signal(region["landlord"], status=SignalStatus.UNLINKED)
    received = make_signal(region["landlord"], status=SignalStatus.RECEIVED)
    report = run_rules()
    assert report.signals == 0 and not alerts()
    assert Signal.objects.get(pk=received.pk).rules_run_at is None
    # Also when asked for by id: it is left for when linking has linked it.
    assert run_rules(signal_ids=[received.pk]).signals == 0
    assert Signal.objects.get(pk=received.pk).rules_run_at is None


def test_a_rule_can_be_switched_off(region, settings):
    settings.RULES_DISABLED = [ARREARS]
    signal = linked_signal(region["landlord"], region["family"], region["mother"])
    assert run_rules().raised == {}
    assert Signal.objects.get(pk=signal.pk).rules_run_at is not None


def test_chunks_are_committed_one_by_one(region, monkeypatch):
    monkeypatch.setattr(runner, "SIGNALS_PER_CHUNK", 2)
    for _ in range(5):
        linked_signal(region["landlord"], region["family"], region["mother"])
    report = run_rules()
    assert report.signals == 5 and report.alerts_raised == 1 and report.updated == 2
    assert not Signal.objects.filter(rules_run_at__isnull=True).exists()
    assert alerts()[0].signals.count() == 5


# --- 2. concern match (Verwijsindex) --------------------------------------------------------


def concern_family(region, *, coordinator=False, municipality=None):
    family = factories.FamilyFactory(
        name="Gezin Bakker", municipality=municipality or region["family"].municipality
    )
    parent = factories.MembershipFactory(family=family).person
    child = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2014-06-01")
    ).person
    if coordinator:
        factories.InvolvementFactory(family=family, is_coordinator=True)
    return family, parent, child


def test_two_organisations_concerned_about_one_youth_are_matched(region):
    wijkteam = factories.OrganisationFactory(
        name="Buurtteam Utrecht",
        kind=OrganisationKind.WIJKTEAM,
        municipality=region["family"].municipality,
    )
    neighbourhood_team = factories.TeamFactory(organisation=wijkteam, name="Buurtteam Noord")
    family, _parent, child = concern_family(region)
    absence = linked_signal(region["school"], family, child, "school_absence")
    visit = linked_signal(region["jgz"], family, child, "missed_child_health_visit")
    report = run_rules()

    [match] = ConcernMatch.objects.all()
    assert report.concern_matches == 1 and report.raised[CONCERN] == 1
    assert match.family == family and match.in_touch_at is None
    assert set(match.organisations.all()) == {region["school"], region["jgz"]}
    assert {s.pk for s in match.signals.all()} == {absence.pk, visit.pk}
    [alert] = alerts(CONCERN)
    assert alert.assigned_to is None and alert.team == neighbourhood_team
    assert alert.person == child
    assert reason_in(alert, "en") == (
        "2 organisations (Basisschool De Linde and JGZ Utrecht) are concerned about the same "
        "young person, and the family has no coordinator yet."
    )
    # Again: nothing new.
    again = run_rules(signal_ids=[absence.pk, visit.pk])
    assert again.concern_matches == 0 and again.alerts_raised == 0
    assert ConcernMatch.objects.count() == 1


def test_without_a_neighbourhood_team_the_alert_has_no_team(region):
    elsewhere = factories.MunicipalityFactory(code="0363", name="Amsterdam")
    family, _parent, child = concern_family(region, municipality=elsewhere)
    linked_signal(region["school"], family, child, "school_absence")
    linked_signal(region["police"], family, child, "police_report")
    run_rules()
    [alert] = alerts(CONCERN)
    assert alert.team is None and alert.assigned_to is None


def test_youths_at_one_address_match_too(region):
    family, _parent, child = concern_family(region)
    sister = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2016-01-01")
    ).person
    linked_signal(region["school"], family, child, "school_absence")
    linked_signal(region["police"], family, sister, "police_report")
    run_rules()
    [alert] = alerts(CONCERN)
    assert "young people of this family or with the same parent" in reason_in(alert, "en")
    assert alert.person is None


def test_youths_with_the_same_parent_in_another_family_match(region):
    family, father, child = concern_family(region)
    # The father's other family, where his other son lives.
    other = factories.FamilyFactory(name="Gezin De Vries")
    factories.MembershipFactory(family=other, person=father)
    half_brother = factories.MembershipFactory(
        family=other, role="child", person=factories.PersonFactory(birth_date="2012-02-02")
    ).person
    linked_signal(region["police"], other, half_brother, "police_report")
    run_rules()
    assert not ConcernMatch.objects.exists()  # one organisation only
    linked_signal(region["school"], family, child, "school_absence")
    run_rules()
    [match] = ConcernMatch.objects.filter(family=family)
    assert set(match.organisations.all()) == {region["school"], region["police"]}
    # The alert holds this family's own signals only.
    [alert] = alerts(CONCERN)
    assert [s.signal_type for s in alert.signals.all()] == ["school_absence"]


def test_one_organisation_twice_is_no_match(region):
    family, _parent, child = concern_family(region)
    linked_signal(region["school"], family, child, "school_absence")
    linked_signal(region["school"], family, child, "school_absence")
    run_rules()
    assert not ConcernMatch.objects.exists() and not alerts()


def test_a_family_with_a_coordinator_gets_no_concern_match(region):
    family, _parent, child = concern_family(region, coordinator=True)
    linked_signal(region["school"], family, child, "school_absence")
    linked_signal(region["police"], family, child, "police_report")
    run_rules()
    assert not ConcernMatch.objects.exists()
    assert not alerts(CONCERN)


def test_another_organisation_joining_is_a_new_match(region):
    family, _parent, child = concern_family(region)
    linked_signal(region["school"], family, child, "school_absence")
    linked_signal(region["jgz"], family, child, "missed_child_health_visit")
    run_rules()
    linked_signal(region["jgz"], family, child, "missed_child_health_visit")
    run_rules()
    assert ConcernMatch.objects.count() == 1
    linked_signal(region["police"], family, child, "police_report")
    run_rules()
    assert ConcernMatch.objects.count() == 2
    newest = ConcernMatch.objects.order_by("-id").first()
    assert newest.organisations.count() == 3


# --- 3. arrears after a debt agreement ---------------------------------------------------------


def closed_debt_agreement(region, closed_on: datetime.date, domains=("finances",)):
    agreement = finance_agreement(
        region["family"], region["coordinator"], status=AgreementStatus.DONE, domains=domains
    )
    stamp = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(12)))
    type(agreement).objects.filter(pk=agreement.pk).update(updated_at=stamp)
    return agreement


def test_new_arrears_within_12_months_after_a_debt_agreement(region):
    agreement = closed_debt_agreement(region, datetime.date(2026, 3, 1))
    signal = linked_signal(
        region["energy"],
        region["family"],
        region["mother"],
        "energy_arrears",
        signal_date=datetime.date(2026, 11, 2),
    )
    run_rules()
    [alert] = alerts(RECURRING)
    assert alert.key == f"agreement:{agreement.pk}"
    assert list(alert.signals.all()) == [signal]
    assert reason_in(alert, "en").endswith(
        "within 12 months after the agreement about finances was closed on 01-03-2026."
    )
    # The family has no open finance agreement either: that rule speaks too.
    assert len(alerts(ARREARS)) == 1
    more = linked_signal(region["landlord"], region["family"], region["mother"])
    assert run_rules().raised == {}
    assert len(alerts(RECURRING)) == 1 and more in alerts(RECURRING)[0].signals.all()


def test_arrears_long_after_a_debt_agreement_are_no_pattern(region):
    closed_debt_agreement(region, datetime.date(2025, 9, 1))
    linked_signal(
        region["energy"],
        region["family"],
        region["mother"],
        "energy_arrears",
        signal_date=datetime.date(2026, 11, 2),
    )
    run_rules()
    assert not alerts(RECURRING)


def test_the_recurring_pattern_needs_an_agreement_about_finances(region):
    closed_debt_agreement(region, datetime.date(2026, 3, 1), domains=["housing"])
    linked_signal(region["landlord"], region["family"], region["mother"])
    run_rules()
    assert not alerts(RECURRING)


# --- 4. missed child-health visit and school absence -------------------------------------------


def test_missed_visit_and_school_absence_within_90_days(region):
    family, child = region["family"], region["child"]
    visit = linked_signal(
        region["jgz"],
        family,
        child,
        "missed_child_health_visit",
        signal_date=datetime.date(2026, 9, 1),
    )
    run_rules()
    assert not alerts(VISIT_ABSENCE)
    absence = linked_signal(
        region["school"], family, child, "school_absence", signal_date=datetime.date(2026, 11, 1)
    )
    run_rules()
    [alert] = alerts(VISIT_ABSENCE)
    assert alert.person == child and alert.assigned_to == region["coordinator"]
    assert {s.pk for s in alert.signals.all()} == {visit.pk, absence.pk}
    assert reason_in(alert, "en") == (
        "Yonas missed a child-health visit (01-09-2026) and was absent from school "
        "(01-11-2026), within 3 months of each other."
    )
    assert run_rules(signal_ids=[visit.pk, absence.pk]).alerts_raised == 0
    assert len(alerts(VISIT_ABSENCE)) == 1


def test_visit_and_absence_far_apart_or_of_two_children_are_no_pattern(region):
    family, child = region["family"], region["child"]
    sister = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2019-01-01")
    ).person
    linked_signal(
        region["jgz"],
        family,
        child,
        "missed_child_health_visit",
        signal_date=datetime.date(2026, 6, 1),
    )
    linked_signal(
        region["school"], family, child, "school_absence", signal_date=datetime.date(2026, 10, 1)
    )
    linked_signal(
        region["school"], family, sister, "school_absence", signal_date=datetime.date(2026, 6, 2)
    )
    run_rules()
    assert not alerts(VISIT_ABSENCE)


def test_a_new_visit_pairs_with_the_earlier_absence_of_the_same_child_only(region):
    # The earlier signals are read per child (family and person), in a later run than
    # theirs: the sister's absence is no pattern with her brother's visit, his own is.
    family, child = region["family"], region["child"]
    sister = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2019-01-01")
    ).person
    linked_signal(
        region["school"], family, sister, "school_absence", signal_date=datetime.date(2026, 6, 2)
    )
    run_rules()
    visit = linked_signal(
        region["jgz"],
        family,
        child,
        "missed_child_health_visit",
        signal_date=datetime.date(2026, 6, 1),
    )
    run_rules()
    assert not alerts(VISIT_ABSENCE)
    absence = linked_signal(
        region["school"], family, child, "school_absence", signal_date=datetime.date(2026, 7, 1)
    )
    run_rules()
    [alert] = alerts(VISIT_ABSENCE)
    assert alert.person == child
    assert {s.pk for s in alert.signals.all()} == {visit.pk, absence.pk}


# --- 5. turning 18 without a transition plan ------------------------------------------------


def youth(family, birth_date):
    return factories.MembershipFactory(
        family=family,
        role="child",
        person=factories.PersonFactory(given_names="Amanuel", birth_date=birth_date),
    ).person


def test_turning_18_within_18_months_without_transition_plan(region):
    today = datetime.date(2026, 11, 23)
    young = youth(region["family"], datetime.date(2009, 3, 15))  # 18 on 15-03-2027
    youth(region["family"], datetime.date(2012, 3, 15))  # 18 in 2030: not yet
    youth(region["family"], datetime.date(2008, 3, 15))  # already 18
    report = run_daily_rules(today=today)
    [alert] = alerts(EIGHTEEN)
    assert report.raised == {EIGHTEEN: 1}
    assert alert.person == young and alert.key == f"person:{young.pk}"
    assert alert.assigned_to == region["coordinator"]
    assert reason_in(alert, "en") == (
        "Amanuel turns 18 on 15-03-2027 and has no transition plan yet (income, health "
        "insurance, housing, school or work, a mentor)."
    )
    assert not alert.signals.exists()
    assert alert.due_date == add_working_days(today, 10)
    # Daily: the next day (and after dismissing it) nothing new.
    assert run_daily_rules(today=today + datetime.timedelta(days=1)).alerts_raised == 0
    Alert.objects.update(status=WorkItemStatus.DISMISSED, dismissed_reason="in hand")
    assert run_daily_rules(today=today + datetime.timedelta(days=2)).alerts_raised == 0


def test_an_agreement_of_the_young_person_counts_as_a_transition_plan(region):
    """The stand-in until the transitions app exists (see ``has_transition_plan``)."""
    today = datetime.date(2026, 11, 23)
    young = youth(region["family"], datetime.date(2009, 3, 15))
    finance_agreement(
        region["family"], young, domains=["work_education"], action="Kiest een MBO-opleiding"
    )
    assert run_daily_rules(today=today).alerts_raised == 0
    # An agreement about something else, or someone else's, does not count.
    other = youth(region["family"], datetime.date(2009, 6, 1))
    finance_agreement(region["family"], other, domains=["physical_health"])
    finance_agreement(region["family"], region["coordinator"], domains=["housing"])
    assert run_daily_rules(today=today).raised == {EIGHTEEN: 1}
    assert alerts(EIGHTEEN)[0].person == other


def test_the_daily_rules_respect_the_switch(region, settings):
    settings.RULES_DISABLED = [EIGHTEEN]
    youth(region["family"], datetime.date(2009, 3, 15))
    assert run_daily_rules(today=datetime.date(2026, 11, 23)).alerts_raised == 0
