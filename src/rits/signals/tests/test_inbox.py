"""The inbox pages and ``/api/v1/alerts``, used the way a coordinator, a team lead and an
uninvolved professional would."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rits.plans.models import Agreement, Plan
from rits.signals.models import Alert
from rits.signals.pipeline import run_rules
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import TODAY, linked_signal
from rits.signals.tests.helpers import reason_in
from rits.worklist import selectors, services
from rits.worklist.models import WorkItemStatus
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db
region = signal_factories.region

INBOX = "/inbox/"
TEAM = "/inbox/team/"


@pytest.fixture
def alert(region):
    signal = linked_signal(
        region["landlord"],
        region["family"],
        region["mother"],
        amount="2345.60",
        signal_date=TODAY - datetime.timedelta(days=3),
    )
    run_rules()
    alert = Alert.objects.get()
    assert list(alert.signals.all()) == [signal]
    return alert


@pytest.fixture
def api():
    def _as(professional, language="en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        login_verified(client, professional.user)
        return client

    return _as


def page(client, url=INBOX) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the pages -----------------------------------------------------------------------------


def test_the_coordinator_sees_the_alert_with_its_reason_and_signals(region, alert, as_user):
    html = page(as_user(region["coordinator"]))
    assert "Payment arrears, no agreement about finances" in html
    assert reason_in(alert, "en").split(";")[0] in html
    assert reverse("families:overview", args=[region["family"].pk]) in html
    assert "Rent arrears" in html and "Woonstichting Test" in html and "2,345.60" in html
    assert alert.due_date.strftime("%d-%m-%Y") in html
    assert "overdue" not in html
    [pseudonym] = alert.signals.values_list("bsn_pseudonym", flat=True)
    assert pseudonym not in html
    assert reverse("worklist:act", args=[alert.pk]) in html
    assert reverse("worklist:inbox") in html  # in the main menu


def test_an_overdue_alert_is_marked_in_words(region, alert, as_user):
    Alert.objects.update(due_date=TODAY - datetime.timedelta(days=1))
    assert "overdue" in page(as_user(region["coordinator"]))


def test_the_reason_follows_the_page_language(region, alert, as_user):
    client = as_user(region["coordinator"])
    client.post(reverse("set_language"), {"language": "nl"})
    html = page(client)
    assert reason_in(alert, "nl").split(";")[0] in html
    assert "Het gezin heeft kinderen" in html
    assert reason_in(alert, "en").split(";")[0] not in html


def test_a_copied_reason_shows_in_the_page_language(region, alert, as_user):
    # Alerts from before the worklist keep their stored sentences (legacy.text).
    Alert.objects.update(
        reason_code="legacy.text",
        reason_params={"nl": "Huurachterstand bij Woonstichting Test.", "en": "Rent arrears."},
    )
    client = as_user(region["coordinator"])
    client.post(reverse("set_language"), {"language": "nl"})
    html = page(client)
    assert "Huurachterstand bij Woonstichting Test." in html and "Rent arrears." not in html


def test_an_uninvolved_professional_sees_an_empty_inbox_and_no_alert(region, alert, as_user):
    client = as_user(region["outsider"])
    html = page(client)
    assert "No alerts here." in html and "Gezin Haile" not in html
    assert "Gezin Haile" not in page(client, TEAM)
    for name in ("worklist:act", "worklist:dismiss"):
        assert client.get(reverse(name, args=[alert.pk])).status_code == 404
        assert client.post(reverse(name, args=[alert.pk]), {"reason": "x"}).status_code == 404
    ack = reverse("worklist:acknowledge", args=[alert.pk])
    assert client.post(ack).status_code == 404
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN


def test_a_coordinator_who_lost_access_sees_nothing(region, alert, as_user):
    from rits.families.models import Involvement

    Involvement.objects.filter(professional=region["coordinator"]).update(
        end_date=TODAY - datetime.timedelta(days=1)
    )
    client = as_user(region["coordinator"])
    assert "No alerts here." in page(client)
    assert client.get(reverse("worklist:act", args=[alert.pk])).status_code == 404


def test_a_worker_without_the_finances_domain_does_not_see_it(region, alert, as_user):
    client = as_user(region["worker"])
    assert "Gezin Haile" not in page(client)
    assert client.get(reverse("worklist:act", args=[alert.pk])).status_code == 404


def test_acknowledge_from_the_inbox(region, alert, as_user):
    client = as_user(region["coordinator"])
    response = client.post(reverse("worklist:acknowledge", args=[alert.pk]))
    assert response.status_code == 302 and response["Location"].startswith(INBOX)
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACKNOWLEDGED
    html = page(client)
    assert "Acknowledged" in html
    assert reverse("worklist:acknowledge", args=[alert.pk]) not in html
    # Only by POST.
    assert client.get(reverse("worklist:acknowledge", args=[alert.pk])).status_code == 405


def test_act_on_it_makes_a_finance_agreement_in_the_plan(region, alert, as_user):
    client = as_user(region["coordinator"])
    url = reverse("worklist:act", args=[alert.pk])
    form = client.get(url).content.decode()
    assert "Look at the payment arrears with the family and arrange debt help" in form
    # the signals behind it, summed up above the form (the alert kind's summary)
    assert "Rent arrears, " in form and "Woonstichting Test" in form
    assert 'name="domains" value="finances" id="id_domains_0" checked' in form
    assert f'value="professional:{region["coordinator"].pk}" selected' in form
    plan, _ = Plan.objects.get_or_create(family=region["family"])
    response = client.post(
        url,
        {
            "revision": plan.revision,
            "action": "Samen met Selam naar de schuldhulp",
            "kind": "arrange",
            "owner": f"professional:{region['coordinator'].pk}",
            "due_date": (TODAY + datetime.timedelta(days=5)).isoformat(),
            "domains": ["finances"],
            "goal": "",
            "note": "Besproken aan de keukentafel",
        },
    )
    assert response.status_code == 302, response.content.decode()
    agreement = Agreement.objects.get()
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACTED_ON and alert.agreement == agreement
    assert agreement.domains == ["finances"] and agreement.plan.family == region["family"]
    html = page(client, INBOX + "?status=acted_on")
    assert f"#agreement-{agreement.pk}" in html and "Besproken aan de keukentafel" in html


def test_act_on_it_when_someone_else_changed_the_plan(region, alert, as_user):
    client = as_user(region["coordinator"])
    plan, _ = Plan.objects.get_or_create(family=region["family"])
    Plan.objects.filter(pk=plan.pk).update(revision=5)
    response = client.post(
        reverse("worklist:act", args=[alert.pk]),
        {
            "revision": 4,
            "action": "Schuldhulp",
            "kind": "arrange",
            "owner": f"professional:{region['coordinator'].pk}",
            "due_date": TODAY.isoformat(),
            "domains": ["finances"],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The plan changed meanwhile." in html and 'value="5"' in html
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN and not Agreement.objects.exists()


def test_dismiss_needs_a_reason(region, alert, as_user):
    client = as_user(region["coordinator"])
    url = reverse("worklist:dismiss", args=[alert.pk])
    assert "Why does this alert need no action?" in client.get(url).content.decode()
    response = client.post(url, {"reason": "  ", "back": "mine"})
    assert response.status_code == 200
    assert "Say why this alert needs no action." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN
    response = client.post(url, {"reason": "De huur is betaald", "back": "team"})
    assert response.status_code == 302 and response["Location"] == TEAM
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.DISMISSED
    # Closed: the forms refuse.
    assert client.get(url).status_code == 403


def test_the_team_view_shows_escalated_alerts_first(region, alert, as_user):
    coordinator = region["coordinator"]
    second_family = factories.FamilyFactory(name="Gezin Visser")
    mother = factories.MembershipFactory(family=second_family).person
    factories.MembershipFactory(
        family=second_family, role="child", person=factories.PersonFactory(birth_date="2020-01-01")
    )
    factories.InvolvementFactory(
        family=second_family, professional=coordinator, is_coordinator=True
    )
    linked_signal(region["energy"], second_family, mother, "energy_arrears")
    run_rules()
    later = Alert.objects.get(family=second_family)
    Alert.objects.filter(pk=later.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    Alert.objects.filter(pk=alert.pk).update(due_date=TODAY - datetime.timedelta(days=5))
    services.escalate_overdue(today=TODAY)
    Alert.objects.filter(pk=alert.pk).update(escalated_at=None)

    html = page(as_user(region["lead"]), TEAM)
    assert html.index(f'id="alert-{later.pk}"') < html.index(f'id="alert-{alert.pk}"')
    assert "escalated to the team lead" in html
    # The lead is not involved with either family: no names, no reasons, no signals.
    assert "Gezin Visser" not in html and "Gezin Haile" not in html
    assert "Energie Test" not in html and coordinator.name in html
    # A team member who may not see the families sees nothing of them.
    assert "No alerts here." in page(as_user(region["colleague"]), TEAM)
    # The coordinator sees both, the escalated one first.
    mine = page(as_user(coordinator))
    assert mine.index("Gezin Visser") < mine.index("Gezin Haile")


def test_the_inbox_takes_as_many_queries_for_many_alerts_as_for_one(
    region, alert, as_user, settings
):
    settings.AUDIT_CHAINS = 1
    client = as_user(region["coordinator"])
    page(client)
    with CaptureQueriesContext(connection) as one:
        page(client)
    for i in range(8):
        family = factories.FamilyFactory()
        parent = factories.MembershipFactory(family=family).person
        factories.MembershipFactory(
            family=family, role="child", person=factories.PersonFactory(birth_date="2019-01-01")
        )
        factories.InvolvementFactory(
            family=family, professional=region["coordinator"], is_coordinator=True
        )
        for source in (region["landlord"], region["energy"]):
            linked_signal(source, family, parent, crisis=bool(i % 2))
        linked_signal(region["landlord"], region["family"], region["mother"])
    run_rules()
    with CaptureQueriesContext(connection) as many:
        html = page(client)
    assert html.count('class="rits-card rits-alert"') == 9
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


# --- the API ---------------------------------------------------------------------------------


def test_api_lists_my_alerts(region, alert, api):
    answer = api(region["coordinator"]).get("/api/v1/alerts")
    assert answer.status_code == 200
    [item] = answer.json()
    assert item["id"] == alert.pk and item["rule"] == "arrears_without_finance_agreement"
    assert item["title"] == "Payment arrears, no agreement about finances"
    assert item["reason"] == reason_in(alert, "en") and item["visible"] is True
    assert item["family"] == {"id": region["family"].pk, "name": "Gezin Haile"}
    assert item["status"] == "open" and item["overdue"] is False and item["crisis"] is False
    assert item["due_date"] == alert.due_date.isoformat()
    [signal] = item["signals"]
    assert signal["signal_type"] == "rent_arrears" and signal["amount_eur"] == "2345.60"
    assert signal["source"] == "Woonstichting Test"
    assert "bsn" not in answer.content.decode().lower()


def test_api_filters_by_status_and_team(region, alert, api):
    client = api(region["coordinator"])
    assert client.get("/api/v1/alerts?status=dismissed").json() == []
    assert len(client.get("/api/v1/alerts?status=all").json()) == 1
    bad = client.get("/api/v1/alerts?status=gone")
    assert bad.status_code == 400 and bad.json()["invalid_params"][0]["name"] == "status"
    assert client.get("/api/v1/alerts?team=maybe").status_code == 400
    team = client.get("/api/v1/alerts?team=true").json()
    assert [a["id"] for a in team] == [alert.pk]
    assert api(region["colleague"]).get("/api/v1/alerts?team=true").json() == []


def test_api_acknowledge_and_dismiss(region, alert, api):
    client = api(region["coordinator"])
    answer = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge")
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    refused = client.post(
        f"/api/v1/alerts/{alert.pk}/dismiss", {"reason": ""}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["invalid_params"][0]["name"] == "reason"
    answer = client.post(
        f"/api/v1/alerts/{alert.pk}/dismiss",
        {"reason": "Al opgelost"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "dismissed"
    assert answer.json()["dismissed_reason"] == "Al opgelost"
    again = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge")
    assert again.status_code == 400


def test_api_refuses_the_uninvolved(region, alert, api):
    client = api(region["outsider"])
    assert client.get("/api/v1/alerts").json() == []
    assert client.get("/api/v1/alerts?team=true").json() == []
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge").status_code == 404
    assert (
        client.post(
            f"/api/v1/alerts/{alert.pk}/dismiss", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/alerts/{2**63}/acknowledge").status_code == 404
    assert Client().get("/api/v1/alerts").status_code == 403
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN


def test_api_query_count_does_not_grow(region, alert, api, settings):
    settings.AUDIT_CHAINS = 1
    client = api(region["coordinator"])
    client.get("/api/v1/alerts")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/alerts")
    for _ in range(5):
        linked_signal(region["landlord"], region["family"], region["mother"])
        Alert.objects.update(status=WorkItemStatus.DISMISSED, dismissed_reason="x")
        run_rules()
    Alert.objects.update(status=WorkItemStatus.OPEN)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/alerts").json()) == 6
    assert len(many) == len(one)


# --- who may change an alert's status (issue 9 #8) ---------------------------------------------


@pytest.fixture
def reader(region):
    """A colleague in the coordinator's team who sees the family and its finances (the
    team shares its caseload, and she is involved for finances), but is neither the
    assignee, the family's coordinator nor the team lead: she may read the alert only."""
    organisation = region["coordinator"].organisation
    organisation.team_shares_caseload = True
    organisation.save()
    colleague = region["colleague"]
    factories.InvolvementFactory(
        family=region["family"], professional=colleague, domains=["finances"]
    )
    return colleague


