"""Plans for the tests, built in one of two ways.

- Through the plan's services (``change`` and the helpers on it), with the professional's
  own grant and the plan's current revision, the way the pages and the API write: each
  change makes its version, its timeline entry and its audit event. Fixtures build plans
  this way and leave the pages and the API to the act under test, which is also much
  faster than a logged-in client per step.
- As bare rows (the model factories), for tests of querysets (``visible_to``) and of rules
  that only read a plan. Nothing else is written: no version, no timeline, no audit.

``setup`` is the dictionary of ``family_setup`` or ``plan_setup``: the family under
``"family"`` and the professionals under their names (``who``)."""

import datetime

import factory
from django.utils import timezone

from rits.access.rules import grant_for
from rits.plans import services
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

# --- through the services ------------------------------------------------------------


def current_revision(family) -> int:
    """The revision an editor's next change must name (0 before the plan exists)."""
    plan = Plan.objects.filter(family=family).first()
    return plan.revision if plan else 0


def change(setup, who, service, *, revision=None, **kwargs):
    """Call ``service`` as ``setup[who]``: their grant, and the current revision unless
    ``revision`` names another (to test a conflict)."""
    professional, family = setup[who], setup["family"]
    return service(
        user=professional.user,
        grant=grant_for(professional.user, family.pk),
        revision=current_revision(family) if revision is None else revision,
        **kwargs,
    )


def assess(
    setup,
    domain,
    score,
    explanation="Huurachterstand van twee maanden.",
    *,
    person=None,
    who="coordinator",
    revision=None,
):
    return change(
        setup,
        who,
        services.assess_domain,
        revision=revision,
        domain=domain,
        score=score,
        explanation=explanation,
        person_id=person.pk if person else None,
    )


def agree(
    setup,
    action,
    owner,
    domains,
    *,
    who="coordinator",
    goal=None,
    due=None,
    kind="other",
    revision=None,
):
    """An agreement; ``owner`` as the forms name it ("professional:<id>", "person:<id>",
    "network:<id>"), ``goal`` a goal's id, due in a month unless ``due`` says otherwise."""
    return change(
        setup,
        who,
        services.add_agreement,
        revision=revision,
        data=services.AgreementData(
            action=action,
            owner=owner,
            due_date=due or timezone.localdate() + datetime.timedelta(days=30),
            domains=domains,
            kind=kind,
            goal_id=goal,
        ),
    )


def add_goal(setup, text, domains, said_by="Selam (moeder)", *, who="coordinator"):
    return change(setup, who, services.add_goal, text=text, said_by=said_by, domains=domains)


def worry(setup, text, kind="harm", *, who="coordinator"):
    """A safety item; despite the name any kind ("danger", "working_well", "next_step")."""
    return change(setup, who, services.add_safety_item, kind=kind, text=text)


def family_agrees(setup, version_number, *, agreed_by="Selam Haile", **kwargs):
    """The coordinator records that the family agreed with ``version_number``."""
    return change(
        setup,
        "coordinator",
        services.record_family_agreement,
        version_number=version_number,
        agreed_by=agreed_by,
        method=kwargs.pop("method", "signed_on_paper"),
        **kwargs,
    )


# --- bare rows -----------------------------------------------------------------------


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("family",)

    family = factory.SubFactory(factories.FamilyFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    plan = factory.SubFactory(PlanFactory)
    domain = "housing"
    score = 3
    explanation = "x"
    assessed_on = factory.LazyFunction(timezone.localdate)
    assessed_by_name = "x"


class SafetyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyItem

    plan = factory.SubFactory(PlanFactory)
    kind = "harm"
    text = "x"


class SafetyScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyScore

    plan = factory.SubFactory(PlanFactory)
    perspective = "family"
    score = 5
    recorded_on = factory.LazyFunction(timezone.localdate)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    text = "x"
    domains = factory.LazyFunction(lambda: ["housing"])


class AgreementFactory(factory.django.DjangoModelFactory):
    """An agreement row; give it an owner (``owner_professional``, ``owner_person`` or
    ``owner_network``)."""

    class Meta:
        model = Agreement

    plan = factory.SubFactory(PlanFactory)
    action = "x"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    domains = factory.LazyFunction(lambda: ["housing"])


class CrisisContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrisisContact

    plan = factory.SubFactory(PlanFactory)
    name = "x"
    phone = "112"


class PlanVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanVersion

    plan = factory.SubFactory(PlanFactory)
    number = 1
    snapshot = factory.LazyFunction(dict)
