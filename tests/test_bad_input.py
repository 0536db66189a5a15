"""Bad input gets a clear message next to the field, nothing is saved half, nothing is
rendered unescaped, and a BSN never shows up in a message."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rits.families.models import Membership, Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def post_member(family_setup, as_user):
    client = as_user(family_setup["coordinator"])
    url = reverse("families:add-member", args=[family_setup["family"].pk])

    def _post(**fields):
        data = {
            "role": "child",
            "surname": "Haile",
            "given_names": "Noah",
            "birth_date": "2023-06-01",
            "gender": "m",
        }
        data.update(fields)
        return client.post(url, data)

    return _post


def field_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def test_valid_member_is_added(post_member, family_setup):
    response = post_member(bsn=factories.valid_bsn(7), languages=["nl", "ti"])
    assert response.status_code == 302
    person = Person.objects.get(given_names="Noah")
    assert person.languages == ["nl", "ti"]
    assert person.has_bsn and factories.valid_bsn(7) not in person.bsn_encrypted


def test_invalid_bsn_is_refused_without_echoing_it(post_member):
    response = post_member(bsn="123456789")
    assert response.status_code == 200
    assert field_errors(response, "bsn")
    assert "123456789" not in " ".join(field_errors(response, "bsn"))
    assert not Person.objects.filter(given_names="Noah").exists()


def test_birth_date_in_the_future_is_refused(post_member):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post_member(birth_date=tomorrow.isoformat())
    assert field_errors(response, "birth_date")
    assert not Person.objects.filter(given_names="Noah").exists()


def test_unborn_child_needs_a_future_expected_date(post_member):
    assert field_errors(post_member(role="unborn", birth_date="2020-01-01"), "birth_date")
    expected = timezone.localdate() + datetime.timedelta(days=90)
    assert post_member(role="unborn", birth_date=expected.isoformat()).status_code == 302


def test_child_older_than_parent_is_refused(post_member):
    response = post_member(birth_date="1985-01-01")  # the mother was born in 1990
    assert any("parent" in e or "ouder" in e for e in field_errors(response, "birth_date"))


def test_duplicate_person_is_refused(post_member, family_setup):
    mother = family_setup["mother"]
    response = post_member(
        role="parent", given_names=mother.given_names, birth_date=mother.birth_date.isoformat()
    )
    assert field_errors(response, "surname")
    response = post_member(
        role="parent", given_names="Andere", birth_date="1992-02-02", bsn=factories.valid_bsn(1)
    )
    assert field_errors(response, "bsn")
    assert Membership.objects.filter(family=family_setup["family"]).count() == 2


def test_overlong_names_are_refused_and_rtl_and_emoji_names_kept(post_member):
    assert field_errors(post_member(surname="x" * 201), "surname")
    assert post_member(given_names="مريم 🌷", surname="الحسن").status_code == 302
    assert Person.objects.filter(given_names="مريم 🌷", surname="الحسن").exists()


def test_html_is_stored_as_text_and_shown_escaped(post_member, family_setup, as_user):
    assert post_member(given_names='<img src=x onerror="alert(1)">').status_code == 302
    page = as_user(family_setup["coordinator"]).get(
        reverse("families:overview", args=[family_setup["family"].pk])
    )
    assert b"<img src=x" not in page.content
    assert b"&lt;img src=x" in page.content


def test_a_language_not_on_the_list_is_refused(post_member):
    # Languages are chosen from a list by name (issue 11), no longer typed as codes.
    assert field_errors(post_member(languages=["nederlands"]), "languages")


def test_network_member_with_bad_email_is_refused(family_setup, as_user):
    client = as_user(family_setup["coordinator"])
    url = reverse("families:add-network-member", args=[family_setup["family"].pk])
    response = client.post(url, {"name": "Buurman", "relation": "neighbour", "email": "geen-email"})
    assert response.context["form"].errors["email"]
    assert not family_setup["family"].network.exists()


def test_api_errors_are_problem_details(family_setup, as_user):
    response = as_user(family_setup["outsider"]).get(
        f"/api/v1/families/{family_setup['family'].pk}"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"]
