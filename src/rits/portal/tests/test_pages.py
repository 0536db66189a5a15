"""The family's pages under /mijn/: what the mother, her friend from the network, another
family and the professionals see."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.families.models import Involvement
from rits.plans import services as plan_services
from rits.plans.tests.factories import agree, change
from rits.portal.tests.factories import CitizenAccountFactory, member
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

PAGES = ("portal:plan", "portal:involved", "portal:coming-up", "portal:who-looked")
FAMILY_ONLY = ("portal:involved", "portal:who-looked")


def url(name, family):
    return reverse(name, kwargs={"family_id": family.pk})


def test_the_mother_reads_her_plan_in_her_own_words_and_who_does_what(portal, client):
    client.force_login(portal["mother_login"])

    page = client.get(url("portal:plan", portal["family"]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Dat Yonas veilig thuis kan blijven wonen" in text
    assert "Elke week samen de post openen" in text
    assert "Op woensdag Yonas van school halen" in text
    assert "Betalingsregeling afspreken" in text
    assert "06 11112222" in text
    event = AuditEvent.objects.filter(object_type="portal.plan").get()
    assert (event.user_id, event.role, event.ground) == (
        portal["mother_login"].pk,
        "family_member",
        "parent_of_minor",
    )
    assert event.family_id == portal["family"].pk


def test_the_friend_sees_only_her_agreement_and_the_crisis_plan(portal, client):
    client.force_login(portal["friend_login"])

    page = client.get(url("portal:plan", portal["family"]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Op woensdag Yonas van school halen" in text
    assert "06 11112222" in text
    assert "Dat Yonas veilig thuis kan blijven wonen" not in text
    assert "Elke week samen de post openen" not in text
    assert "Betalingsregeling afspreken" not in text
    event = AuditEvent.objects.filter(object_type="portal.plan").get()
    assert (event.role, event.ground) == ("network_member", "network_agreement")


def test_a_network_member_not_in_the_crisis_plan_does_not_see_it(portal, client):
    other = factories.NetworkMemberFactory(family=portal["family"], name="Buurman")
    client.force_login(CitizenAccountFactory(network_member=other).user)

    text = client.get(url("portal:plan", portal["family"])).content.decode()

    assert "06 11112222" not in text
    assert "Op woensdag Yonas van school halen" not in text


@pytest.mark.parametrize("name", FAMILY_ONLY)
def test_the_network_does_not_see_who_is_involved_or_the_access_log(portal, client, name):
    client.force_login(portal["friend_login"])

    assert client.get(url(name, portal["family"])).status_code == 404


def test_who_helps_us_names_organisation_role_legal_ground_and_since(portal, client):
    client.force_login(portal["mother_login"])

    text = client.get(url("portal:involved", portal["family"])).content.decode()

    assert "Woonstede" in text and "Woonconsulent" in text
    assert "Gezinsregisseur" in text


def test_a_parent_does_not_see_the_mental_health_help_of_her_son_of_17(portal, client):
    family = portal["family"]
    youth = member(family, "child", 17, person__given_names="Daan")
    Involvement.objects.filter(organisation__name="GGZ Centraal").update(person=youth.person)
    client.force_login(portal["mother_login"])

    text = client.get(url("portal:involved", family)).content.decode()

    assert "GGZ Centraal" not in text
    assert "Woonstede" in text
    # Daan himself sees it
    client.force_login(youth.person.citizen_account.user)
    assert "GGZ Centraal" in client.get(url("portal:involved", family)).content.decode()


def test_coming_up_lists_open_agreements_by_date_and_the_review(portal, client):
    setup = portal
    change(
        setup,
        "coordinator",
        plan_services.update_plan_details,
        review_date=timezone.localdate() + datetime.timedelta(days=40),
        family_group_plan_status="not_offered",
        family_group_plan_date=None,
        family_group_plan_text="",
    )
    client.force_login(portal["mother_login"])

    page = client.get(url("portal:coming-up", portal["family"]))

    text = page.content.decode()
    assert text.index("Elke week samen de post openen") > 0
    assert "Betalingsregeling afspreken" in text
    assert page.context["lines"][-1].kind == "review"


def test_who_looked_names_the_professional_who_read_the_file(portal, client):
    coordinator = portal["coordinator"]
    # the coordinator reads the family's overview (a professional's read of the file)
    login_verified(client, coordinator.user)
    assert client.get(reverse("families:overview", args=[portal["family"].pk])).status_code == 200
    client.force_login(portal["mother_login"])

    text = client.get(url("portal:who-looked", portal["family"])).content.decode()

    assert coordinator.name in text
    assert coordinator.organisation.name in text


@pytest.mark.parametrize("name", PAGES)
def test_a_member_of_another_family_gets_not_found(portal, client, name):
    other = factories.FamilyFactory()
    client.force_login(member(other, "parent", 40).person.citizen_account.user)

    assert client.get(url(name, portal["family"])).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_network_member_of_another_family_gets_not_found(portal, client, name):
    stranger = factories.NetworkMemberFactory()
    client.force_login(CitizenAccountFactory(network_member=stranger).user)

    assert client.get(url(name, portal["family"])).status_code == 404


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["outsider", "coordinator"])
def test_a_professionals_login_finds_no_portal_and_sees_nothing(portal, client, name, who):
    login_verified(client, portal[who].user)
    before = AuditEvent.objects.filter(family_id=portal["family"].pk).count()

    answer = client.get(url(name, portal["family"]))

    assert answer.status_code == 404
    assert AuditEvent.objects.filter(family_id=portal["family"].pk).count() == before


@pytest.mark.parametrize("name", PAGES)
def test_nobody_logged_in_is_sent_to_the_portals_login(portal, client, name):
    answer = client.get(url(name, portal["family"]))

    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("portal:login"))


def test_the_start_page_welcomes_by_name_and_links_the_familys_pages(portal, client):
    client.force_login(portal["mother_login"])

    text = client.get(reverse("portal:home")).content.decode()

    assert "Selam Haile" in text
    for name in PAGES:
        assert f'href="{url(name, portal["family"])}"' in text
    # the friend's start page links only what she may see
    client.force_login(portal["friend_login"])
    text = client.get(reverse("portal:home")).content.decode()
    assert f'href="{url("portal:plan", portal["family"])}"' in text
    assert f'href="{url("portal:involved", portal["family"])}"' not in text


def test_the_plan_page_takes_a_fixed_number_of_queries(
    portal, client, django_assert_max_num_queries
):
    client.force_login(portal["mother_login"])
    client.get(url("portal:plan", portal["family"]))  # warm the session
    with django_assert_max_num_queries(30) as counted:
        client.get(url("portal:plan", portal["family"]))
    first = len(counted.captured_queries)
    for n in range(5):
        agree(portal, f"Afspraak {n}", f"person:{portal['mother'].pk}", ["finances"])
    with django_assert_max_num_queries(first):
        client.get(url("portal:plan", portal["family"]))