READ_ONLY = "you can read it"


def test_a_reader_sees_the_alert_without_the_buttons(region, alert, reader, as_user):
    html = page(as_user(reader), TEAM)
    assert f'id="alert-{alert.pk}"' in html and "Gezin Haile" in html
    for name in ("worklist:acknowledge", "worklist:act", "worklist:dismiss"):
        assert reverse(name, args=[alert.pk]) not in html
    # Those who may change it do see them.
    mine = page(as_user(region["coordinator"]))
    assert reverse("worklist:acknowledge", args=[alert.pk]) in mine


@pytest.mark.parametrize(
    "name,method,data",
    [
        ("worklist:acknowledge", "post", {}),
        ("worklist:act", "get", None),
        ("worklist:act", "post", {"action": "Schuldhulp", "note": "x"}),
        ("worklist:dismiss", "get", None),
        ("worklist:dismiss", "post", {"reason": "Niet nodig", "back": "mine"}),
    ],
)
def test_a_reader_may_not_change_the_alert_on_the_pages(
    region, alert, reader, as_user, name, method, data
):
    client = as_user(reader)
    client.cookies["django_language"] = "en"
    url = reverse(name, args=[alert.pk])
    response = getattr(client, method)(url, data) if data is not None else client.get(url)
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN and not Agreement.objects.exists()


