"""Citizens log in with DigiD's mock: matched by BSN pseudonym, kept on /mijn/, their
session ending after 15 minutes without a request, never asked for a TOTP code."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.portal.models import CitizenAccount
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def digid_login(client, bsn: str):
    """Walk the mock: the portal's button, the mock DigiD pages, back to the ACS."""
    start = client.get(reverse("digid:login") + "?next=/mijn/")
    assert start.status_code == 302
    choose = client.get(start["Location"])
    assert choose.status_code == 200
    idp = start["Location"].replace(reverse("digid-mock:login"), reverse("digid-mock:bsn"))
    posted = client.post(idp, {"auth_bsn": bsn})
    if posted.status_code != 302:
        return posted
    assert bsn not in posted["Location"], "the BSN must not travel in an address"
    return client.get(posted["Location"])


def test_the_one_person_with_the_bsn_logs_in(client, family_setup):
    bsn = factories.valid_bsn(1)  # the mother's
    response = digid_login(client, bsn)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    account = CitizenAccount.objects.get(person=family_setup["mother"])
    assert bsn not in account.user.username and bsn not in account.user.email
    assert not account.user.has_usable_password()
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert "Selam" in home.content.decode()  # "Welkom, <name>"
    assert AuditEvent.objects.filter(object_type="portal.session", user_id=account.user.pk).exists()

    # Logging in again uses the same account.
    client.post(reverse("portal:logout"))
    digid_login(client, bsn)
    assert CitizenAccount.objects.filter(person=family_setup["mother"]).count() == 1


def test_the_bsn_is_stored_and_logged_nowhere(client, family_setup, caplog):
    bsn = factories.valid_bsn(1)
    digid_login(client, bsn)
    digid_login(client, factories.valid_bsn(77))  # nobody's
    rows = AuditEvent.objects.values_list("detail", "user_display", "object_id")
    assert not any(bsn in str(row) for row in rows)
    assert bsn not in caplog.text and factories.valid_bsn(77) not in caplog.text
    # django-axes keeps the refused attempt (throttling), with the request's query: no BSN.
    from axes.models import AccessAttempt, AccessLog

    kept = [str(row.__dict__) for row in [*AccessAttempt.objects.all(), *AccessLog.objects.all()]]
    assert kept and not any(bsn in row or factories.valid_bsn(77) in row for row in kept)


def test_nobody_with_the_bsn_gets_a_clear_page_and_is_audited(client, family_setup):
    response = digid_login(client, factories.valid_bsn(77))
    assert response.status_code == 403
    text = response.content.decode()
    assert "We kunnen u niet vinden in Rits" in text
    assert factories.valid_bsn(77) not in text
    assert SESSION_KEY not in client.session
    refused = AuditEvent.objects.get(object_type="portal.login")
    assert refused.detail == {"reason": "none"}
    assert not CitizenAccount.objects.exists()


def test_an_invalid_bsn_is_refused(client, family_setup):
    # The mock DigiD page itself refuses a number that fails the 11-proef ...
    response = digid_login(client, "123456789")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    # ... and our backend refuses it too, should it come back from DigiD.
    from rits.portal.services import digid_login as match

    assert match(bsn="123456789") == (None, "invalid")
    assert match(bsn="12345678x") == (None, "invalid")
    assert (
        AuditEvent.objects.filter(object_type="portal.login", detail={"reason": "invalid"}).count()
        == 2
    )


def test_several_people_with_one_pseudonym_cannot_exist():
    # "Several matches" is refused by the service (DigiDRefusal.SEVERAL), but the
    # database already makes it impossible: the pseudonym is unique.
    from rits.families.models import Person

    assert Person._meta.get_field("bsn_pseudonym").unique


def test_a_citizen_is_not_asked_for_a_second_factor_and_stays_on_the_portal(client, family_setup):
    digid_login(client, factories.valid_bsn(1))
    family = family_setup["family"]
    for path in (
        reverse("families:my-families"),
        reverse("families:overview", args=[family.pk]),
        reverse("core:login-verify"),
        "/admin/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("portal:home"), path
    # The professionals' API answers a citizen as if it were not there.
    for path in (f"/api/v1/families/{family.pk}", "/api/v1/families"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/problem+json"), path
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_citizen_session_ends_after_15_minutes_without_a_request(client, family_setup):
    assert settings.PORTAL_SESSION_MINUTES == 15
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        digid_login(client, factories.valid_bsn(1))
        assert client.session.get_expiry_age() == 15 * 60
        traveller.shift(timedelta(minutes=14))
        assert client.get(reverse("portal:home")).status_code == 200
        # Each request starts the period again.
        traveller.shift(timedelta(minutes=14))
        assert client.get(reverse("portal:home")).status_code == 200
        traveller.shift(timedelta(minutes=16))
        response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert SESSION_KEY not in client.session


def test_a_professional_login_does_not_open_the_portal(client, family_setup):
    login_verified(client, family_setup["coordinator"].user)
    assert client.get(reverse("portal:home")).status_code == 404
    # ... and the professional pages still work for them.
    assert client.get(reverse("families:my-families")).status_code == 200


def test_anonymous_visitors_are_sent_to_the_portal_login(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    page = client.get(reverse("portal:login"))
    assert page.status_code == 200
    # The mock is marked as a test login.
    assert "rits-test-login" in page.content.decode()


def test_a_citizen_login_without_the_portal_mark_is_still_kept_to_the_portal(client, family_setup):
    # A citizen's login made some other way (force_login, as tests do) is made a
    # citizen's session at its first request: kept on /mijn/, timed out, no TOTP.
    digid_login(client, factories.valid_bsn(1))
    user = CitizenAccount.objects.get().user
    client.logout()
    client.force_login(user)
    assert client.get(reverse("families:my-families"))["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.session.get_expiry_age() == 15 * 60


def test_an_unverified_professional_is_no_citizen(client, family_setup):
    client.force_login(family_setup["coordinator"].user)  # password only
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"] == reverse("core:login-verify")


def test_logging_out(client, family_setup):
    digid_login(client, factories.valid_bsn(1))
    assert client.get(reverse("portal:logout")).status_code == 200  # asks to confirm
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
