"""``Model.objects.visible_to(grant)`` for the plans models: through the plan to its
family, never another family's rows (issue 10)."""

import pytest

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
from rits.plans.tests import factories as plan_factories
from tests import factories

pytestmark = pytest.mark.django_db

PARTS = [Assessment, SafetyItem, SafetyScore, Goal, Agreement, CrisisContact, PlanVersion]


def fill(family):
    plan = plan_factories.PlanFactory(family=family)
    plan_factories.AssessmentFactory(plan=plan)
    plan_factories.SafetyItemFactory(plan=plan)
    plan_factories.SafetyScoreFactory(plan=plan)
    goal = plan_factories.GoalFactory(plan=plan)
    owner = factories.NetworkMemberFactory(family=family)
    plan_factories.AgreementFactory(plan=plan, goal=goal, owner_network=owner)
    plan_factories.CrisisContactFactory(plan=plan)
    plan_factories.PlanVersionFactory(plan=plan)
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
