"""Issue 11: where a member lives now (a child placed in a foster family stays a member):
edited on the member form, kept in the history, shown by the API and taken from the
optional ``living_situation`` column of the caseload import."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from rits.audit.models import AuditEvent
from rits.families.models import LivingSituation, Membership
from rits.families.tests.test_import import household, person, run, support
from rits.families.tests.test_import import region as region  # noqa: F401 (a fixture)
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _client(professional) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def _body(**extra):
    return {
        "role": "child",
        "surname": "Haile",
        "given_names": "Yonas",
        "birth_date": "2022-03-01",
        "languages": "nl",
        **extra,
    }


# --- the member form ---------------------------------------------------------------------


def test_the_member_form_changes_where_a_child_lives(family_setup):
    family = family_setup["family"]
    child = family.memberships.get(person=family_setup["child"])
    client = _client(family_setup["coordinator"])
    url = reverse("families:change-member", args=[family.pk, child.pk])
    form = client.get(url).content.decode()
    assert 'name="living_situation"' in form
    assert '<option value="at_home" selected>' in form  # prefilled as it is

    assert client.post(url, _body(living_situation="foster_family")).status_code == 302
    child.refresh_from_db()
    assert child.living_situation == LivingSituation.FOSTER_FAMILY
    event = AuditEvent.objects.filter(object_type="membership.details").latest("id")
    assert event.detail["fields"] == ["living_situation"]
    overview = client.get(f"/families/{family.pk}/").content.decode()
    assert "lives in a foster family" in overview
    history = client.get(reverse("families:member-history", args=[family.pk, child.pk]))
    assert "<bdi>At home</bdi> → <bdi>In a foster family</bdi>" in history.content.decode()

    # a form sent without the field (a client from before it) leaves it as it is
    assert client.post(url, _body(given_names="Jonas")).status_code == 302
    child.refresh_from_db()
    assert child.living_situation == LivingSituation.FOSTER_FAMILY
    # and a value that is not one is refused on the field
    response = client.post(url, _body(living_situation="on_the_moon"))
    assert response.status_code == 200
    assert "living_situation" in response.context["form"].errors


def test_a_new_member_can_be_added_living_elsewhere(family_setup):
    family = family_setup["family"]
    client = _client(family_setup["coordinator"])
    body = _body(given_names="Noah", birth_date="2023-06-01", living_situation="residential_care")
    response = client.post(reverse("families:add-member", args=[family.pk]), body)
    assert response.status_code == 302
    noah = Membership.objects.get(family=family, person__given_names="Noah")
    assert noah.living_situation == LivingSituation.RESIDENTIAL_CARE
    # left out: at home
    body = _body(given_names="Lina", birth_date="2024-01-01")
    client.post(reverse("families:add-member", args=[family.pk]), body)
    lina = Membership.objects.get(family=family, person__given_names="Lina")
    assert lina.living_situation == LivingSituation.AT_HOME


def test_the_api_shows_where_a_member_lives(family_setup):
    family = family_setup["family"]
    Membership.objects.filter(person=family_setup["child"]).update(
        living_situation=LivingSituation.FAMILY_HOME
    )
    client = _client(family_setup["coordinator"])
    members = client.get(f"/api/v1/families/{family.pk}").json()["members"]
    found = {m["id"]: m["living_situation"] for m in members}
    assert found[family_setup["child"].pk] == "family_home"
    assert found[family_setup["mother"].pk] == "at_home"


def test_an_uninvolved_professional_does_not_reach_the_member_form(family_setup):
    family = family_setup["family"]
    child = family.memberships.get(person=family_setup["child"])
    client = _client(family_setup["outsider"])
    url = reverse("families:change-member", args=[family.pk, child.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _body(living_situation="foster_family")).status_code == 404
    child.refresh_from_db()
    assert child.living_situation == LivingSituation.AT_HOME


# --- the caseload import -------------------------------------------------------------------


def _situations() -> dict[str, str]:
    return dict(
        Membership.objects.values_list("person__reference", "living_situation").order_by("pk")
    )


def test_the_import_takes_the_living_situation_in_english_or_dutch(region):  # noqa: F811
    rows = household()
    rows[2]["living_situation"] = "pleeggezin"
    rows[3]["living_situation"] = "independent"
    report = run(rows, support())
    assert report.rejected == []
    situations = _situations()
    assert situations["P3"] == "foster_family" and situations["P4"] == "independent"
    assert situations["P1"] == "at_home"  # empty: at home

    # empty on a later import: as it was; a new value: updated
    rows = household()
    rows[3]["living_situation"] = "thuis"
    report = run(rows, support())
    situations = _situations()
    assert situations["P3"] == "foster_family" and situations["P4"] == "at_home"
    assert report.persons.updated == 1


def test_the_column_may_be_left_out(region):  # noqa: F811
    from rits.families.importing import PERSON_COLUMNS
    from rits.families.tests.test_import import persons_file

    columns = tuple(c for c in PERSON_COLUMNS if c != "living_situation")
    report = run(persons_file(household(), columns=columns), support())
    assert report.rejected == [] and set(_situations().values()) == {"at_home"}


def test_an_unknown_living_situation_is_reported_on_its_line(region):  # noqa: F811
    with translation.override("en"):
        report = run([person(living_situation="op de maan")])
    [problem] = report.rejected
    assert (problem.line, problem.field) == (2, "living_situation")
    assert "Unknown living situation" in problem.reason
    assert not Membership.objects.exists()
