"""``Model.objects.visible_to(grant)`` for the families models: one family's grant never
returns another family's rows (issue 10)."""

import pytest
from django.utils import timezone

from rits.access.rules import grant_for
from rits.families.models import (
    FamilyEvent,
    Involvement,
    Membership,
    NetworkMember,
    PossibleDuplicate,
)
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [Membership, Involvement, NetworkMember, FamilyEvent, PossibleDuplicate]


def fill(family, coordinator=None):
    """One row of each families model for ``family``."""
    member = factories.MembershipFactory(family=family)
    factories.InvolvementFactory(
        family=family, professional=coordinator or factories.ProfessionalFactory(), domains=[]
    )
    factories.NetworkMemberFactory(family=family, for_person=member.person)
    FamilyEvent.objects.create(
        family=family,
        occurred_at=timezone.now(),
        code="legacy.text",
        params={"text": "x"},
        domain="",
    )
    PossibleDuplicate.objects.create(
        existing_person=factories.PersonFactory(),
        new_person=member.person,
        family=family,
        raised_at=timezone.now(),
    )


def test_visible_to_never_returns_another_familys_rows(family_setup):
    family, coordinator = family_setup["family"], family_setup["coordinator"]
    fill(family, coordinator)
    fill(factories.FamilyFactory())
    grant = grant_for(coordinator.user, family.pk)
    for model in MODELS:
        mine = model.objects.visible_to(grant)
        assert mine.exists(), model
        assert set(mine.values_list("family_id", flat=True)) == {family.pk}, model
        others = model._default_manager.exclude(family=family)
        assert others.exists(), model  # there is something to leave out


def test_visible_to_keeps_the_grants_domains_on_the_timeline(family_setup):
    family = family_setup["family"]
    for domain in ("", "domestic_relations", "mental_health"):
        FamilyEvent.objects.create(
            family=family,
            occurred_at=timezone.now(),
            code="legacy.text",
            params={"text": domain},
            domain=domain,
        )
    worker = grant_for(family_setup["worker"].user, family.pk)  # domestic_relations only
    shown = set(FamilyEvent.objects.visible_to(worker).values_list("domain", flat=True))
    assert shown == {"", "domestic_relations"}
    coordinator = grant_for(family_setup["coordinator"].user, family.pk)
    shown = set(FamilyEvent.objects.visible_to(coordinator).values_list("domain", flat=True))
    assert shown == {"", "domestic_relations", "mental_health"}
