"""The plan as a PDF for the family: what each reader's copy holds, in Dutch or English."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from rits.audit.models import AuditEvent
from rits.families.models import Involvement
from rits.plans import pdf, services
from rits.plans.services import AgreementData
from rits.plans.tests import factories as plan_factories

pytestmark = pytest.mark.django_db

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)
REVIEW = timezone.localdate() + datetime.timedelta(days=90)

HOUSING_GOAL = "We willen in ons huis blijven wonen."
SLEEP_GOAL = "Ik wil weer goed slapen."
HOUSING_EXPLANATION = "De huur is twee maanden achter."
FINANCES_EXPLANATION = "Schulden bij drie schuldeisers."
MENTAL_EXPLANATION = "Moeder slaapt slecht en voelt zich somber."
WORRY = "Yonas was 's nachts alleen thuis."
STRENGTH = "Tante Lemlem komt elke dag langs."
FAMILY_GROUP_PLAN = "Wij regelen samen met de familie de opvang van Yonas."


def fill_plan(setup, *, goal=HOUSING_GOAL, agree=True):
    """Fills the family's plan through the services, as the professionals would."""

    def build(who, service, **kwargs):
        return plan_factories.change(setup, who, service, **kwargs)

    mother, housing, ggz, aunt = setup["mother"], setup["housing"], setup["ggz"], setup["aunt"]
    housing_goal = build(
        "coordinator",
        services.add_goal,
        text=goal,
        said_by="Selam (moeder)",
        domains=["housing", "finances"],
    )
    build(
        "coordinator",
        services.add_goal,
        text=SLEEP_GOAL,
        said_by="Selam (moeder)",
        domains=["mental_health"],
    )

    def agreement(action, owner, domains, goal_id=None):
        data = AgreementData(
            action=action, owner=owner, due_date=NEXT_MONTH, domains=domains, goal_id=goal_id
        )
        build("coordinator", services.add_agreement, data=data)

    agreement(
        "Een betalingsregeling voor de huur maken",
        f"professional:{housing.pk}",
        ["housing"],
        housing_goal.pk,
    )
    agreement("De post samen openmaken", f"person:{mother.pk}", ["finances"], housing_goal.pk)
    agreement("Gesprekken over slapen", f"professional:{ggz.pk}", ["mental_health"])
    # Outside the housing corporation's domains, but it is party to it.
    agreement(
        "Huisbezoek samen met de gezinsregisseur",
        f"professional:{housing.pk}",
        ["domestic_relations"],
    )
    build("coordinator", services.add_safety_item, kind="harm", text=WORRY)
    build("coordinator", services.add_safety_item, kind="working_well", text=STRENGTH)
    build(
        "coordinator",
        services.add_safety_item,
        kind="next_step",
        text="Een oppas regelen voor de avond.",
    )
    build(
        "housing",
        services.assess_domain,
        domain="housing",
        score=2,
        explanation=HOUSING_EXPLANATION,
    )
    build(
        "housing",
        services.assess_domain,
        domain="finances",
        score=3,
        explanation=FINANCES_EXPLANATION,
    )
    build(
        "ggz",
        services.assess_domain,
        domain="mental_health",
        score=2,
        explanation=MENTAL_EXPLANATION,
        person_id=mother.pk,
    )
    build(
        "coordinator",
        services.add_crisis_contact,
        name=aunt.name,
        relation="tante",
        phone="06 11122233",
        availability="dag en nacht",
        is_trusted_person=True,
    )
    build(
        "coordinator",
        services.add_crisis_contact,
        name="Veilig Thuis",
        relation="advies en hulp",
        phone="0800 2000",
    )
    build(
        "coordinator",
        services.update_plan_details,
        review_date=REVIEW,
        family_group_plan_status="accepted",
        family_group_plan_date=timezone.localdate(),
        family_group_plan_text=FAMILY_GROUP_PLAN,
    )
    if agree:
        build(
            "coordinator",
            services.record_family_agreement,
            version_number=1,
            agreed_by="Selam Haile",
            method="signed_on_paper",
        )


