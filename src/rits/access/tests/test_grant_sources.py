"""The grant-sources registry and the grant's scope (issue 10): a new ground is one
registration, and a grant that excludes a person hides what is about them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from rits.access import sources
from rits.access.rules import FamilyNotFound, Ground, grant_for, grants_by_family, visible_families
from rits.access.sources import Claim, register_grant_source
from rits.core.domains import ALL_DOMAINS
from rits.families.models import Family
from rits.families.selectors import family_overview
from rits.plans.models import Assessment
from rits.plans.selectors import plan_page
from rits.plans.tests import factories as plan_factories
from tests import factories

pytestmark = pytest.mark.django_db

SELF = "test_self"


class ParentOfTheFamily:
    """A stand-in for a portal ground: one family, everything but one person."""

    precedence = 5

    def __init__(self, professional, family, hidden_person):
        self.professional, self.family, self.hidden = professional, family, hidden_person

    def family_ids(self, principal, *, today):
        return [self.family.pk] if principal.professional == self.professional else []

    def claims(self, principal, *, today, family_id):
        if principal.professional != self.professional or family_id not in (None, self.family.pk):
            return {}
        family = Family.objects.select_related("municipality").get(pk=self.family.pk)
        claim = Claim(family, SELF, ALL_DOMAINS, excluded_person_ids=frozenset({self.hidden.pk}))
        return {family.pk: claim}


@pytest.fixture
def parent(family_setup, monkeypatch):
    monkeypatch.setattr(sources, "_sources", dict(sources._sources))
    parent = factories.ProfessionalFactory()
    source = ParentOfTheFamily(parent, family_setup["family"], family_setup["child"])
    register_grant_source(SELF, source)
    return parent


def test_the_families_and_access_grounds_are_registered():
    assert sources.registered_grounds() >= {
        Ground.COORDINATOR,
        Ground.INVOLVEMENT,
        Ground.TEAM,
        Ground.EMERGENCY,
    }


def test_a_ground_has_one_source(monkeypatch):
    monkeypatch.setattr(sources, "_sources", dict(sources._sources))
    with pytest.raises(ImproperlyConfigured):
        register_grant_source(Ground.EMERGENCY, ParentOfTheFamily(None, None, None))


def test_a_new_ground_is_one_registration(family_setup, parent):
    family = family_setup["family"]
    assert grant_for(parent.user, family.pk).ground == SELF
    assert list(visible_families(parent.user)) == [family]
    assert set(grants_by_family(parent)) == {family.pk}
    # Nobody else gains anything from it.
    with pytest.raises(FamilyNotFound):
        grant_for(family_setup["outsider"].user, family.pk)


def test_an_excluded_person_is_hidden_from_the_overview_and_the_plan(family_setup, parent):
    family, child, mother = family_setup["family"], family_setup["child"], family_setup["mother"]
    plan = plan_factories.PlanFactory(family=family)
    for person in (child, mother):
        plan_factories.AssessmentFactory(
            plan=plan, person=person, domain="mental_health", score=2, assessed_on="2026-01-05"
        )
    grant = grant_for(parent.user, family.pk)
    assert not grant.sees_person(child.pk) and grant.sees_person(mother.pk)
    assert grant.sees_person(None)  # what is about the whole household

    overview = family_overview(user=parent.user, family_id=family.pk)
    assert {m.person_id for m in overview.members} == {mother.pk}
    page = plan_page(user=parent.user, family_id=family.pk)
    assert {m.person_id for m in page.members} == {mother.pk}
    for row in page.domains:
        assert {s.membership.person_id for s in row.members} == {mother.pk}
    assert set(Assessment.objects.visible_to(grant).values_list("person_id", flat=True)) == {
        mother.pk
    }
    # The coordinator's grant excludes no one.
    coordinator = family_overview(user=family_setup["coordinator"].user, family_id=family.pk)
    assert {m.person_id for m in coordinator.members} == {mother.pk, child.pk}
