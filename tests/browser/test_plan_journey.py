"""The coordinator of the demo's first family builds the family's plan in the browser,
from the overview that shows nobody has looked at finances, to the family's agreement with
version 1, a change that starts version 2, and the comparison of both. Every page is
checked with axe on the way."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from rits.demo.services import build_demo_region
from rits.families.models import Family, Membership, NetworkMember
from rits.organisations.models import Professional
from rits.plans.models import Agreement, PlanVersion


@pytest.fixture
def demo_1(transactional_db):
    build_demo_region(families=3)
    family = Family.objects.get(reference="DEMO-1")
    return {
        "family": family,
        "coordinator": Professional.objects.get(user__email="coordinator@demo.rits.nl"),
        "ambulant": Professional.objects.get(user__email="ambulant@demo.rits.nl"),
        "mother": Membership.objects.get(family=family, role="parent").person,
        "friend": NetworkMember.objects.get(family=family, name="Almaz Gebremedhin"),
    }


def _save(page) -> None:
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _choose(page, name: str, value: str) -> None:
    """Pick a value, whether the form offers it as a list or as radio buttons."""
    if page.locator(f"select[name={name}]").count():
        page.locator(f"select[name={name}]").select_option(value)
    else:
        page.locator(f'input[name="{name}"][value="{value}"]').check()


def _finances_row(page):
    return page.locator("tr", has=page.locator('a[href$="#domain-finances"]'))


def test_the_coordinator_builds_demo_1s_plan(page, demo_1, log_in_as, assert_accessible):
    family, mother = demo_1["family"], demo_1["mother"]
    in_a_month = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    plan_path = f"/families/{family.pk}/plan/"
    log_in_as(demo_1["coordinator"])

    # The overview: finances has not been looked at by anyone.
    page.goto(f"/families/{family.pk}/")
    assert_accessible(page, "the family overview with its plan summary")
    expect(_finances_row(page)).to_contain_text("niet naar gekeken")

    page.locator(f'main a[href="{plan_path}"]').first.click()
    page.wait_for_load_state()
    assert_accessible(page, "the plan")

    # Assess finances from the plan's own "Assess" link.
    page.locator(f'a[href="{plan_path}assess/?domain=finances"]').click()
    page.wait_for_load_state()
    expect(page.locator("#id_domain")).to_have_value("finances")
    assert_accessible(page, "the assessment form")
    page.locator("#id_person").select_option(str(mother.pk))
    page.locator('input[name="score"][value="2"]').check()
    page.locator("#id_explanation").fill("Twee maanden huurachterstand; post blijft ongeopend.")
    _save(page)
    assert page.url.endswith(f"{plan_path}#domain-finances")
    expect(page.locator("#domain-finances")).to_contain_text("Twee maanden huurachterstand")

    page.goto(f"/families/{family.pk}/")
    expect(_finances_row(page)).not_to_contain_text("niet naar gekeken")

    # Worries and strengths, and the safety scale from three perspectives.
    for kind, text in [
        ("harm", "Yonas kwam de afgelopen weken vaak niet op school."),
        ("working_well", "Saba brengt Yonas liefdevol naar bed en leest hem voor."),
        ("safety_goal", "Yonas gaat elke ochtend op tijd en met ontbijt naar school."),
    ]:
        page.goto(f"{plan_path}safety/new/?kind={kind}")
        if kind == "harm":
            assert_accessible(page, "the safety mapping form")
        page.locator("#id_text").fill(text)
        _save(page)
    for perspective, who, score in [
        ("family", "Saba (moeder)", "7"),
        ("professional", "Gezinsregisseur", "4"),
        ("network", "Almaz (vriendin)", "6"),
    ]:
        page.goto(f"{plan_path}safety/score/")
        if perspective == "family":
            assert_accessible(page, "the safety score form")
        page.locator(f'input[name="perspective"][value="{perspective}"]').check()
        page.locator("#id_name").fill(who)
        _choose(page, "score", score)
        _save(page)
    expect(page.locator("#safety")).to_contain_text("Almaz (vriendin)")

    # A goal in the mother's own words.
    page.goto(f"{plan_path}goals/new/")
    assert_accessible(page, "the goal form")
    page.locator("#id_text").fill("Ik wil dat Yonas elke dag naar school gaat en dat ik rust heb.")
    page.locator("#id_said_by").fill("Saba (moeder)")
    page.locator('input[name="domains"][value="work_education"]').check()
    page.locator('input[name="domains"][value="domestic_relations"]').check()
    _save(page)
    expect(page.locator("#goals")).to_contain_text("Ik wil dat Yonas elke dag naar school gaat")

    # Agreements for a professional, the mother and a network member.
    goal_link = page.locator('#goals a[href*="agreements/new/?goal="]').first
    goal_href = goal_link.get_attribute("href")
    for owner, action, domains in [
        (
            f"professional:{demo_1['ambulant'].pk}",
            "Ochtendritme oefenen met Saba",
            ["daily_living"],
        ),
        (f"person:{mother.pk}", "Wekker zetten om zeven uur", ["work_education"]),
        (f"network:{demo_1['friend'].pk}", "Gaat mee naar de huisarts", ["physical_health"]),
    ]:
        page.goto(goal_href)
        if owner.startswith("professional"):
            assert_accessible(page, "the agreement form")
        page.locator("#id_action").fill(action)
        page.locator("#id_owner").select_option(owner)
        page.locator("#id_due_date").fill(in_a_month)
        for domain in domains:
            page.locator(f'input[name="domains"][value="{domain}"]').check()
        _save(page)
        expect(page.locator("#agreements, #goals").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Gaat mee naar de huisarts")

    # The crisis plan with the 24/7 trusted person.
    page.goto(f"{plan_path}crisis/new/")
    assert_accessible(page, "the crisis contact form")
    page.locator("#id_name").fill("Almaz Gebremedhin")
    page.locator("#id_relation").fill("vriendin uit de kerk")
    page.locator("#id_phone").fill("06-41827390")
    page.locator("#id_availability").fill("dag en nacht")
    page.locator("#id_is_trusted_person").check()
    _save(page)
    expect(page.locator("#crisis")).to_contain_text("Almaz Gebremedhin")

    # The family agrees with version 1.
    page.locator(f'a[href="{plan_path}versions/1/agree/"]').click()
    page.wait_for_load_state()
    assert_accessible(page, "the form for the family's agreement")
    page.locator(f'input[name="members"][value="{mother.full_name}"]').check()
    _choose(page, "method", "signed_on_paper")
    page.locator("#id_interpreter_language").fill("ti")
    _save(page)
    assert page.url.endswith("#versions")
    assert PlanVersion.objects.get(plan__family=family, number=1).is_agreed

    # A change after that starts version 2.
    # the one made above (the demo's plan has one of the mother's already)
    agreement = Agreement.objects.filter(plan__family=family, owner_person=mother).latest("pk")
    page.goto(f"{plan_path}agreements/{agreement.pk}/")
    assert_accessible(page, "the form to change an agreement")
    page.locator("#id_status").select_option("done")
    page.locator("#id_status_note").fill("Lukt nu elke dag")
    _save(page)
    assert sorted(
        PlanVersion.objects.filter(plan__family=family).values_list("number", flat=True)
    ) == [1, 2]

    # Compare both versions.
    page.goto(plan_path)
    page.locator('select[name="older"]').select_option("1")
    page.locator('select[name="newer"]').select_option("2")
    page.locator("form.rits-compare-form button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"/compare/\?older=1&newer=2", page.url)
    assert_accessible(page, "the comparison of versions 1 and 2")
    expect(page.locator("main")).to_contain_text("Lukt nu elke dag")
    expect(page.locator("main")).to_contain_text("Wekker zetten om zeven uur")
