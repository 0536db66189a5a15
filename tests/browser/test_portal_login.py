"""Citizens log in to the portal (issue 13): a mother with DigiD's mock, a friend from
the network by invitation; every portal page passes axe at 390 px and desktop width.
(The mock DigiD pages are the library's own, marked as a test login, and not checked.)"""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from rits.access.rules import grant_for
from rits.portal import services as portal
from tests import factories


def test_a_mother_logs_in_with_the_mock_digid(page, haile, check_page):
    page.goto(reverse("portal:home"))
    expect(page).to_have_url(re.compile(r"/mijn/inloggen/$"))
    expect(page.locator(".rits-test-login")).to_be_visible()
    check_page(page, "the portal's login")

    page.locator("main a.utrecht-button-link").click()
    page.locator("#authentication_type_account_basis").click()
    page.locator("input[name=auth_bsn]").fill(factories.valid_bsn(1))  # Selam's
    page.locator("#submit-button").click()

    expect(page).to_have_url(re.compile(r"/mijn/$"))
    expect(page.locator("h1")).to_contain_text("Selam")
    check_page(page, "the portal's start page")
    page.goto(reverse("portal:logout"))
    check_page(page, "the portal's log-out page")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mijn/inloggen/"))


def test_nobody_found_gets_a_clear_page(page, haile, check_page):
    page.goto(reverse("portal:login"))
    page.locator("main a.utrecht-button-link").click()
    page.locator("#authentication_type_account_basis").click()
    page.locator("input[name=auth_bsn]").fill(factories.valid_bsn(77))
    page.locator("#submit-button").click()
    expect(page.locator("h1")).to_be_visible()
    check_page(page, "the portal's page for a login it cannot match")


def test_a_friend_logs_in_by_invitation(page, haile, check_page):
    friend = factories.NetworkMemberFactory(
        family=haile["family"], name="Almaz", relation="friend", email="almaz@example.org"
    )
    user = haile["coordinator"].user
    portal.invite_network_member(
        user=user, grant=grant_for(user, haile["family"].pk), network_member=friend
    )
    link = re.search(r"https?://\S+/mijn/uitnodiging/\S+/", mail.outbox[-1].body).group(0)
    page.goto(urlsplit(link).path)
    check_page(page, "the invitation's code page")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.locator("#id_code").fill("000000" if code != "000000" else "111111")
    page.locator("button[value=code]").click()
    check_page(page, "the invitation's code page with a wrong code")
    page.locator("#id_code").fill(code)
    page.locator("button[value=code]").click()
    expect(page).to_have_url(re.compile(r"/mijn/$"))
    expect(page.locator("h1")).to_contain_text("Almaz")

    page.context.clear_cookies()
    page.goto(urlsplit(link).path)
    check_page(page, "a used invitation link")
