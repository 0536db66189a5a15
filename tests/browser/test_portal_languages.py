"""The family portal in the browser (issue 13): the mother switches to Tigrinya, finds it
again after a reload, and goes back to Dutch; in Arabic the page reads right to left, the
phone number keeps its order and the family's own words their direction, and both pages
pass axe at 390 px and at desktop width."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from rits.plans import services as plan_services
from rits.plans.tests.factories import add_goal, change
from rits.portal.tests.factories import CitizenAccountFactory


@pytest.fixture
def mother_in_portal(haile, page, live_server):
    """Selam's plan with a goal in her words and a crisis contact; the browser logged in
    as Selam, in Dutch. Returns the URL of her plan."""
    add_goal(haile, "Dat Yonas veilig thuis kan blijven wonen", ["domestic_relations"])
    change(
        haile,
        "coordinator",
        plan_services.add_crisis_contact,
        name="Hiwet",
        relation="vriendin",
        phone="06 1111 2222",
        is_trusted_person=True,
    )
    client = Client()
    client.force_login(CitizenAccountFactory(person=haile["mother"]).user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return reverse("portal:plan", kwargs={"family_id": haile["family"].pk})


def _switch_to(page, name: str) -> None:
    page.locator(".rits-portal-header .rits-language button", has_text=name).click()
    page.wait_for_load_state()


def test_the_mother_switches_to_tigrinya_and_back(page, mother_in_portal, check_page):
    page.goto(mother_in_portal)
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    _switch_to(page, "ትግርኛ")

    expect(page.locator("html")).to_have_attribute("lang", "ti")
    expect(page.locator("h1")).to_have_text("መደብና")
    assert page.url.endswith(mother_in_portal)
    check_page(page, "the plan in Tigrinya")
    page.reload()
    expect(page.locator("h1")).to_have_text("መደብና")  # remembered

    _switch_to(page, "Nederlands")

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("h1")).to_have_text("Ons plan")


def test_the_arabic_page_reads_right_to_left(page, mother_in_portal, check_page):
    page.goto(mother_in_portal)

    _switch_to(page, "العربيّة")

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    logo = page.locator(".rits-logo").bounding_box()
    switch = page.locator(".rits-portal-header .rits-language").bounding_box()
    assert logo["x"] > switch["x"], "the portal's name starts the header on the right"
    phone = page.locator('a[href^="tel:"]')
    assert phone.evaluate("a => getComputedStyle(a).direction") == "ltr"
    expect(phone).to_have_text("06 1111 2222")
    # the family's own words keep their own direction (here Dutch, left to right)
    goal = page.locator("q", has_text="Dat Yonas veilig thuis")
    assert goal.evaluate("q => getComputedStyle(q).direction") == "ltr"
    check_page(page, "the plan in Arabic")