def get_pdf(client, family, lang=None):
    url = reverse("plans:pdf", args=[family.pk])
    return client.get(url, {"lang": lang} if lang else {})


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # A table cell or a long line may wrap: compare words, not line breaks.
    return re.sub(r"\s+", " ", text)


def reader_of(response) -> PdfReader:
    return PdfReader(io.BytesIO(response.content))


def test_the_coordinators_copy_holds_the_whole_plan(plan_setup, as_user):
    fill_plan(plan_setup)
    family = plan_setup["family"]
    response = get_pdf(as_user(plan_setup["coordinator"]), family, "en")
    text = text_of(response)
    assert response["Cache-Control"] == "no-store, private"
    assert response["Content-Disposition"] == f'attachment; filename="plan-{family.pk}-v1.pdf"'
    for expected in [
        "Our plan",
        "Gezin Haile",
        "version 1",
        "We agreed with this plan on",
        "Selam Haile",
        HOUSING_GOAL,
        SLEEP_GOAL,
        "Selam (moeder)",
        "Een betalingsregeling voor de huur maken",
        "De post samen openmaken",
        "Gesprekken over slapen",
        "Huisbezoek samen met de gezinsregisseur",
        "Still to do",
        "Lemlem Tesfay",
        "day and night",
        "06 11122233",
        "Veilig Thuis",
        WORRY,
        STRENGTH,
        HOUSING_EXPLANATION,
        FINANCES_EXPLANATION,
        MENTAL_EXPLANATION,
        "Not self-reliant",  # the scale's words, not only the number
        "Not looked at yet:",
        "Work and education",
        FAMILY_GROUP_PLAN,
        "We look at the plan again on",
        plan_setup["coordinator"].name,
        "Page 1 of",
    ]:
        assert expected in text, expected
    # The goal comes first: before the agreements, the contacts and the life domains.
    assert text.index(HOUSING_GOAL) < text.index("Who does what") < text.index(WORRY)
    assert text.index(WORRY) < text.index(HOUSING_EXPLANATION)
    assert "only a part of the plan" not in text


def test_the_housing_corporations_copy_holds_only_its_part(plan_setup, as_user):
    fill_plan(plan_setup)
    text = text_of(get_pdf(as_user(plan_setup["housing"]), plan_setup["family"], "en"))
    for expected in [
        HOUSING_GOAL,
        HOUSING_EXPLANATION,
        FINANCES_EXPLANATION,
        "Een betalingsregeling voor de huur maken",
        "De post samen openmaken",
        "Huisbezoek samen met de gezinsregisseur",  # party to it
        "Lemlem Tesfay",  # the crisis plan is for everyone who helps
        "only a part of the plan",
    ]:
        assert expected in text, expected
    for hidden in [
        MENTAL_EXPLANATION,
        SLEEP_GOAL,
        "Gesprekken over slapen",
        WORRY,
        STRENGTH,
        FAMILY_GROUP_PLAN,
        "Mental health",
    ]:
        assert hidden not in text, hidden


def test_the_copy_is_dutch_by_default_and_english_when_asked(plan_setup, as_user):
    fill_plan(plan_setup)
    client = as_user(plan_setup["coordinator"])
    family = plan_setup["family"]
    for lang, expected in [(None, "nl"), ("nl", "nl"), ("xx", "nl"), ("en", "en")]:
        response = get_pdf(client, family, lang)
        assert response["Content-Language"] == expected
        reader = reader_of(response)
        # The document says which language it is in (screen readers use it), and its title
        # names the family.
        assert reader.trailer["/Root"]["/Lang"] == expected
        assert "Gezin Haile" in reader.metadata.title
        text = text_of(response)
        assert HOUSING_GOAL in text and "Gezin Haile" in text
        with translation.override(expected):
            today = date_format(timezone.localdate(), "j F Y")
        assert today in text  # "3 mei 2026" in Dutch, "3 May 2026" in English
    english = text_of(get_pdf(client, family, "en"))
    for heading in [
        "Our plan",
        "What we want",
        "Who does what, and when",
        "Who we can call",
        "What is going well",
        "What we worry about",
        "What needs to happen",
        "How things are going",
        "When we look at the plan again",
    ]:
        assert heading in english, heading


def test_the_pdf_is_tagged_for_screen_readers(plan_setup, as_user):
    fill_plan(plan_setup)
    reader = reader_of(get_pdf(as_user(plan_setup["coordinator"]), plan_setup["family"]))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]


def test_an_uninvolved_professional_gets_not_found(plan_setup, as_user):
    fill_plan(plan_setup)
    response = get_pdf(as_user(plan_setup["outsider"]), plan_setup["family"])
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(
        object_type="plan.pdf", user_id=plan_setup["outsider"].user_id
    ).exists()


def test_a_missing_family_is_not_found_too(plan_setup, as_user):
    response = as_user(plan_setup["coordinator"]).get(reverse("plans:pdf", args=[999999]))
    assert response.status_code == 404


def test_an_empty_plan_still_makes_a_pdf(plan_setup, as_user):
    family = plan_setup["family"]
    response = get_pdf(as_user(plan_setup["worker"]), family, "en")
    text = text_of(response)
    assert response["Content-Disposition"] == f'attachment; filename="plan-{family.pk}.pdf"'
    assert "Nothing has been agreed yet." in text
    assert "Gezin Haile" in text
    assert "Not looked at yet:" in text
    # Whom the family can ask: its coordinator, also on a copy someone else printed.
    assert f"Your coordinator is {plan_setup['coordinator'].name}" in text


def test_without_a_coordinator_the_copy_says_who_made_it(plan_setup, as_user):
    Involvement.objects.filter(family=plan_setup["family"], is_coordinator=True).update(
        is_coordinator=False
    )
    worker = plan_setup["worker"]
    text = text_of(get_pdf(as_user(worker), plan_setup["family"], "en"))
    assert f"This copy was made by {worker.name} ({worker.organisation.name})" in text
    assert "Your coordinator is" not in text


def test_the_pdf_fetches_nothing():
    # The document brings its own CSS and uses the system fonts: no URL, no file.
    fetcher = pdf._no_fetching_fetcher()
    for url in ["https://example.org/logo.png", "file:///etc/passwd", "data:text/css,x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_markup_in_the_familys_words_is_printed_as_text(plan_setup, as_user):
    fill_plan(plan_setup, goal="<b>bold</b> & <script>x</script> — حيدر", agree=False)
    text = text_of(get_pdf(as_user(plan_setup["coordinator"]), plan_setup["family"], "en"))
    assert "<b>bold</b> & <script>x</script>" in text
    assert "We have not agreed with this version of the plan yet." in text


def test_names_in_any_script_do_not_break_it(plan_setup, as_user):
    # DejaVu Sans has Arabic but neither Ge'ez (Tigrinya) nor this emoji: those print as
    # empty boxes, and the PDF is made all the same.
    family = plan_setup["family"]
    family.name = "Gezin ሃይለ حيدر 🏠"
    family.save()
    fill_plan(plan_setup, goal="ሰላም እንዲሰፍን እንፈልጋለን — نريد أن نبقى في بيتنا", agree=False)
    response = get_pdf(as_user(plan_setup["coordinator"]), family, "en")
    assert response.status_code == 200
    reader = reader_of(response)
    assert len(reader.pages) >= 2
    # The document's title keeps the name as it is written.
    assert reader.metadata.title == "Our plan – Gezin ሃይለ حيدر 🏠"


def test_printing_the_plan_is_audited_as_an_export(plan_setup, as_user):
    fill_plan(plan_setup)
    get_pdf(as_user(plan_setup["housing"]), plan_setup["family"])
    event = AuditEvent.objects.get(object_type="plan.pdf")
    assert event.action == "export"
    assert event.family_id == plan_setup["family"].pk
    assert event.ground == "involvement"
    assert event.detail["domains"] == ["finances", "housing"]
