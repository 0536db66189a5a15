"""Who does an agreement (issue 9 #6): the "who does it" list and every display of an
agreement's owner name only the involvements the reader may see, by the family
overview's rule; an owner the reader may not see is refused like one that does not
exist."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access.rules import grant_for
from rits.families.selectors import family_overview
from rits.plans import selectors, services
from rits.plans.models import Agreement, Plan
from rits.plans.tests import factories as plan_factories
from rits.plans.tests.factories import current_revision as revision
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)
HIDDEN = "A professional outside your involvement"


@pytest.fixture
def client_for():
    def _client(professional):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.cookies["django_language"] = "en"
        login_verified(client, professional.user)
        return client

    return _client


def test_the_overview_and_the_choices_follow_one_rule(plan_setup):
    """The housing worker (housing, finances) does not see the mental-health worker's
    involvement on the overview, nor among the owners to choose from."""
    housing, ggz = plan_setup["housing"], plan_setup["ggz"]
    family = plan_setup["family"]
    overview = family_overview(user=housing.user, family_id=family.pk)
    assert ggz.pk not in {i.professional_id for i in overview.involvements}
    keys = {
        key for _g, key, _n in services.agreement_owner_choices(grant_for(housing.user, family.pk))
    }
    assert f"professional:{ggz.pk}" not in keys
    assert {f"professional:{housing.pk}", f"professional:{plan_setup['coordinator'].pk}"} <= keys
    # The coordinator sees every involvement, and may choose each.
    coordinator = plan_setup["coordinator"]
    keys = {
        key
        for _g, key, _n in services.agreement_owner_choices(grant_for(coordinator.user, family.pk))
    }
    assert f"professional:{ggz.pk}" in keys


def test_the_form_does_not_name_a_hidden_involvement_and_refuses_its_id(plan_setup, client_for):
    housing, ggz = plan_setup["housing"], plan_setup["ggz"]
    family = plan_setup["family"]
    client = client_for(housing)
    url = reverse("plans:add-agreement", args=[family.pk])
    html = client.get(url).content.decode()
    assert "GGZ Centraal" not in html and ggz.name not in html
    assert f"professional:{ggz.pk}" not in html
    assert "Woonstede" in html  # their own involvement is there

    def post(owner):
        return client.post(
            url,
            {
                "revision": revision(family),
                "action": "Gesprek over de huur",
                "kind": "other",
                "owner": owner,
                "due_date": NEXT_WEEK.isoformat(),
                "domains": ["housing"],
            },
        )

    hidden, missing = post(f"professional:{ggz.pk}"), post("professional:999999")
    assert hidden.status_code == missing.status_code == 200
    # The same answer, but for the id it names back.
    [hidden_error] = hidden.context["form"].errors["owner"]
    [missing_error] = missing.context["form"].errors["owner"]
    assert hidden_error.replace(str(ggz.pk), "N") == missing_error.replace("999999", "N")
    assert not Agreement.objects.exists()


def test_the_service_and_the_api_refuse_a_hidden_owner_like_a_missing_one(plan_setup, client_for):
    housing, ggz = plan_setup["housing"], plan_setup["ggz"]
    family = plan_setup["family"]
    grant = grant_for(housing.user, family.pk)
    with pytest.raises(services.ValidationError) as refused:
        services.add_agreement(
            user=housing.user,
            grant=grant,
            revision=0,
            data=services.AgreementData(
                action="x", owner=f"professional:{ggz.pk}", due_date=NEXT_WEEK, domains=["housing"]
            ),
        )
    assert "owner" in refused.value.message_dict
    client = client_for(housing)

    def post(owner):
        return client.post(
            f"/api/v1/families/{family.pk}/plan/agreements",
            {
                "revision": 0,
                "action": "Gesprek over de huur",
                "owner": owner,
                "due_date": NEXT_WEEK.isoformat(),
                "domains": ["housing"],
            },
            content_type="application/json",
        )

    hidden, missing = post(f"professional:{ggz.pk}"), post("professional:999999")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["invalid_params"] == missing.json()["invalid_params"]
    assert [p["name"] for p in hidden.json()["invalid_params"]] == ["owner"]
    assert not Agreement.objects.exists()


@pytest.fixture
def ggz_agreement(plan_setup):
    """The coordinator, who sees everyone, lets the mental-health worker do a housing
    agreement; the housing worker sees the agreement, not whose it is."""
    return plan_factories.agree(
        plan_setup,
        "Brief voor de woningcorporatie",
        f"professional:{plan_setup['ggz'].pk}",
        ["housing"],
        due=NEXT_WEEK,
    )


def test_an_agreement_does_not_name_a_hidden_owner(plan_setup, ggz_agreement, client_for):
    housing, ggz = plan_setup["housing"], plan_setup["ggz"]
    family = plan_setup["family"]
    client = client_for(housing)

    page = client.get(reverse("plans:plan", args=[family.pk])).content.decode()
    assert "Brief voor de woningcorporatie" in page
    assert HIDDEN in page and ggz.name not in page and "GGZ Centraal" not in page

    for url in (
        f"/api/v1/families/{family.pk}/plan",
        f"/api/v1/families/{family.pk}/plan/agreements",
        f"/api/v1/families/{family.pk}/plan/versions/1",
    ):
        answer = client.get(url)
        assert answer.status_code == 200, url
        body = answer.content.decode()
        assert "Brief voor de woningcorporatie" in body, url
        assert ggz.name not in body and "GGZ Centraal" not in body, url
        assert HIDDEN in body, url
        # nor by the id that the owner's key would carry
        assert f"professional:{ggz.pk}" not in body, url

    # The printed plan and the comparison of versions do not name them either.
    document = selectors.plan_document(user=housing.user, family_id=family.pk)
    from rits.plans.pdf import _agreement_lines

    assert [line.who for line in _agreement_lines(document)] == [HIDDEN]

    # Whoever may see the involvement sees the name.
    coordinator_page = client_for(plan_setup["coordinator"]).get(
        reverse("plans:plan", args=[family.pk])
    )
    assert ggz.name in coordinator_page.content.decode()


def test_changing_an_agreement_keeps_a_hidden_owner_unnamed(plan_setup, ggz_agreement, client_for):
    housing, ggz = plan_setup["housing"], plan_setup["ggz"]
    family = plan_setup["family"]
    client = client_for(housing)
    url = reverse("plans:change-agreement", args=[family.pk, ggz_agreement.pk])
    html = client.get(url).content.decode()
    assert HIDDEN in html and ggz.name not in html and "GGZ Centraal" not in html
    response = client.post(
        url,
        {
            "revision": revision(family),
            "action": "Brief voor de woningcorporatie, met kopie",
            "kind": ggz_agreement.kind,
            "owner": ggz_agreement.owner_key,
            "due_date": NEXT_WEEK.isoformat(),
            "domains": ["housing"],
            "status": "open",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    ggz_agreement.refresh_from_db()
    assert ggz_agreement.owner_professional_id == ggz.pk
    assert ggz_agreement.action.endswith("met kopie")


def test_a_comparison_does_not_name_a_hidden_owner(plan_setup, ggz_agreement):
    housing = plan_setup["housing"]
    family = plan_setup["family"]
    coordinator = plan_setup["coordinator"]
    plan = Plan.objects.get(family=family)
    version = plan.versions.get()
    version.agreed_at = timezone.now()
    version.save()
    services.update_agreement(
        user=coordinator.user,
        grant=grant_for(coordinator.user, family.pk),
        revision=plan.revision,
        agreement_id=ggz_agreement.pk,
        data=services.AgreementData(
            action="Brief, verstuurd",
            owner=ggz_agreement.owner_key,
            due_date=NEXT_WEEK,
            domains=["housing"],
        ),
    )
    comparison = selectors.compare_versions(
        user=housing.user, family_id=family.pk, older=1, newer=2
    )
    [agreements] = [s for s in comparison.sections if s.section == "agreements"]
    [difference] = agreements.differences
    assert HIDDEN in difference.before and HIDDEN in difference.after
    assert plan_setup["ggz"].name not in difference.before + difference.after


def test_the_timeline_does_not_name_a_professional_owner(plan_setup, ggz_agreement):
    """The family's timeline shows to everyone who sees the agreement's life domain."""
    from rits.families.models import FamilyEvent

    [event] = FamilyEvent.objects.filter(family=plan_setup["family"], code="plan.agreement_added")
    assert "Brief voor de woningcorporatie" in event.text
    assert plan_setup["ggz"].name not in event.text
    assert "GGZ Centraal" not in event.text
