"""What every request and answer goes through: bad query strings (issue 9 #9), no caching
of family data (#13), logging out (#10), a new session at the second factor (#12) and
no BSN echoed into forms or the language switch (#15)."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rits.families.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


# --- #9: NUL and control characters in a query string ------------------------------


@pytest.mark.parametrize("query", ["%00", "Bak%00ker", "%1B", "x&page=%00"])
def test_nul_in_an_api_query_string_is_a_400_problem_naming_the_parameter(
    family_setup, as_user, query
):
    client = as_user(family_setup["worker"])
    response = client.get(f"/api/v1/families?q={query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    names = {p["name"] for p in body["invalid_params"]}
    assert names <= {"q", "page"} and names
    assert "\x00" not in response.content.decode()


def test_nul_in_a_page_query_string_is_a_400_page(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.get(reverse("families:my-families") + "?q=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"Invalid request" in response.content
    assert b"\x00" not in response.content


def test_ordinary_searches_still_work(family_setup, as_user):
    client = as_user(family_setup["worker"])
    assert [f["name"] for f in client.get("/api/v1/families?q=Haile").json()] == ["Gezin Haile"]
    page = client.get(reverse("families:my-families") + "?q=Haile")
    assert page.status_code == 200 and b"Gezin Haile" in page.content


def test_a_lone_surrogate_in_a_json_body_is_a_400_naming_the_field(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.post(
        "/api/v1/families/search", '{"q": "Haile\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["q"]


def test_json_nested_too_deeply_is_a_400_not_a_500(family_setup, as_user):
    client = as_user(family_setup["worker"])
    body = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/families/search", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


# --- #13: no caching of family data ------------------------------------------------


def test_pages_and_api_answers_are_not_stored(family_setup, as_user):
    client = as_user(family_setup["worker"])
    family = family_setup["family"]
    for url in (
        reverse("families:overview", args=[family.pk]),
        f"/api/v1/families/{family.pk}",
        "/api/v1/families",
        f"/api/v1/families/{family.pk + 1000}",  # a 404 too
    ):
        response = client.get(url)
        assert response["Cache-Control"] == "no-store, private", url


def test_static_files_may_be_cached(client):
    response = client.get("/static/rits/css/rits.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- #10: logging out ----------------------------------------------------------------


def test_logging_out_posts_and_lands_on_the_login_page_with_a_message(family_setup, as_user):
    client = as_user(family_setup["worker"])
    page = client.get(reverse("families:my-families"))
    assert f'action="{reverse("core:logout")}"'.encode() in page.content
    with translation.override("en"):
        response = client.post(reverse("core:logout"), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("core:login"), 302)]
    assert "You have been logged out." in [str(m) for m in response.context["messages"]]
    overview = client.get(reverse("families:overview", args=[family_setup["family"].pk]))
    assert overview.status_code == 302  # logged out: to the login page


def test_a_get_of_logout_only_asks_to_confirm(family_setup, as_user):
    client = as_user(family_setup["worker"])
    response = client.get(reverse("core:logout"))
    assert response.status_code == 200
    assert b'method="post"' in response.content
    # still logged in
    assert client.get(reverse("families:my-families")).status_code == 200


def test_logout_without_a_session_is_harmless(client):
    assert client.get(reverse("core:logout")).status_code == 200
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("core:login")


# --- #12: a new session id at the second factor ---------------------------------------


def test_the_session_id_changes_when_the_second_factor_is_passed(client, family_setup):
    user = family_setup["coordinator"].user
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.post(reverse("core:login"), {"username": user.email, "password": factories.PASSWORD})
    before = client.cookies["sessionid"].value
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        response = client.post(reverse("core:login-verify"), {"token": current_code(device)})
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    # the old id opens nothing
    client.cookies["sessionid"] = before
    assert client.get(reverse("families:my-families")).status_code == 302


def test_the_session_id_changes_when_an_authenticator_is_enrolled(client, family_setup):
    user = family_setup["coordinator"].user
    client.post(reverse("core:login"), {"username": user.email, "password": factories.PASSWORD})
    client.get(reverse("core:login-setup"))
    before = client.cookies["sessionid"].value
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("core:login-setup"), {"token": current_code(device)})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before


# --- #15: no BSN echoed ------------------------------------------------------------


def test_the_language_switch_does_not_carry_a_bsn_in_its_next_url(family_setup, as_user):
    client = as_user(family_setup["worker"])
    bsn = factories.valid_bsn(1)
    page = client.get(reverse("families:my-families") + f"?q={bsn}")
    assert page.status_code == 200
    assert bsn.encode() not in page.content
    assert _language_next(page) == reverse("families:my-families")
    page = client.get(reverse("families:my-families") + "?q=Haile")
    assert _language_next(page) == reverse("families:my-families") + "?q=Haile"


def _language_next(page) -> str:
    found = re.search(r'<input name="next" type="hidden" value="([^"]*)">', page.content.decode())
    return found.group(1) if found else ""


def test_a_member_form_shown_again_does_not_echo_the_bsn(family_setup, as_user):
    client = as_user(family_setup["coordinator"])
    bsn = factories.valid_bsn(7)
    response = client.post(
        reverse("families:add-member", args=[family_setup["family"].pk]),
        {"role": "child", "surname": "", "given_names": "Noah", "bsn": bsn},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200  # the surname is missing
    assert bsn.encode() not in response.content
    assert b"id_bsn_retype" in response.content
    assert not Person.objects.filter(given_names="Noah").exists()


def test_a_search_with_a_bsn_does_not_echo_it(family_setup, as_user):
    client = as_user(family_setup["worker"])
    bsn = factories.valid_bsn(1)
    response = client.post(reverse("families:my-families"), {"q": f"Haile {bsn}"})
    assert response.status_code == 200
    assert bsn.encode() not in response.content
    too_long = client.post(reverse("families:my-families"), {"q": f"{bsn} " + "x" * 120})
    assert bsn.encode() not in too_long.content


def test_the_emergency_access_form_does_not_echo_the_bsn(family_setup, as_user):
    client = as_user(family_setup["outsider"])
    bsn = factories.valid_bsn(1)
    response = client.post(reverse("access:emergency-access"), {"bsn": bsn, "reason": "too short"})
    assert response.status_code == 200  # the reason is too short
    assert bsn.encode() not in response.content


def test_a_bad_text_under_a_bsn_key_does_not_name_the_bsn(family_setup, as_user):
    client = as_user(family_setup["worker"])
    bsn = factories.valid_bsn(1)
    body = json.dumps({"q": "Haile", bsn: {"x": "a\x00"}})
    response = client.post("/api/v1/families/search", body, content_type="application/json")
    assert response.status_code == 400
    assert bsn not in response.content.decode()
