"""Issue 9 #7: a timeline event without a life domain is shown to everyone who sees the
family, so it carries no free text from a user or an import and no organisation that
reveals a domain. Free text carries the domain of its content."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rits.access.rules import grant_for
from rits.audit.services import Actor
from rits.families import services
from rits.families.importing import (
    INVOLVEMENT_COLUMNS,
    PERSON_COLUMNS,
    ImportSource,
    import_families,
)
from rits.families.models import FamilyEvent, Involvement, NetworkMember
from rits.plans import services as plan_services
from rits.signals.rule_catalogue import RULES
from tests import factories

pytestmark = pytest.mark.django_db

# Put into every free-text field a user or an import fills in; it must never reach an
# event without a domain. (Names of members and of the coordinator are not free text in
# this sense: every grant sees them on the overview.)
MARK = "VRIJETEKST"


def _csv(columns, rows) -> bytes:
    lines = [",".join(columns)] + [",".join(row.get(c, "") for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _domainless() -> list[FamilyEvent]:
    return list(FamilyEvent.objects.filter(domain=""))


def test_every_event_kind_without_a_domain_carries_no_free_text(family_setup):
    family = family_setup["family"]
    coordinator = family_setup["coordinator"]
    grant = grant_for(coordinator.user, family.pk)

    # families: a member, a network member (with free text in its details)
    services.add_member(
        user=coordinator.user,
        grant=grant,
        data=services.PersonData(
            surname="Haile", given_names="Noah", birth_date=datetime.date(2023, 1, 1)
        ),
        role="child",
    )
    services.add_network_member(
        user=coordinator.user,
        grant=grant,
        member=NetworkMember(
            name="Buurvrouw", relation="neighbour", relation_detail=MARK, availability=MARK
        ),
    )

    # an import: a new family with a coordinator, a domain-less and a domain involvement,
    # then a new member and a new involvement on that (now existing) family
    organisation = factories.OrganisationFactory(name="Buurtteam Zuid")
    veilig_thuis = factories.OrganisationFactory(name=f"Veilig Thuis {MARK}")
    regisseur = factories.ProfessionalFactory(organisation=organisation, role="coordinator")
    person = {
        "family_ref": "T1",
        "person_ref": "T1-1",
        "role": "parent",
        "surname": "Smit",
        "given_names": "Eva",
        "birth_date": "1990-01-01",
        "gender": "f",
        "gemeentecode": "0344",
        "languages": "nl",
    }
    involvements = [
        {
            "family_ref": "T1",
            "organisation": organisation.name,
            "professional_email": regisseur.user.email,
            "role": f"Regie {MARK}",
            "legal_basis": "consent",
            "start_date": "2024-01-01",
            "coordinator": "ja",
        },
        {
            "family_ref": "T1",
            "organisation": organisation.name,
            "role": f"Buurtteam {MARK}",
            "legal_basis": "consent",
            "start_date": "2024-01-01",
        },
        {
            "family_ref": "T1",
            "organisation": veilig_thuis.name,
            "role": f"Onderzoek {MARK}",
            "domains": "safety",
            "legal_basis": "veilig_thuis",
            "start_date": "2024-01-01",
        },
    ]
    actor = Actor.system("test")
    first = import_families(
        persons=ImportSource("p.csv", _csv(PERSON_COLUMNS, [person])),
        involvements=ImportSource("i.csv", _csv(INVOLVEMENT_COLUMNS, involvements)),
        actor=actor,
    )
    later = dict(person, person_ref="T1-2", given_names="Tim", birth_date="2015-01-01", role="kind")
    extra = dict(involvements[2], role=f"Nazorg {MARK}")
    second = import_families(
        persons=ImportSource("p.csv", _csv(PERSON_COLUMNS, [person, later])),
        involvements=ImportSource("i.csv", _csv(INVOLVEMENT_COLUMNS, [extra])),
        actor=actor,
    )
    assert first.rejected == second.rejected == [], (first.rejected, second.rejected)
    officer = factories.ProfessionalFactory(role="privacy_officer")
    waiting = Involvement.all_objects.get(approval="pending")
    services.decide_involvement(user=officer.user, involvement_id=waiting.pk, approve=True)

    # plans: the family group plan's text, a goal and a crisis contact's availability
    plan_services.update_plan_details(
        user=coordinator.user,
        grant=grant,
        revision=0,
        review_date=timezone.localdate() + datetime.timedelta(days=30),
        family_group_plan_status="accepted",
        family_group_plan_date=timezone.localdate(),
        family_group_plan_text=MARK,
    )
    plan_services.add_goal(
        user=coordinator.user,
        grant=grant,
        revision=1,
        text=f"Rust in huis {MARK}",
        said_by=MARK,
        domains=["domestic_relations"],
    )
    plan_services.add_crisis_contact(
        user=coordinator.user,
        grant=grant,
        revision=2,
        name="Lemlem",
        relation=MARK,
        phone="06 12345678",
        availability=MARK,
    )

    kinds = set(FamilyEvent.objects.values_list("code", flat=True))
    assert {
        "family.member_added",
        "family.network_added",
        "family.created_by_import",
        "family.coordinator_registered",
        "plan.family_group_plan_changed",
        "plan.goal_added",
        "plan.crisis_contact_added",
    } <= kinds
    domainless = _domainless()
    assert domainless
    for event in domainless:
        assert MARK not in event.text, (event.code, event.text)
        assert "Veilig Thuis" not in event.text, (event.code, event.text)
    # the free text is kept where the domain check applies
    assert any(MARK in e.text for e in FamilyEvent.objects.filter(domain="safety"))
    assert any(MARK in e.text for e in FamilyEvent.objects.filter(domain="domestic_relations"))


def test_every_signal_rule_has_a_domain_for_its_events():
    # alert events take the domain of their rule; a rule without one would put its
    # reasons and notes in front of every domain
    assert all(rule.domains for rule in RULES)


@pytest.fixture
def demo():
    call_command("build_demo", families=12, stdout=None)


def test_the_demo_timeline_without_a_domain_names_no_domain(demo):
    for event in FamilyEvent.objects.filter(domain="").select_related("family"):
        for revealing in ("Veilig Thuis", "huisarts", "consultatiebureau", "Reden"):
            assert revealing not in event.text, (event.family.reference, event.text)


def test_a_registration_reason_is_only_shown_in_its_domain(demo, as_user):
    reason = FamilyEvent.objects.filter(
        params__kind="registration_reason", params__text__icontains="huisarts"
    )
    event = reason.select_related("family").first()
    assert event is not None and event.domain
    family = event.family
    outside = factories.ProfessionalFactory()
    factories.InvolvementFactory(family=family, professional=outside, domains=["housing"])
    inside = factories.ProfessionalFactory()
    factories.InvolvementFactory(family=family, professional=inside, domains=[event.domain])

    client = as_user(outside)
    for url in (
        reverse("families:overview", args=[family.pk]),
        reverse("families:export", args=[family.pk]),
        f"/api/v1/families/{family.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"huisarts" not in response.content, url
    client = as_user(inside)
    assert b"huisarts" in client.get(reverse("families:export", args=[family.pk])).content
