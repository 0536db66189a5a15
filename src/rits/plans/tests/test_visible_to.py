"""``Model.objects.visible_to(grant)`` for the plans models: through the plan to its
family, never another family's rows (issue 10)."""

import pytest
from django.utils import timezone

from rits.access.rules import grant_for
from rits.plans.models import (
    Agreement,
    Assessment,
    CrisisContact,
    Goal,
    Plan,
    PlanVersion,
    SafetyItem,
    SafetyScore,
)
from tests import factories

pytestmark = pytest.mark.django_db

PARTS = [Assessment, SafetyItem, SafetyScore, Goal, Agreement, CrisisContact, PlanVersion]


def fill(family):
    plan = Plan.objects.create(family=family)
    today = timezone.localdate()
    Assessment.objects.create(
        plan=plan,
        domain="housing",
        score=3,
        explanation="x",
        assessed_on=today,
        assessed_by_name="x",
    )
    SafetyItem.objects.create(plan=plan, kind="harm", text="x")
    SafetyScore.objects.create(plan=plan, perspective="family", score=5, recorded_on=today)
    goal = Goal.objects.create(plan=plan, text="x", domains=["housing"])
    owner = factories.NetworkMemberFactory(family=family)
    Agreement.objects.create(
        plan=plan, goal=goal, action="x", due_date=today, domains=["housing"], owner_network=owner
    )
    CrisisContact.objects.create(plan=plan, name="x", phone="112")
    PlanVersion.objects.create(plan=plan, number=1, snapshot={})
    return plan


def test_visible_to_never_returns_another_familys_plan_rows(family_setup):
    family = family_setup["family"]
    plan = fill(family)
    fill(factories.FamilyFactory())
    grant = grant_for(family_setup["coordinator"].user, family.pk)
    assert list(Plan.objects.visible_to(grant)) == [plan]
    for model in PARTS:
        mine = model.objects.visible_to(grant)
        assert mine.exists(), model
        assert set(mine.values_list("plan_id", flat=True)) == {plan.pk}, model
        assert model.objects.exclude(plan=plan).exists(), model
