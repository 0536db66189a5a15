"""What people do with an alert (acknowledge, act on it in the plan, dismiss it), the
escalation to the team lead, and the concern match as a signal source sees it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from rits.access.rules import grant_for, grants_by_family
from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.plans.models import Agreement, Plan
from rits.plans.services import AgreementData
from rits.signals.models import Alert, ConcernMatch
from rits.signals.pipeline import run_daily_rules, run_rules
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.conftest import issue, token_client
from rits.signals.tests.factories import TODAY, linked_signal
from rits.worklist import selectors, services
from rits.worklist.models import WorkItemStatus
from tests import factories

pytestmark = pytest.mark.django_db
region = signal_factories.region


@pytest.fixture
def alert(region):
    linked_signal(region["landlord"], region["family"], region["mother"], crisis=True)
    run_rules()
    return Alert.objects.get()


def finance_data(owner, **kw) -> AgreementData:
    return AgreementData(
        action=kw.get("action", "Samen naar de schuldhulp"),
        owner=f"professional:{owner.pk}",
        due_date=TODAY + datetime.timedelta(days=7),
        domains=["finances"],
        kind="arrange",
    )


def audit(object_type="signal.alert", **kw):
    return list(AuditEvent.objects.filter(object_type=object_type, **kw).order_by("id"))


# --- acknowledge, act on, dismiss -----------------------------------------------------------


def test_acknowledge_then_act_on_it_with_a_finance_agreement(region, alert):
    coordinator = region["coordinator"].user
    services.acknowledge(user=coordinator, item_id=alert.pk)
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACKNOWLEDGED and alert.acknowledged_by == coordinator
    # Again: nothing changes.
    services.acknowledge(user=coordinator, item_id=alert.pk)
    assert len(audit(action="update")) == 1

    plan, _ = Plan.objects.get_or_create(family=region["family"])
    acted = services.act_on(
        user=coordinator,
        item_id=alert.pk,
        revision=plan.revision,
        data=finance_data(region["coordinator"]),
        note="Afgesproken met Selam",
    )
    agreement = Agreement.objects.get()
    assert acted.status == WorkItemStatus.ACTED_ON and acted.agreement == agreement
    assert acted.action_note == "Afgesproken met Selam"
    assert agreement.plan.family == region["family"] and agreement.domains == ["finances"]
    kinds = list(FamilyEvent.objects.filter(family=region["family"]).values_list("code", flat=True))
    assert {
        "signal.alert_raised",
        "signal.alert_acknowledged",
        "signal.alert_acted_on_agreement",
        "plan.agreement_added",
    } <= set(kinds)
    updates = audit(action="update")
    assert [e.detail["status"] for e in updates] == ["acknowledged", "acted_on"]
    assert updates[-1].detail["agreement"] == agreement.pk
    assert updates[-1].ground == "coordinator" and updates[-1].family_id == region["family"].pk

    # New arrears: a finance agreement is in the plan now, so the rule stays quiet.
    linked_signal(region["energy"], region["family"], region["mother"], "energy_arrears")
    assert run_rules().raised == {}
    assert Alert.objects.count() == 1


def test_act_on_it_by_linking_an_existing_agreement_or_a_decision(region, alert):
    coordinator = region["coordinator"].user
    agreement = signal_factories.finance_agreement(region["family"], region["coordinator"])
    services.act_on(user=coordinator, item_id=alert.pk, agreement_id=agreement.pk)
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACTED_ON and alert.agreement == agreement
    assert alert.acknowledged_by == coordinator  # acting on it acknowledges it too

    other = factories.FamilyFactory()
    linked_signal(region["landlord"], region["family"], region["mother"])
    Agreement.objects.all().delete()
    run_rules()
    second = Alert.objects.exclude(pk=alert.pk).get()
    foreign = signal_factories.finance_agreement(other, region["coordinator"])
    with pytest.raises(Http404):
        services.act_on(user=coordinator, item_id=second.pk, agreement_id=foreign.pk)
    with pytest.raises(ValidationError) as exc:
        services.act_on(user=coordinator, item_id=second.pk)
    assert "note" in exc.value.message_dict
    services.act_on(user=coordinator, item_id=second.pk, note="Huurder heeft betaald")
    second.refresh_from_db()
    assert second.status == WorkItemStatus.ACTED_ON and second.agreement is None


def test_the_list_grants_agree_with_grant_for(region, alert):
    family = region["family"]
    coordinator = region["coordinator"]
    coordinator.organisation.team_shares_caseload = True
    coordinator.organisation.save()
    for professional in (coordinator, region["worker"], region["lead"], region["colleague"]):
        grants = grants_by_family(professional, TODAY)
        try:
            expected = grant_for(professional.user, family.pk)
        except Http404:
            assert family.pk not in grants
        else:
            got = grants[family.pk]
            assert (got.ground, got.domains, got.family) == (
                expected.ground,
                expected.domains,
                expected.family,
            )


# --- escalation -------------------------------------------------------------------------------


def test_an_alert_not_acknowledged_in_time_escalates_to_the_team_lead(region, alert, settings):
    lead = region["lead"]
    after_due = alert.due_date + datetime.timedelta(days=1)
    assert services.escalate_overdue(today=alert.due_date) == 0
    assert run_daily_rules(today=after_due).escalated == 1
    alert.refresh_from_db()
    assert alert.escalated_at is not None and alert.status == WorkItemStatus.OPEN
    # One audit event per escalated alert, on its family: ids only.
    [event] = audit(action="update")
    assert event.detail["escalated"] is True
    assert event.family_id == region["family"].pk and event.object_id == str(alert.pk)
    assert event.detail["team_leads"] == [lead.pk]
    assert event.detail["team"] == region["team"].pk
    assert FamilyEvent.objects.filter(code="signal.alert_escalated").exists()
    # Once.
    assert services.escalate_overdue(today=after_due + datetime.timedelta(days=5)) == 0

    # In the team lead's inbox and first in the team's; without family data, as the
    # lead is not involved with the family.
    inbox = selectors.my_inbox(user=lead.user)
    [line] = inbox.lines
    assert line.id == alert.pk and line.escalated and not line.visible
    assert line.family is None and line.reason == "" and line.details == []
    assert line.assignee == region["coordinator"].name
    team = selectors.team_inbox(user=lead.user)
    assert [ln.id for ln in team.lines] == [alert.pk]


def test_the_team_lead_who_may_see_the_family_sees_the_escalated_alert_in_full(region, alert):
    coordinator = region["coordinator"]
    coordinator.organisation.team_shares_caseload = True
    coordinator.organisation.save()
    factories.InvolvementFactory(
        family=region["family"], professional=region["lead"], domains=["finances"]
    )
    services.escalate_overdue(today=alert.due_date + datetime.timedelta(days=1))
    [line] = selectors.my_inbox(user=region["lead"].user).lines
    assert line.visible and line.family == region["family"] and line.details
    assert line.can_change
    services.acknowledge(user=region["lead"].user, item_id=alert.pk)


# --- the concern match, for the signal sources -------------------------------------------------


@pytest.fixture
def concern(region):
    family = factories.FamilyFactory(name="Gezin Bakker")
    child = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2014-06-01")
    ).person
    absence = linked_signal(region["school"], family, child, "school_absence", reference="ABS-7")
    linked_signal(region["police"], family, child, "police_report", reference="PV-2026-1")
    run_rules()
    return {"family": family, "match": ConcernMatch.objects.get(), "absence": absence}


def test_every_organisation_reads_who_the_others_are(region, concern):
    school = token_client(issue(region["school"]))
    answer = school.get("/api/v1/concern-matches")
    assert answer.status_code == 200
    [match] = answer.json()
    assert match["id"] == concern["match"].pk and match["in_touch_at"] is None
    assert match["others"] == [
        {
            "name": "Politie Midden",
            "kind": "Police",
            "phone": "030 000 00 00",
            "email": "police@example.nl",
        }
    ]
    assert match["references"] == ["ABS-7"]
    body = answer.content.decode()
    for secret in ("Bakker", "2014", str(concern["family"].pk) + ",", "PV-2026-1"):
        assert secret not in body
    assert audit("signal.concern_match.list")[0].organisation_id == region["school"].pk


def test_an_organisation_not_in_the_match_sees_nothing(region, concern):
    energy = token_client(issue(region["energy"]))
    assert energy.get("/api/v1/concern-matches").json() == []
    url = f"/api/v1/concern-matches/{concern['match'].pk}/in-touch"
    assert energy.post(url, {}, format="json").status_code == 404
    # A professional's session is no key.
    assert factories.ProfessionalFactory() and token_client("rits_wrong").get(
        "/api/v1/concern-matches"
    ).status_code in (401, 403)


def test_in_touch_is_recorded_once(region, concern):
    police = token_client(issue(region["police"]))
    url = f"/api/v1/concern-matches/{concern['match'].pk}/in-touch"
    answer = police.post(url, {"note": "Gebeld met de school"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["in_touch_at"] and answer.json()["in_touch_note"] == "Gebeld met de school"
    first = answer.json()["in_touch_at"]
    assert police.post(url, {}, format="json").json()["in_touch_at"] == first
    [event] = audit("signal.concern_match", action="update")
    assert event.family_id == concern["family"].pk and event.organisation_id == region["police"].pk
    assert FamilyEvent.objects.filter(code="signal.concern_match_in_touch").count() == 1
    assert police.post(url, {"note": "x" * 501}, format="json").status_code == 400


def test_a_source_key_cannot_read_alerts(region, concern):
    school = token_client(issue(region["school"]))
    assert school.get("/api/v1/alerts").status_code in (401, 403)
    alert = Alert.objects.first()
    assert school.post(f"/api/v1/alerts/{alert.pk}/acknowledge").status_code in (401, 403)
