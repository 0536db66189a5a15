"""A professional logs in with password and authenticator code, finds a family and opens it."""

import base64
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import totp_token


def submit_password(page, user) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_professional_logs_in_with_second_factor_finds_and_opens_a_family(
    page, haile, assert_accessible
):
    coordinator = haile["coordinator"]
    device = TOTPDevice.objects.create(user=coordinator.user, name="telefoon", confirmed=True)

    page.goto("/login/")
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page, "the login page")
    submit_password(page, coordinator.user)

    # A password alone opens nothing: the second step asks for the authenticator code.
    page.wait_for_url(re.compile(r"/login/verify/"))
    assert "Gezin Haile" not in page.content()
    assert_accessible(page, "the second-factor page")
    token = totp_token(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.locator("#id_token").fill(token)
    page.locator("main form button[type=submit]").click()

    # My families: both of the coordinator's families are listed.
    page.wait_for_url(lambda url: "/login/" not in url)
    family_list = page.locator("#family-list")
    expect(family_list.get_by_role("link", name="Gezin Haile")).to_be_visible()
    expect(family_list.get_by_role("link", name="Gezin Bakker")).to_be_visible()
    assert_accessible(page, "My families")

    # Searching narrows the list in place (htmx): the page itself is not reloaded.
    page.evaluate("window.__notReloaded = true")
    search = page.get_by_role("searchbox")
    expect(search).to_have_accessible_name(re.compile(r"\S"))
    search.fill("Haile")
    expect(family_list.get_by_role("link", name="Gezin Bakker")).to_have_count(0)
    expect(family_list.get_by_role("link", name="Gezin Haile")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert_accessible(page, "My families after searching")

    family_list.get_by_role("link", name="Gezin Haile").click()
    page.wait_for_url(re.compile(rf"/families/{haile['family'].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gezin Haile")
    members = page.locator("section", has=page.locator("#members-heading"))
    expect(members).to_contain_text("Selam Haile")
    expect(members).to_contain_text("Yonas Haile")
    coordinator_card = page.locator("section", has=page.locator("#coordinator-heading"))
    expect(coordinator_card).to_contain_text("Noor de Wit")
    expect(coordinator_card).to_contain_text("Buurtteam Kanaleneiland")
    involvements = page.locator("section", has=page.locator("#involvements-heading"))
    expect(involvements).to_contain_text("Gezinsregisseur")
    expect(involvements).to_contain_text("Ambulante gezinsbegeleiding")
    expect(involvements).to_contain_text("Gezinsbegeleiding Midden")
    expect(page.locator("section", has=page.locator("#network-heading"))).to_contain_text(
        "Oom Tesfay"
    )
    assert_accessible(page, "the family overview")


def test_first_login_links_an_authenticator_app(page, haile, assert_accessible):
    worker = haile["worker"]
    assert not TOTPDevice.objects.filter(user=worker.user).exists()

    submit_password(page, worker.user)
    page.wait_for_url(re.compile(r"/login/setup/"))
    expect(page.locator(".rits-qr svg")).to_be_visible()
    assert_accessible(page, "the second-factor set-up page")

    # Type the key shown under the QR code into "the authenticator app".
    shown_key = page.locator("main code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", shown_key), shown_key
    device = TOTPDevice.objects.get(user=worker.user, confirmed=False)
    assert base64.b32decode(shown_key) == device.bin_key
    page.locator("#id_token").fill(totp_token(base64.b32decode(shown_key)))
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.locator("#family-list").get_by_role("link", name="Gezin Haile")).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed
