"""Where a reader does not see some parts of the plan, the page and the family's PDF say
that there are more (never what they say), and never that there are none (issue 11)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from rits.plans import services
from rits.plans.tests import factories as plan_factories
from rits.plans.tests.test_pages import plan_url
from rits.plans.tests.test_pages import text_of as page_text
from rits.plans.tests.test_pdf import SLEEP_GOAL, WORRY, fill_plan, get_pdf
from rits.plans.tests.test_pdf import text_of as pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def browse(as_user):
    def _browse(professional):
        client = as_user(professional)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _browse


def test_the_page_counts_the_goals_and_safety_mapping_the_reader_does_not_see(plan_setup, browse):
    fill_plan(plan_setup)
    family = plan_setup["family"]
    page = page_text(browse(plan_setup["housing"]).get(plan_url(family)))
    assert "There is 1 more goal in life domains you do not work in." in page
    assert SLEEP_GOAL not in page and WORRY not in page
    assert "The plan has a safety mapping." in page
    assert "1 more agreement concerns life domains outside your involvement" in page
    coordinator = page_text(browse(plan_setup["coordinator"]).get(plan_url(family)))
    assert "more goal" not in coordinator and "safety mapping" not in coordinator


def test_no_goals_is_not_said_when_the_reader_only_cannot_see_them(plan_setup, browse, as_user):
    plan_factories.change(
        plan_setup,
        "coordinator",
        services.add_goal,
        text=SLEEP_GOAL,
        said_by="Selam",
        domains=["mental_health"],
    )
    family = plan_setup["family"]
    page = page_text(browse(plan_setup["housing"]).get(plan_url(family)))
    assert "No goals yet" not in page
    assert "There is 1 more goal in life domains you do not work in." in page
    text = pdf_text(get_pdf(as_user(plan_setup["housing"]), family, "en"))
    assert "We have not written down any goals yet." not in text
    assert "Not every goal is in this copy." in text
    assert SLEEP_GOAL not in text
    coordinator = plan_setup["coordinator"]
    assert "only a part of the plan" in text
    assert f"Your coordinator, {coordinator.name}, can give you the whole plan." in text


def test_the_pdf_of_a_partial_reader_says_what_it_leaves_out(plan_setup, as_user):
    fill_plan(plan_setup)
    text = pdf_text(get_pdf(as_user(plan_setup["housing"]), plan_setup["family"], "en"))
    assert "Not every goal is in this copy." in text
    assert "Not every agreement is in this copy." in text
    assert "What is going well and what we worry about is not in this copy." in text
    assert "Not every part of life is in this copy." in text
    assert "Nothing has been agreed yet." not in text
    full = pdf_text(get_pdf(as_user(plan_setup["coordinator"]), plan_setup["family"], "en"))
    assert "in this copy" not in full


def test_without_a_coordinator_the_partial_copy_says_whom_to_ask(plan_setup, as_user):
    from rits.families.models import Involvement

    fill_plan(plan_setup)
    Involvement.objects.filter(family=plan_setup["family"], is_coordinator=True).update(
        is_coordinator=False
    )
    text = pdf_text(get_pdf(as_user(plan_setup["housing"]), plan_setup["family"], "en"))
    assert "Ask the person who made this copy who can give you the whole plan." in text


def test_a_closed_file_shows_the_plan_without_links_to_add_or_change(plan_setup, browse):
    fill_plan(plan_setup)
    family = plan_setup["family"]
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])
    response = browse(plan_setup["coordinator"]).get(plan_url(family))
    body = response.content.decode()
    assert "the plan can be read, not changed" in page_text(response)
    for name in ["add-goal", "add-agreement", "add-safety-item", "add-crisis-contact", "assess"]:
        assert reverse(f"plans:{name}", args=[family.pk]) not in body, name
    assert reverse("plans:details", args=[family.pk]) not in body
    for agreement in family.plan.agreements.all():
        change = reverse("plans:change-agreement", args=[family.pk, agreement.pk])
        assert f'href="{change}"' not in body
    # The history stays a link away.
    goal = family.plan.goals.first()
    assert reverse("plans:goal-history", args=[family.pk, goal.pk]) in body
