"""The portal's API: the same rules as its pages (a member of another family and a
network member get 404 where the pages do; a professional is refused)."""

import pytest
from django.urls import reverse

from rits.audit.models import AuditEvent
from rits.portal.tests.factories import CitizenAccountFactory, member
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

ENDPOINTS = (
    "api:portal-plan",
    "api:portal-involved",
    "api:portal-coming-up",
    "api:portal-access-log",
)


def url(name, family):
    return reverse(name, kwargs={"family_id": family.pk})


def test_the_mother_reads_her_plan_through_the_api(portal, client):
    client.force_login(portal["mother_login"])

    families = client.get(reverse("api:portal-families")).json()
    plan = client.get(url("api:portal-plan", portal["family"])).json()

    assert families == [
        {"id": portal["family"].pk, "name": "Gezin Haile", "ground": "parent_of_minor"}
    ]
    assert plan["goals"][0]["text"] == "Dat Yonas veilig thuis kan blijven wonen"
    assert [a["action"] for a in plan["goals"][0]["agreements"]] == [
        "Elke week samen de post openen"
    ]
    assert plan["crisis_contacts"][0]["is_trusted_person"] is True
    assert (
        AuditEvent.objects.filter(object_type="portal.plan", ground="parent_of_minor").count() == 1
    )


def test_the_friend_gets_only_her_agreement_through_the_api(portal, client):
    client.force_login(portal["friend_login"])

    plan = client.get(url("api:portal-plan", portal["family"])).json()

    assert plan["goals"] == []
    assert [a["action"] for a in plan["other_agreements"]] == ["Op woensdag Yonas van school halen"]
    assert client.get(url("api:portal-involved", portal["family"])).status_code == 404
    assert client.get(url("api:portal-access-log", portal["family"])).status_code == 404


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_familys_member_and_network_get_not_found(portal, client, name):
    client.force_login(member(factories.FamilyFactory(), "parent", 40).person.citizen_account.user)
    assert client.get(url(name, portal["family"])).status_code == 404
    client.force_login(CitizenAccountFactory(network_member=factories.NetworkMemberFactory()).user)
    assert client.get(url(name, portal["family"])).status_code == 404


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_professional_is_refused_the_portal_api(portal, client, name):
    login_verified(client, portal["outsider"].user)
    assert client.get(url(name, portal["family"])).status_code in (401, 403)
    login_verified(client, portal["coordinator"].user)
    assert client.get(url(name, portal["family"])).status_code in (401, 403)
