"""The demo region: story families as described, sound synthetic data, logins, idempotence."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from rits.access.rules import FamilyNotFound, grant_for, visible_families
from rits.core.bsn import decrypt_bsn, is_valid_bsn, pseudonymise_bsn
from rits.core.domains import LifeDomain
from rits.demo.generator import FamilyGenerator
from rits.demo.region import ensure_region
from rits.demo.services import demo_family_count
from rits.demo.staff import DEMO_LOGINS, DEMO_PASSWORD
from rits.families.models import (
    Family,
    FamilyEvent,
    Involvement,
    LegalBasis,
    MemberRole,
    Membership,
    NetworkMember,
    NetworkRelation,
    Person,
)
from rits.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Professional,
    ProfessionalRole,
    User,
)
from rits.plans.models import Assessment, PlanVersion

pytestmark = pytest.mark.django_db

FAMILIES = 30


def build(families: int = FAMILIES) -> str:
    out = StringIO()
    call_command("build_demo", families=families, stdout=out)
    return out.getvalue()


@pytest.fixture
def region() -> str:
    return build()


def family(reference: str) -> Family:
    return Family.objects.get(reference=reference)


def members(reference: str, role: str | None = None) -> list[Person]:
    memberships = Membership.objects.filter(family__reference=reference).select_related("person")
    if role:
        memberships = memberships.filter(role=role)
    return [m.person for m in memberships]


def user(email: str) -> User:
    return User.objects.get(email=email)


def counts() -> dict[str, int]:
    models = (
        Family, Person, Membership, Involvement, NetworkMember, FamilyEvent,
        User, Professional, Organisation, Municipality,
    )  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_builds_the_requested_number_of_families_with_the_three_stories(region):
    assert demo_family_count() == FAMILIES
    assert Family.objects.filter(reference__in=["DEMO-1", "DEMO-2", "DEMO-3"]).count() == 3


def test_region_has_real_municipalities_and_every_kind_of_organisation(region):
    codes = dict(Municipality.objects.values_list("name", "code"))
    assert {"Utrecht": "0344", "Amersfoort": "0307", "Nieuwegein": "0356"}.items() <= codes.items()
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(OrganisationKind.values)
    for organisation in Organisation.objects.filter(kind=OrganisationKind.CARE_PROVIDER):
        assert len(organisation.agb_code) == 8 and organisation.agb_code.isdigit()
    roles = set(Professional.objects.values_list("role", flat=True))
    assert roles == set(ProfessionalRole.values)


def test_demo_1_the_missed_rent_arrears(region):
    mother = members("DEMO-1", MemberRole.PARENT)[0]
    assert mother.languages == ["ti"] and mother.interpreter_needed
    son = members("DEMO-1", MemberRole.CHILD)[0]
    assert 4 <= (timezone.localdate() - son.birth_date).days // 365 < 5

    involvements = Involvement.objects.filter(family__reference="DEMO-1")
    kinds = set(involvements.values_list("organisation__kind", flat=True))
    assert kinds == {
        OrganisationKind.WIJKTEAM,
        OrganisationKind.CARE_PROVIDER,
        OrganisationKind.VEILIG_THUIS,
    }
    # Nobody who is involved looks at money: no involvement but the coordinator's (who
    # sees everything and has not asked) covers finances, and the housing corporation
    # that knows about the arrears is not involved.
    non_coordinators = involvements.filter(is_coordinator=False)
    assert not any(LifeDomain.FINANCES in i.domains for i in non_coordinators)
    assert not any(LifeDomain.HOUSING in i.domains for i in non_coordinators)
    assert not involvements.filter(organisation__kind=OrganisationKind.WONINGCORPORATIE).exists()
    coordinator = involvements.get(is_coordinator=True)
    assert coordinator.professional.user.email == "coordinator@demo.rits.nl"
    ambulant = involvements.get(professional__user__email="ambulant@demo.rits.nl")
    assert set(ambulant.domains) == {LifeDomain.DOMESTIC_RELATIONS, LifeDomain.DAILY_LIVING}
    assert FamilyEvent.objects.filter(family__reference="DEMO-1").count() >= 5
    # The plan has been started, but nobody has looked at finances or housing yet.
    assessed = set(
        Assessment.objects.filter(plan__family__reference="DEMO-1").values_list("domain", flat=True)
    )
    assert LifeDomain.DAILY_LIVING in assessed
    assert not assessed & {LifeDomain.FINANCES, LifeDomain.HOUSING}
    assert PlanVersion.objects.get(plan__family__reference="DEMO-1").number == 1


def test_demo_2_the_teenager_who_wants_to_live_with_his_father(region):
    father = members("DEMO-2", MemberRole.PARENT)[0]
    son = members("DEMO-2", MemberRole.CHILD)[0]
    assert father.gender == "m"
    assert (timezone.localdate() - son.birth_date).days // 365 == 16
    events = " ".join(e.text for e in FamilyEvent.objects.filter(family__reference="DEMO-2"))
    assert events.count("gesloten jeugdzorg") >= 3
    mentor = NetworkMember.objects.get(family__reference="DEMO-2", relation="jim_mentor")
    assert "Kinderboerderij" in mentor.relation_detail and mentor.for_person == son
    assert Involvement.objects.filter(
        family__reference="DEMO-2", legal_basis=LegalBasis.CHILD_PROTECTION
    ).exists()


def test_demo_3_the_young_mother_expecting_twins(region):
    unborn = members("DEMO-3", MemberRole.UNBORN)
    assert len(unborn) == 2
    assert all(p.birth_date > timezone.localdate() for p in unborn)
    assert not any(p.has_bsn for p in unborn)
    gi = Involvement.objects.get(family__reference="DEMO-3", organisation__kind=OrganisationKind.GI)
    assert gi.legal_basis == LegalBasis.CHILD_PROTECTION
    assert gi.professional.user.email == "gi@demo.rits.nl"
    daughter = members("DEMO-3", MemberRole.CHILD)[0]
    assert Involvement.objects.filter(family__reference="DEMO-3", person=daughter).exists()
    assert FamilyEvent.objects.filter(
        family__reference="DEMO-3", params__text__icontains="pleeggezin"
    ).exists()
    assert NetworkMember.objects.filter(
        family__reference="DEMO-3", relation=NetworkRelation.COMMUNITY
    ).exists()
    assert Involvement.objects.filter(
        family__reference="DEMO-3", organisation__kind=OrganisationKind.COMMUNITY
    ).exists()


def test_every_family_has_exactly_one_active_coordinator_from_a_neighbourhood_team(region):
    active = Count(
        "involvements",
        filter=Q(involvements__is_coordinator=True, involvements__end_date__isnull=True),
    )
    per_family = Family.objects.annotate(n=active).values_list("n", flat=True)
    assert set(per_family) == {1}
    kinds = Involvement.objects.filter(is_coordinator=True).values_list(
        "organisation__kind", flat=True
    )
    assert set(kinds) == {OrganisationKind.WIJKTEAM}


def test_every_family_has_members_other_help_and_a_timeline(region):
    for f in Family.objects.annotate(
        n_members=Count("memberships", distinct=True),
        n_other=Count("involvements", filter=Q(involvements__is_coordinator=False), distinct=True),
        n_events=Count("events", distinct=True),
    ):
        assert f.n_members >= 1 and 1 <= f.n_other and f.n_events >= 2, f.reference
    assert set(Membership.objects.values_list("role", flat=True)) >= {
        MemberRole.PARENT, MemberRole.CHILD, MemberRole.UNBORN,
    }  # fmt: skip


def test_every_bsn_is_stored_encrypted_valid_and_unique(region):
    persons = Person.objects.exclude(bsn_encrypted="")
    assert persons.count() > FAMILIES
    seen = set()
    for person in persons:
        bsn = decrypt_bsn(person.bsn_encrypted)
        assert is_valid_bsn(bsn)
        assert pseudonymise_bsn(bsn) == person.bsn_pseudonym
        seen.add(bsn)
    assert len(seen) == persons.count()


def test_interpreters_only_for_people_without_dutch(region):
    for person in Person.objects.filter(interpreter_needed=True):
        assert "nl" not in person.languages
    assert Person.objects.filter(interpreter_needed=True).exists()


def test_demo_logins_for_every_role_skip_nothing_but_the_second_factor(region):
    for spec in DEMO_LOGINS:
        login = user(spec.email)
        assert login.is_demo
        assert login.check_password(DEMO_PASSWORD)
    roles = {user(s.email).professional.role for s in DEMO_LOGINS}
    assert roles == set(ProfessionalRole.values)
    # Every user the demo creates is marked as demo; only the logins have a password.
    assert not User.objects.filter(is_demo=False).exists()
    assert all(
        not u.has_usable_password()
        for u in User.objects.exclude(email__in=[s.email for s in DEMO_LOGINS])[:50]
    )


def test_the_logins_see_what_the_table_says(region):
    coordinator = user("coordinator@demo.rits.nl")
    for reference in ("DEMO-1", "DEMO-2", "DEMO-3"):
        assert grant_for(coordinator, family(reference).pk).is_coordinator
    ambulant = grant_for(user("ambulant@demo.rits.nl"), family("DEMO-1").pk)
    assert not ambulant.sees_domain(LifeDomain.FINANCES)
    assert grant_for(user("veiligthuis@demo.rits.nl"), family("DEMO-1").pk)
    assert grant_for(user("gi@demo.rits.nl"), family("DEMO-3").pk)
    housing = user("woningcorporatie@demo.rits.nl")
    for reference in ("DEMO-1", "DEMO-2", "DEMO-3"):
        with pytest.raises(FamilyNotFound):
            grant_for(housing, family(reference).pk)
    assert not visible_families(user("privacy@demo.rits.nl")).exists()


def test_prints_the_logins_and_the_second_factor_warning(region):
    for spec in DEMO_LOGINS:
        assert spec.email in region
    assert DEMO_PASSWORD in region
    assert "tweede factor" in region


def test_running_again_adds_nothing_and_prints_the_logins_again(region):
    before = counts(), Assessment.objects.count(), PlanVersion.objects.count()
    output = build()
    assert (counts(), Assessment.objects.count(), PlanVersion.objects.count()) == before
    assert "niets toegevoegd" in output and "coordinator@demo.rits.nl" in output


def test_asking_for_more_families_adds_only_the_missing_ones(region):
    build(FAMILIES + 12)
    assert demo_family_count() == FAMILIES + 12
    assert Family.objects.filter(reference__in=["DEMO-1", "DEMO-2", "DEMO-3"]).count() == 3
    pseudonyms = Person.objects.exclude(bsn_pseudonym=None).values_list("bsn_pseudonym")
    assert pseudonyms.count() == pseudonyms.distinct().count()


def test_the_same_seed_draws_the_same_families(region):
    state = ensure_region()

    def draw(seed: int) -> list[tuple]:
        draft = FamilyGenerator(seed=seed, region=state).family(1000)
        return [(p.given_names, p.surname, p.birth_date) for p in draft.persons] + [
            (draft.family.name, draft.family.street, draft.family.postcode)
        ]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)
