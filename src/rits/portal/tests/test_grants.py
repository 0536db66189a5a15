"""The portal's grounds and the Jeugdwet age rules (7.3.4, 7.3.5): who in a family sees
what is about whom."""

import pytest

from rits.access.rules import FamilyNotFound, Ground, citizen_grant_for, citizen_grants, grant_for
from rits.audit.models import AuditEvent
from rits.portal.grants import SENSITIVE_DOMAINS
from rits.portal.tests.factories import CitizenAccountFactory, member
from tests.factories import FamilyFactory, NetworkMemberFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

HEALTH = "mental_health"
HOUSING = "housing"


@pytest.fixture
def family():
    return FamilyFactory()


def login_of(membership):
    return membership.person.citizen_account.user


def test_a_parent_sees_their_childs_parts_under_16_on_the_parent_ground(family):
    mother = member(family, "parent", 38)
    child = member(family, "child", 11)
    youth = member(family, "child", 15)

    grant = citizen_grant_for(login_of(mother), family.pk)

    assert grant.ground == Ground.PARENT_OF_MINOR
    assert grant.professional is None and grant.is_citizen
    for person in (child.person, youth.person):
        assert grant.sees_about(person.pk, HEALTH)
    assert grant.sees_about(None, HEALTH)  # the household's


def test_a_parent_does_not_see_the_sensitive_parts_of_a_child_of_16(family):
    mother = member(family, "parent", 38)
    youth = member(family, "child", 16)

    grant = citizen_grant_for(login_of(mother), family.pk)

    for domain in SENSITIVE_DOMAINS:
        assert not grant.sees_about(youth.person.pk, domain)
    # What is not sensitive (housing, school) stays the family's to see together.
    assert grant.sees_about(youth.person.pk, HOUSING)


def test_the_day_before_the_16th_birthday_the_parent_still_sees(family):
    mother = member(family, "parent", 38)
    youth = member(family, "child", 16, days=-1)

    grant = citizen_grant_for(login_of(mother), family.pk)

    assert grant.sees_about(youth.person.pk, HEALTH)


def test_a_young_person_of_12_to_15_sees_their_own_parts_and_not_a_siblings(family):
    member(family, "parent", 40)
    youth = member(family, "child", 13)
    sibling = member(family, "child", 9)

    grant = citizen_grant_for(login_of(youth), family.pk)

    assert grant.ground == Ground.SELF
    assert grant.sees_about(youth.person.pk, HEALTH)
    assert not grant.sees_about(sibling.person.pk, HEALTH)
    assert grant.sees_about(sibling.person.pk, HOUSING)


def test_a_young_person_of_16_sees_their_own_and_not_their_parents_sensitive_parts(family):
    mother = member(family, "parent", 44)
    youth = member(family, "child", 17)

    grant = citizen_grant_for(login_of(youth), family.pk)

    assert grant.sees_about(youth.person.pk, HEALTH)
    assert not grant.sees_about(mother.person.pk, HEALTH)


def test_a_child_under_12_has_no_portal_of_their_own(family):
    member(family, "parent", 35)
    child = member(family, "child", 11)

    with pytest.raises(FamilyNotFound):
        citizen_grant_for(login_of(child), family.pk)
    assert citizen_grants(login_of(child)) == {}


def test_partners_do_not_see_each_others_sensitive_parts(family):
    mother = member(family, "parent", 35)
    father = member(family, "parent", 37)

    grant = citizen_grant_for(login_of(mother), family.pk)

    assert grant.ground == Ground.SELF  # no minor in this family
    assert not grant.sees_about(father.person.pk, HEALTH)
    assert grant.sees_about(mother.person.pk, HEALTH)


def test_a_family_member_is_refused_another_family_and_the_refusal_is_audited(family):
    mother = member(family, "parent", 35)
    other = FamilyFactory()

    with pytest.raises(FamilyNotFound):
        citizen_grant_for(login_of(mother), other.pk)

    refusal = AuditEvent.objects.get(action="refused", family_id=other.pk)
    assert refusal.role == "family_member"
    assert refusal.user_display == mother.person.full_name


def test_a_network_member_sees_the_family_on_the_network_ground_without_domains(family):
    friend = NetworkMemberFactory(family=family, relation="friend")
    account = CitizenAccountFactory(network_member=friend)

    grant = citizen_grant_for(account.user, family.pk)

    assert grant.ground == Ground.NETWORK_AGREEMENT
    assert grant.domains == frozenset()
    with pytest.raises(FamilyNotFound):
        citizen_grant_for(account.user, FamilyFactory().pk)


def test_a_mentor_the_young_person_chose_is_seen_as_such(family):
    mentor = NetworkMemberFactory(family=family, relation="jim_mentor")
    account = CitizenAccountFactory(network_member=mentor)

    assert citizen_grant_for(account.user, family.pk).ground == Ground.MENTOR


def test_a_citizen_grant_passes_no_professional_service(family):
    mother = member(family, "parent", 35)
    grant = citizen_grant_for(login_of(mother), family.pk)

    for permission in ("write", "export", "coordinate"):
        assert not grant.allows(permission)


def test_a_citizen_is_not_a_professional_and_a_professional_not_a_citizen(family):
    mother = member(family, "parent", 35)
    professional = ProfessionalFactory()

    with pytest.raises(Exception) as refused:
        grant_for(login_of(mother), family.pk)
    assert refused.type.__name__ == "PermissionDenied"
    with pytest.raises(FamilyNotFound):
        citizen_grant_for(professional.user, family.pk)


def test_one_query_set_per_family_member_grant(family, django_assert_max_num_queries):
    mother = member(family, "parent", 35)
    for age in (3, 8, 14, 17):
        member(family, "child", age)
    user = login_of(mother)
    user.refresh_from_db()

    with django_assert_max_num_queries(3):
        citizen_grant_for(user, family.pk)
