from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def coordinator(family_setup):
    return family_setup["coordinator"]


def log_in(client, user, password=factories.PASSWORD):
    return client.post(reverse("core:login"), {"username": user.email, "password": password})


def test_password_alone_does_not_open_family_pages(client, coordinator, family_setup):
    TOTPDevice.objects.create(user=coordinator.user, name="app", confirmed=True)
    assert log_in(client, coordinator.user).status_code == 302
    response = client.get(reverse("families:overview", args=[family_setup["family"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login-verify"))
    assert client.get(f"/api/v1/families/{family_setup['family'].pk}").status_code in (401, 403)


def test_totp_code_completes_login(client, coordinator, family_setup):
    device = TOTPDevice.objects.create(user=coordinator.user, name="app", confirmed=True)
    log_in(client, coordinator.user)
    wrong = client.post(
        reverse("core:login-verify"),
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert b"Deze code klopt niet" in wrong.content
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        response = client.post(reverse("core:login-verify"), {"token": current_code(device)})
    assert response.status_code == 302
    assert (
        client.get(reverse("families:overview", args=[family_setup["family"].pk])).status_code
        == 200
    )


def test_first_login_enrols_an_authenticator(client, coordinator):
    log_in(client, coordinator.user)
    page = client.get(reverse("core:login-verify"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("core:login-setup")
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=coordinator.user)
    assert not device.confirmed
    response = client.post(reverse("core:login-setup"), {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_demo_login_skips_second_factor_only_in_demo_mode(
    client, coordinator, family_setup, settings
):
    user = coordinator.user
    user.is_demo = True
    user.save()
    url = reverse("families:overview", args=[family_setup["family"].pk])
    log_in(client, user)
    assert client.get(url).status_code == 302  # demo user, but not in demo mode
    settings.DEMO_MODE = True
    assert client.get(url).status_code == 200


def test_login_is_throttled_after_failed_attempts(client, coordinator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, coordinator.user, password="wrong password")
    response = log_in(client, coordinator.user)  # even the right password is refused now
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("active", [True, False])
def test_a_failed_login_says_plainly_what_to_do_and_not_which_part_was_wrong(
    client, coordinator, active
):
    """Django's default speaks of a "username" and of letter case; ours says the address or
    the password is not right, the same for a wrong password and for a deactivated login."""
    coordinator.user.is_active = active
    coordinator.user.save()
    response = client.post(
        reverse("core:login"),
        {"username": coordinator.user.email, "password": "not-the-password"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Het e-mailadres of het wachtwoord klopt niet." in page
    assert "gebruikersnaam" not in page.lower()
    assert "inactief" not in page.lower()
