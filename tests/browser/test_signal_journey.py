"""The demo's first family: the housing corporation delivers the mother's rent arrears
without a BSN, with her call name and her day and month of birth swapped; the signal is
linked to her by the linkage model, an alert tells the coordinator why, and the
coordinator acknowledges it and turns it into a finance agreement in the plan.
Every page is checked with axe on the way."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from rits.audit.services import Actor
from rits.demo.deliveries import swap_day_and_month
from rits.demo.services import build_demo_region
from rits.demo.stories import DEMO_1_MOTHER_CALL_NAME
from rits.families.models import Family, Membership
from rits.organisations.models import Professional
from rits.plans.models import Agreement
from rits.signals import pipeline
from rits.signals.intake import services
from rits.signals.models import Alert, LinkReview, SignalLink
from rits.worklist.models import WorkItemStatus

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def demo_1(transactional_db, settings):
    settings.TASKS = IMMEDIATE  # as in the demo: the delivery is processed at once
    build_demo_region(families=3, deliver=False)  # this journey is that delivery
    family = Family.objects.get(reference="DEMO-1")
    return {
        "family": family,
        "mother": Membership.objects.get(family=family, role="parent").person,
        "coordinator": Professional.objects.get(user__email="coordinator@demo.rits.nl"),
        "housing": Professional.objects.get(user__email="woningcorporatie@demo.rits.nl"),
    }


def _csv(mother, *, given: str, born: datetime.date, address: str = "3563 TD;41") -> bytes:
    today = datetime.date.today()
    return (
        "reference;signal_type;signal_date;since;amount_eur;crisis;surname;prefix;"
        "given_names;birth_date;postcode;house_number;house_number_suffix;city;note\n"
        f"HUUR-2026-0815;rent_arrears;{today.isoformat()};{(today - datetime.timedelta(days=70)).isoformat()};"
        f"1640,00;nee;{mother.surname};;{given};{born.isoformat()};"
        f"{address};;Utrecht;Twee maanden huur niet betaald\n"
    ).encode()


def _as_the_landlord_knows_her(mother) -> bytes:
    """Her call name (she is registered as Elsabet Saba) and her date of birth with day and
    month swapped, at her address: as the demo's own delivery has her."""
    return _csv(mother, given=DEMO_1_MOTHER_CALL_NAME, born=swap_day_and_month(mother.birth_date))


def test_rent_arrears_reach_the_coordinator_and_become_a_finance_agreement(
    page, demo_1, log_in_as, assert_accessible
):
    family, mother = demo_1["family"], demo_1["mother"]

    # The housing corporation delivers one line, without a BSN.
    log_in_as(demo_1["housing"])
    page.goto("/signals/upload/")
    assert_accessible(page, "the upload page")
    page.locator("#id_file").set_input_files(
        {
            "name": "huurachterstanden.csv",
            "mimeType": "text/csv",
            "buffer": _as_the_landlord_knows_her(mother),
        }
    )
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#batch-progress-bar")).to_have_attribute("value", "100")
    assert_accessible(page, "the delivery's progress")
    # The source sees how its delivery went, never the family.
    expect(page.locator("main")).not_to_contain_text(family.name)
    link = SignalLink.objects.get(family=family, signal__reference="HUUR-2026-0815")
    assert link.person_id == mother.pk and link.method == "probabilistic"

    # The coordinator finds the alert in the inbox, with the reason.
    page.context.clear_cookies()
    log_in_as(demo_1["coordinator"])
    page.goto("/inbox/")
    assert_accessible(page, "the coordinator's inbox")
    alert = Alert.objects.get(family=family, kind="arrears_without_finance_agreement")
    item = page.locator(f"#alert-{alert.pk}")
    expect(item).to_contain_text(family.name)
    with translation.override("nl"):
        expect(item).to_contain_text(alert.reason)

    item.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACKNOWLEDGED

    # … and turns it into a finance agreement in the family's plan.
    page.goto(f"/work-items/{alert.pk}/act/")
    assert_accessible(page, "acting on an alert")
    expect(page.locator("#id_action")).not_to_have_value("")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.ACTED_ON and alert.agreement is not None
    agreement = Agreement.objects.get(pk=alert.agreement_id)
    assert "finances" in agreement.domains and agreement.plan.family_id == family.pk

    page.goto(f"/families/{family.pk}/plan/")
    expect(page.locator(f"#agreement-{agreement.pk}")).to_be_visible()


def test_the_coordinator_decides_a_doubtful_link(page, demo_1, log_in_as, assert_accessible):
    """A signal that looks like the mother but not quite (date of birth with day and month
    swapped, another address) is not linked: her coordinator decides."""
    family, mother = demo_1["family"], demo_1["mother"]
    doubtful = _csv(
        mother,
        given=mother.given_names,
        born=swap_day_and_month(mother.birth_date),
        address="3511 AB;7",
    )
    batch = services.receive_batch(
        source=demo_1["housing"].organisation,
        content=doubtful,
        file_name="twijfel.csv",
        actor=Actor.system("test"),
    )
    pipeline.run_for_batch(batch.pk)
    review = LinkReview.objects.get(family=family, person=mother)
    assert not SignalLink.objects.filter(family=family).exists()

    log_in_as(demo_1["coordinator"])
    page.goto("/signals/review/")
    assert_accessible(page, "the links to review")
    page.locator(f'a[href="/signals/review/{review.pk}/"]').click()
    page.wait_for_load_state()
    assert_accessible(page, "one link to review")
    expect(page.locator("main")).to_contain_text(mother.surname)
    page.locator('button[name="decision"][value="confirm"]').click()
    page.wait_for_load_state()
    review.refresh_from_db()
    assert review.status == "confirmed"
    assert SignalLink.objects.get(family=family).method == "reviewed"
