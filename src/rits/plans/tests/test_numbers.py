"""Numbers read from a request (issue 9 #9): ASCII digits only, within range, and a
clear error instead of a server error — on the plan's pages and in its API."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError as APIValidationError

from rits.plans.models import Assessment, Goal
from rits.plans.numbers import MAX_ID, WholeNumberField, whole_number
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
# Digits int() reads but a person does not type into a number field, signs, and numbers
# no column can hold.
BAD_NUMBERS = ["²", "٣", "１", "-1", "1e3", "9" * 30, "9" * 5000]


@pytest.fixture
def client_for():
    def _client(professional):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        login_verified(client, professional.user)
        return client

    return _client


@pytest.mark.parametrize("revision", BAD_NUMBERS)
def test_a_mangled_revision_on_a_plan_form_is_a_conflict_not_a_server_error(
    plan_setup, client_for, revision
):
    url = reverse("plans:add-goal", args=[plan_setup["family"].pk])
    response = client_for(plan_setup["coordinator"]).post(
        url, {"revision": revision, "text": "Rust in huis.", "domains": ["housing"]}
    )
    assert response.status_code == 200
    assert "Someone else changed this plan" in response.content.decode()
    assert not Goal.objects.exists()


@pytest.mark.parametrize("score", ["٣", "²", "-1", "9" * 30])
def test_a_score_in_other_digits_is_a_field_error(plan_setup, client_for, score):
    url = reverse("plans:assess", args=[plan_setup["family"].pk])
    client = client_for(plan_setup["coordinator"])
    response = client.post(
        url,
        {"revision": "0", "domain": "housing", "person": "", "score": score, "explanation": "x"},
    )
    assert response.status_code == 200
    assert "score" in response.context["form"].errors
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("big", [2**63, 10**30])
def test_ids_beyond_any_row_on_plan_pages_are_not_found(plan_setup, client_for, big):
    family = plan_setup["family"]
    client = client_for(plan_setup["coordinator"])
    urls = [
        reverse("plans:change-agreement", args=[family.pk, big]),
        reverse("plans:agree", args=[family.pk, big]),
        reverse("plans:plan", args=[big]),
        reverse("plans:add-goal", args=[big]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("query", ["older=٣&newer=1", "older=1&newer=" + "9" * 30])
def test_compare_with_a_mangled_version_number_is_a_form_error(plan_setup, client_for, query):
    url = reverse("plans:compare", args=[plan_setup["family"].pk])
    assert client_for(plan_setup["coordinator"]).get(f"{url}?{query}").status_code == 200


def api_url(family, tail=""):
    return f"/api/v1/families/{family.pk}/plan{tail}"


@pytest.mark.parametrize(
    "field,value",
    [
        ("revision", "٣"),
        ("revision", "²"),
        ("revision", -1),
        ("revision", 2**40),
        ("revision", "9" * 30),
        ("score", "٣"),
        ("score", 2**70),
        ("person_id", "٣"),
        ("person_id", 0),
        ("person_id", 2**64),
    ],
)
def test_api_numbers_in_other_digits_or_out_of_range_are_a_400_on_that_field(
    plan_setup, client_for, field, value
):
    body = {
        "revision": 0,
        "domain": "housing",
        "score": 3,
        "explanation": "Gaat goed.",
        field: value,
    }
    answer = client_for(plan_setup["coordinator"]).post(
        api_url(plan_setup["family"], "/assessments"), body, content_type="application/json"
    )
    assert answer.status_code == 400, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert [p["name"] for p in answer.json()["invalid_params"]] == [field]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("value", ["٣", 0, 2**64])
def test_api_goal_id_in_other_digits_or_out_of_range_is_a_400(plan_setup, client_for, value):
    body = {
        "revision": 0,
        "action": "Belt de verhuurder",
        "owner": f"professional:{plan_setup['housing'].pk}",
        "due_date": TOMORROW.isoformat(),
        "domains": ["housing"],
        "goal_id": value,
    }
    answer = client_for(plan_setup["coordinator"]).post(
        api_url(plan_setup["family"], "/agreements"), body, content_type="application/json"
    )
    assert answer.status_code == 400, answer.content
    assert [p["name"] for p in answer.json()["invalid_params"]] == ["goal_id"]


@pytest.mark.parametrize("raw", ["٣", "²", "-1", "9" * 30, "0"])
def test_api_compare_with_a_mangled_version_number_is_a_400(plan_setup, client_for, raw):
    answer = client_for(plan_setup["coordinator"]).get(
        api_url(plan_setup["family"], f"/comparison?from={raw}&to=1")
    )
    assert answer.status_code == 400
    assert [p["name"] for p in answer.json()["invalid_params"]] == ["from"]


@pytest.mark.parametrize("big", [2**31, 2**63 - 1, 2**63, 10**30])
def test_api_versions_beyond_any_row_are_not_found(plan_setup, client_for, big):
    client = client_for(plan_setup["coordinator"])
    assert client.get(api_url(plan_setup["family"], f"/versions/{big}")).status_code == 404
    assert client.get(f"/api/v1/families/{big}/plan").status_code == 404


# --- the rule itself, over any text ---------------------------------------------------


@given(st.one_of(st.text(), st.integers(), st.from_regex(r"\A[0-9]{1,25}\Z")))
def test_whole_number_is_ascii_digits_in_range_or_nothing(raw):
    value = whole_number(raw, minimum=1, maximum=MAX_ID)
    if value is not None:
        assert 1 <= value <= MAX_ID
        if isinstance(raw, str):
            assert raw.strip().isascii() and raw.strip().isdigit()
            assert value == int(raw)


@given(st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=5))
def test_other_scripts_digits_are_never_a_number(raw):
    if raw.isascii():
        return
    assert whole_number(raw) is None
    field = WholeNumberField(min_value=0, max_value=MAX_ID)
    with pytest.raises(APIValidationError):
        field.run_validation(raw)
