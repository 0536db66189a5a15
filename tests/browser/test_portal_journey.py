"""DEMO-1 in the family portal (issue 13): Saba logs in with the test DigiD, switches the
portal to Tigrinya and back, reads her plan and who is involved, and sees that the
ambulant worker looked at the file yesterday; she writes a goal in her own words, marks
her agreement done and agrees with the current version online, and her coordinator sees
all of it. Her friend Almaz comes in by the coordinator's invitation and sees only her own
agreement and the crisis plan. Every portal page is checked with axe at 390 px and at
desktop width, in Dutch and in Arabic (right to left)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rits.access.rules import grant_for
from rits.demo.generator import DEMO_1_MOTHER_BSN
from rits.demo.services import build_demo_region
from rits.families.models import Family, NetworkMember
from rits.families.selectors import family_overview
from rits.organisations.models import Professional
from rits.portal import services as portal

FRIEND_AGREEMENT = "brieven van de week lezen en vertalen"
GOAL = "Ik wil dat Yonas elke dag op tijd op school is."
HER_AGREEMENT = "Elke avond de ochtendplanning met plaatjes klaarleggen."
HER_GOAL = "Dat ik zelf de brieven van de woningcorporatie kan lezen."


@pytest.fixture
def demo_1(transactional_db):
    build_demo_region(families=3)
    family = Family.objects.get(reference="DEMO-1")
    return {
        "family": family,
        "coordinator": Professional.objects.get(user__email="coordinator@demo.rits.nl"),
        "ambulant": Professional.objects.get(user__email="ambulant@demo.rits.nl"),
        "friend": NetworkMember.objects.get(family=family, name="Almaz Gebremedhin"),
    }


def _pages(family_id: int) -> dict[str, str]:
    return {
        "our plan": reverse("portal:plan", args=[family_id]),
        "coming up": reverse("portal:coming-up", args=[family_id]),
        "who helps us": reverse("portal:involved", args=[family_id]),
        "who looked at our file": reverse("portal:who-looked", args=[family_id]),
    }


def _switch(page, language: str) -> None:
    page.locator(f'form.rits-language button[value="{language}"]').click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_saba_and_her_friend_in_the_portal(
    page, demo_1, check_page, chromium, live_server, log_in_as
):
    family, ambulant = demo_1["family"], demo_1["ambulant"]
    # Yesterday the ambulant worker looked at the family's file.
    yesterday = timezone.localtime() - timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        family_overview(user=ambulant.user, family_id=family.pk)

    # Saba logs in with the test DigiD and her test BSN.
    page.goto(reverse("portal:home"))
    check_page(page, "the portal's login")
    page.locator("main a.utrecht-button-link").click()
    page.locator("#authentication_type_account_basis").click()
    page.locator("input[name=auth_bsn]").fill(DEMO_1_MOTHER_BSN)
    page.locator("#submit-button").click()
    expect(page).to_have_url(re.compile(r"/mijn/$"))
    expect(page.locator("h1")).to_contain_text("Saba")
    check_page(page, "the portal's start page")

    # Tigrinya and back to Dutch.
    _switch(page, "ti")
    check_page(page, "the start page in Tigrinya")
    _switch(page, "nl")

    pages = _pages(family.pk)
    for what, path in pages.items():
        page.goto(path)
        check_page(page, what)
    page.goto(pages["our plan"])
    expect(page.locator("main")).to_contain_text(GOAL)
    expect(page.locator("main")).to_contain_text(FRIEND_AGREEMENT)
    page.goto(pages["who helps us"])
    expect(page.locator("main")).to_contain_text(ambulant.organisation.name)
    page.goto(pages["who looked at our file"])
    looked = page.locator("main li", has_text=ambulant.name)
    expect(looked.first).to_contain_text(yesterday.strftime("%d-%m-%Y"))

    # She writes a goal in her own words, marks her agreement done, agrees online.
    page.goto(pages["our plan"])
    page.locator("#add-goal textarea[name=text]").fill(HER_GOAL)
    page.locator("#add-goal button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(HER_GOAL)
    check_page(page, "the plan after writing a goal")
    mine = page.locator("li.rits-portal-agreement", has_text=HER_AGREEMENT)
    mine.locator("form[action$='/gedaan/'] button[type=submit]").click()
    page.wait_for_load_state()
    mine = page.locator("li.rits-portal-agreement", has_text=HER_AGREEMENT)
    expect(mine).to_contain_text("Gedaan")
    page.locator("#agree button[type=submit]").click()
    page.wait_for_load_state()
    check_page(page, "the plan after agreeing online")
    expect(page.locator("main")).to_contain_text("ging ermee akkoord op")

    # The family's own network: the list, and one of them to change.
    page.goto(reverse("portal:network", args=[family.pk]))
    check_page(page, "our network")
    expect(page.locator("main")).to_contain_text("Almaz Gebremedhin")
    page.goto(reverse("portal:network-member", args=[family.pk, demo_1["friend"].pk]))
    check_page(page, "someone of our network")

    # The same pages in Arabic, right to left.
    _switch(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    for what, path in pages.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        check_page(page, f"{what} in Arabic")
    _switch(page, "nl")

    # Her coordinator sees it: a mark on "my families", the goal as the family's, and the
    # version agreed online via DigiD.
    coordinator_page = chromium.new_context(base_url=live_server.url, locale="nl-NL").new_page()
    log_in_as(demo_1["coordinator"], on=coordinator_page)
    coordinator_page.goto(reverse("families:my-families"))
    row = coordinator_page.locator("tr", has_text=family.name)
    expect(row).to_contain_text("nieuw van het gezin")
    coordinator_page.goto(reverse("plans:plan", args=[family.pk]))
    expect(coordinator_page.locator("main")).to_contain_text(HER_GOAL)
    expect(coordinator_page.locator("main")).to_contain_text("door het gezin")
    expect(coordinator_page.locator("main")).to_contain_text("akkoord gegeven via DigiD")
    coordinator_page.context.close()

    # Her friend Almaz, invited by the coordinator, sees only what she is part of.
    coordinator = demo_1["coordinator"].user
    portal.invite_network_member(
        user=coordinator, grant=grant_for(coordinator, family.pk), network_member=demo_1["friend"]
    )
    link = re.search(r"https?://\S+/mijn/uitnodiging/\S+/", mail.outbox[-1].body).group(0)
    friend = chromium.new_context(base_url=live_server.url, locale="nl-NL").new_page()
    friend.goto(urlsplit(link).path)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    friend.locator("#id_code").fill(code)
    friend.locator("button[value=code]").click()
    expect(friend.locator("h1")).to_contain_text("Almaz")
    check_page(friend, "the friend's start page")
    friend.goto(pages["our plan"])
    check_page(friend, "the friend's plan page")
    main = friend.locator("main")
    expect(main).to_contain_text(FRIEND_AGREEMENT)
    expect(main).to_contain_text("Almaz Gebremedhin")  # the crisis plan's trusted person
    expect(main).not_to_contain_text(GOAL)
    assert friend.goto(pages["who helps us"]).status == 404
    friend.context.close()