@pytest.mark.parametrize(
    "action,body", [("acknowledge", None), ("dismiss", {"reason": "Niet nodig"})]
)
def test_a_reader_may_not_change_the_alert_in_the_api(region, alert, reader, api, action, body):
    client = api(reader)
    # She may read it.
    assert alert.pk in [a["id"] for a in client.get("/api/v1/alerts?team=true").json()]
    answer = client.post(
        f"/api/v1/alerts/{alert.pk}/{action}", body or {}, content_type="application/json"
    )
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"
    assert READ_ONLY in answer.json()["detail"]
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN


def test_the_service_refuses_a_reader_for_every_change(region, alert, reader):
    from django.core.exceptions import PermissionDenied

    for call in (
        lambda: services.acknowledge(user=reader.user, item_id=alert.pk),
        lambda: services.act_on(user=reader.user, item_id=alert.pk, note="x"),
        lambda: services.dismiss(user=reader.user, item_id=alert.pk, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert selectors.item_for_user(user=reader.user, item_id=alert.pk).can_change is False
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN


def test_the_assignee_and_the_team_lead_may_change_it(region, alert, reader, api):
    lead = region["lead"]
    factories.InvolvementFactory(family=region["family"], professional=lead, domains=["finances"])
    assert selectors.item_for_user(user=lead.user, item_id=alert.pk).can_change
    answer = api(lead).post(f"/api/v1/alerts/{alert.pk}/acknowledge")
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    # A team lead of another team may not, even when she sees the family.
    other_lead = factories.ProfessionalFactory(
        organisation=lead.organisation,
        team=factories.TeamFactory(organisation=lead.organisation, name="Wijkteam West"),
        role=lead.role,
    )
    factories.InvolvementFactory(
        family=region["family"], professional=other_lead, domains=["finances"]
    )
    refused = api(other_lead).post(
        f"/api/v1/alerts/{alert.pk}/dismiss", {"reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 403
    # The assignee, when it is not (any longer) the family's coordinator, still may.
    assignee = factories.ProfessionalFactory(organisation=lead.organisation)
    factories.InvolvementFactory(
        family=region["family"], professional=assignee, domains=["finances"]
    )
    Alert.objects.filter(pk=alert.pk).update(assigned_to=assignee)
    answer = api(assignee).post(
        f"/api/v1/alerts/{alert.pk}/dismiss", {"reason": "Betaald"}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"


# --- every inbox page leaves a read of the family (issue 9 #11) --------------------------------

INBOX_ROUTES = {"inbox": False, "inbox-team": False, "act": True, "dismiss": True}
POST_ONLY = {"acknowledge"}
# Shown for a decided alert only: its read is checked in tests/test_routes_access.py and
# rits/worklist/tests/test_reopen.py.
DECIDED_ONLY = {"reopen"}


def test_every_inbox_route_is_checked_here():
    from rits.worklist import urls

    names = {p.name for p in urls.urlpatterns}
    assert names == set(INBOX_ROUTES) | POST_ONLY | DECIDED_ONLY


@pytest.mark.parametrize("name", sorted(INBOX_ROUTES))
def test_each_inbox_page_leaves_a_read_of_the_family(region, alert, as_user, name):
    from rits.audit.models import AuditEvent

    client = as_user(region["coordinator"])
    before = AuditEvent.objects.count()
    args = [alert.pk] if INBOX_ROUTES[name] else []
    assert client.get(reverse(f"worklist:{name}", args=args)).status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    family = region["family"].pk
    assert any(
        e.action == "view"
        and (e.family_id == family or family in (e.detail or {}).get("family_ids", []))
        for e in events
    ), [(e.action, e.object_type, e.family_id) for e in events]
    assert all(e.user_id == region["coordinator"].user.pk for e in events)


def test_the_act_form_names_only_involvements_the_reader_may_see(region, alert, as_user):
    """Issue 9 #6: the act form's "who does it" is the plan's, with the same rule."""
    family = region["family"]
    lead = region["lead"]
    factories.InvolvementFactory(family=family, professional=lead, domains=["finances"])
    ggz = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(name="GGZ Centraal", kind="care_provider")
    )
    factories.InvolvementFactory(
        family=family, professional=ggz, organisation=ggz.organisation, domains=["mental_health"]
    )
    client = as_user(lead)
    url = reverse("worklist:act", args=[alert.pk])
    html = client.get(url).content.decode()
    assert "GGZ Centraal" not in html and ggz.name not in html
    assert f"professional:{ggz.pk}" not in html
    plan, _ = Plan.objects.get_or_create(family=family)
    response = client.post(
        url,
        {
            "revision": plan.revision,
            "action": "Schuldhulp",
            "kind": "arrange",
            "owner": f"professional:{ggz.pk}",
            "due_date": (TODAY + datetime.timedelta(days=5)).isoformat(),
            "domains": ["finances"],
        },
    )
    assert response.status_code == 200 and "owner" in response.context["form"].errors
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN and not Agreement.objects.exists()
    # The coordinator, who sees every involvement, may choose them.
    assert f"professional:{ggz.pk}" in as_user(region["coordinator"]).get(url).content.decode()


@pytest.mark.parametrize("revision", ["²", "٣", "-1", "9" * 5000])
def test_a_mangled_revision_on_the_act_form_is_a_conflict(region, alert, as_user, revision):
    """Issue 9 #9: the act form reads the plan revision as the plan's forms do."""
    response = as_user(region["coordinator"]).post(
        reverse("worklist:act", args=[alert.pk]),
        {
            "revision": revision,
            "action": "Schuldhulp",
            "kind": "arrange",
            "owner": f"professional:{region['coordinator'].pk}",
            "due_date": TODAY.isoformat(),
            "domains": ["finances"],
        },
    )
    assert response.status_code == 200 and response.context["conflict"]
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.OPEN and not Agreement.objects.exists()


def test_the_alert_kind_suggests_debt_help_for_arrears_and_leaves_the_rest_to_the_worklist():
    from types import SimpleNamespace

    from django.utils import translation

    from rits.signals.alerts import SignalLine, suggested_action

    def line(*types):
        details = [
            SignalLine(n, t, t.replace("_", " "), TODAY, "Bron", None, False)
            for n, t in enumerate(types)
        ]
        return SimpleNamespace(details=details, title="Zorg")

    with translation.override("en"):
        assert suggested_action(line("rent_arrears", "school_absence")) == (
            "Look at the payment arrears with the family and arrange debt help: "
            "rent arrears (Bron)."
        )
        assert suggested_action(line("school_absence")) == ""  # the worklist's follow-up
