"""The plan's writes: versions, optimistic locking, sign-off, validation and who may write."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.plans import selectors, services
from rits.plans.models import CrisisContact, PlanVersion
from rits.plans.tests.factories import assess, change
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The messages are checked in their English source text.
    with translation.override("en"):
        yield


TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _grant(professional, family):
    return grant_for(professional.user, family.pk)


def test_first_change_creates_the_plan_and_version_1(plan_setup):
    assessment = assess(plan_setup, "finances", 2, revision=0)
    plan = assessment.plan
    assert plan.revision == 1
    version = PlanVersion.objects.get(plan=plan)
    assert version.number == 1 and not version.is_agreed
    assert version.snapshot["assessments"][0]["score"] == 2
    assert FamilyEvent.objects.filter(family=plan_setup["family"], domain="finances").exists()
    assert AuditEvent.objects.filter(object_type="plan.assessment", ground="coordinator").exists()


def test_a_stale_revision_is_a_conflict_and_changes_nothing(plan_setup):
    assess(plan_setup, "finances", 2, revision=0)
    with pytest.raises(services.PlanConflict):
        assess(plan_setup, "housing", 2, revision=0)
    page = selectors.plan_page(
        user=plan_setup["coordinator"].user, family_id=plan_setup["family"].pk
    )
    assert [r.domain for r in page.domains if r.looked_at] == ["finances"]
    assert page.plan.revision == 1


def test_agreeing_freezes_the_version_and_the_next_change_starts_version_2(plan_setup):
    coordinator = plan_setup["coordinator"]
    grant = _grant(coordinator, plan_setup["family"])
    assess(plan_setup, "finances", 2, revision=0)
    services.record_family_agreement(
        user=coordinator.user,
        grant=grant,
        revision=1,
        version_number=1,
        agreed_by="Selam Haile",
        method="signed_on_paper",
        interpreter_language="ti",
    )
    assess(plan_setup, "finances", 3, revision=2)
    v1, v2 = PlanVersion.objects.order_by("number")
    assert v1.is_agreed and v1.snapshot["assessments"][0]["score"] == 2
    assert v2.number == 2 and not v2.is_agreed and v2.snapshot["assessments"][0]["score"] == 3
    comparison = selectors.compare_versions(
        user=coordinator.user, family_id=plan_setup["family"].pk, older=1, newer=2
    )
    changed = [d for s in comparison.sections for d in s.differences]
    assert len(changed) == 1 and changed[0].change == "changed"
    assert "2" in changed[0].before and "3" in changed[0].after


def test_a_version_that_is_no_longer_current_cannot_be_agreed_with(plan_setup):
    coordinator = plan_setup["coordinator"]
    grant = _grant(coordinator, plan_setup["family"])
    assess(plan_setup, "finances", 2, revision=0)
    services.record_family_agreement(
        user=coordinator.user,
        grant=grant,
        revision=1,
        version_number=1,
        agreed_by="Selam",
        method="in_person",
    )
    assess(plan_setup, "finances", 4, revision=2)
    with pytest.raises(ValidationError, match="no longer the current version"):
        services.record_family_agreement(
            user=coordinator.user,
            grant=grant,
            revision=3,
            version_number=1,
            agreed_by="Selam",
            method="in_person",
        )


@pytest.mark.parametrize("score", [0, 6, None])
def test_scores_outside_the_scale_are_refused(plan_setup, score):
    with pytest.raises(ValidationError) as exc:
        assess(plan_setup, "finances", score, revision=0)
    assert "from 1 to 5" in exc.value.message_dict["score"][0]


def test_an_agreement_needs_an_owner_and_a_date_that_is_not_past(plan_setup):
    coordinator = plan_setup["coordinator"]
    data = services.AgreementData(
        action="Bellen met de woningcorporatie",
        owner="",
        domains=["finances"],
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        services.add_agreement(
            user=coordinator.user,
            grant=_grant(coordinator, plan_setup["family"]),
            revision=0,
            data=data,
        )
    assert set(exc.value.message_dict) == {"owner", "due_date"}


def test_owners_can_be_professionals_family_and_network(plan_setup):
    coordinator = plan_setup["coordinator"]
    grant = _grant(coordinator, plan_setup["family"])
    revision = 0
    for owner in (
        f"professional:{plan_setup['housing'].pk}",
        f"person:{plan_setup['mother'].pk}",
        f"network:{plan_setup['aunt'].pk}",
    ):
        agreement = services.add_agreement(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            data=services.AgreementData(
                action="Samen naar de huisarts",
                owner=owner,
                domains=["physical_health"],
                due_date=TOMORROW,
                kind="accompany",
            ),
        )
        revision += 1
        assert agreement.owner_key == owner
    with pytest.raises(ValidationError):
        services.add_agreement(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            data=services.AgreementData(
                action="x",
                owner=f"professional:{plan_setup['outsider'].pk}",
                domains=["housing"],
                due_date=TOMORROW,
            ),
        )


def test_a_professional_writes_only_within_their_domains(plan_setup):
    housing = plan_setup["housing"]
    assess(plan_setup, "housing", 2, revision=0, who="housing")
    with pytest.raises(PermissionDenied):
        assess(plan_setup, "mental_health", 2, revision=1, who="housing")
    with pytest.raises(PermissionDenied):
        services.add_crisis_contact(
            user=housing.user,
            grant=_grant(housing, plan_setup["family"]),
            revision=1,
            name="Buurvrouw",
            relation="neighbour",
            phone="0612345678",
        )


def test_one_trusted_person_per_plan(plan_setup):
    coordinator = plan_setup["coordinator"]
    grant = _grant(coordinator, plan_setup["family"])
    for revision, name in enumerate(["Lemlem", "Buurvrouw Ans"]):
        services.add_crisis_contact(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            name=name,
            relation="tante",
            phone="0612345678",
            is_trusted_person=True,
        )
    page = selectors.plan_page(user=coordinator.user, family_id=plan_setup["family"].pk)
    assert [(c.name, c.is_trusted_person) for c in page.crisis_contacts] == [
        ("Buurvrouw Ans", True),
        ("Lemlem", False),
    ]


def test_an_owner_whose_involvement_ended_keeps_their_agreement(plan_setup):
    coordinator, housing = plan_setup["coordinator"], plan_setup["housing"]
    grant = _grant(coordinator, plan_setup["family"])
    data = services.AgreementData(
        action="Betalingsregeling voorstellen",
        owner=f"professional:{housing.pk}",
        domains=["finances"],
        due_date=TOMORROW,
    )
    agreement = services.add_agreement(user=coordinator.user, grant=grant, revision=0, data=data)
    housing.involvements.update(
        start_date=timezone.localdate() - datetime.timedelta(days=40),
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    data.status = "done"
    updated = services.update_agreement(
        user=coordinator.user, grant=grant, revision=1, agreement_id=agreement.pk, data=data
    )
    assert updated.status == "done" and updated.owner_professional_id == housing.pk


def test_a_crisis_contact_can_be_someone_of_the_family_network(plan_setup):
    aunt = plan_setup["aunt"]

    contact = change(
        plan_setup,
        "coordinator",
        services.add_crisis_contact,
        name=aunt.name,
        relation="tante",
        phone="06 12345678",
        is_trusted_person=True,
        network_member_id=aunt.pk,
    )

    assert contact.network_member == aunt
    assert services.crisis_network_choices(
        grant_for(plan_setup["coordinator"].user, plan_setup["family"].pk)
    ) == [(aunt.pk, aunt.name)]


def test_a_crisis_contact_cannot_be_another_familys_network_member(plan_setup):
    stranger = factories.NetworkMemberFactory()

    with pytest.raises(ValidationError) as refused:
        change(
            plan_setup,
            "coordinator",
            services.add_crisis_contact,
            name="Iemand",
            relation="buurvrouw",
            phone="06 12345678",
            network_member_id=stranger.pk,
        )

    assert "network_member" in refused.value.message_dict
    assert not CrisisContact.objects.exists()
