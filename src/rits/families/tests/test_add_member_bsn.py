"""Issue 9 #1: adding a member with the BSN of a person in a family the user cannot see
never attaches or reveals that person. The answer is that for an unknown BSN; the
possible match goes to the review of the known person's own coordinator."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.audit.models import AuditEvent
from rits.families.models import (
    DuplicateStatus,
    FamilyEvent,
    Involvement,
    Membership,
    Person,
    PossibleDuplicate,
)
from tests import factories

pytestmark = pytest.mark.django_db

NEW_MEMBER = {
    "role": "parent",
    "surname": "Tesfay",
    "given_names": "Sara",
    "birth_date": "1991-02-03",
    "gender": "f",
    "languages": "nl",
}


@pytest.fixture
def housing(family_setup):
    """A housing corporation's professional, involved with another family (X) only."""
    other = factories.FamilyFactory(name="Gezin Tesfay")
    professional = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(name="Woonstichting Domstad")
    )
    factories.InvolvementFactory(family=other, professional=professional, domains=["housing"])
    return {"family": other, "professional": professional}


def _add(client, family, bsn, **fields):
    return client.post(
        reverse("families:add-member", args=[family.pk]), {**NEW_MEMBER, "bsn": bsn, **fields}
    )


def _audit_shape(event: AuditEvent) -> tuple:
    return (event.action, event.object_type, event.family_id, event.ground, event.detail)


def test_bsn_of_a_person_the_user_cannot_see_is_answered_as_unknown(family_setup, housing, as_user):
    mother = family_setup["mother"]
    x = housing["family"]
    client = as_user(housing["professional"])

    response = _add(client, x, factories.valid_bsn(1))  # the mother's, in family Y
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    for revealing in (mother.given_names, "17-05-1990", "1990-05-17", family_setup["family"].name):
        assert revealing.encode() not in page.content
    assert not Membership.objects.filter(family=x, person=mother).exists()
    new = Person.objects.get(given_names="Sara")
    assert Membership.objects.filter(family=x, person=new).exists()
    assert new.bsn_pseudonym is None  # not linked to the known person
    assert factories.valid_bsn(1) not in new.bsn_encrypted
    assert new.birth_date == datetime.date(1991, 2, 3)  # what was typed, not the known one
    hidden = AuditEvent.objects.filter(object_type="membership", family_id=x.pk).get()

    # exactly what an unknown BSN gives
    response = _add(client, x, factories.valid_bsn(50), given_names="Lina")
    assert response.status_code == 302
    unknown = (
        AuditEvent.objects.filter(object_type="membership", family_id=x.pk).exclude(pk=hidden.pk)
    ).get()
    assert _audit_shape(hidden) == _audit_shape(unknown)
    assert len(hidden.person_ids) == len(unknown.person_ids) == 1

    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.existing_person == mother and duplicate.new_person == new
    assert duplicate.status == DuplicateStatus.OPEN
    assert duplicate.raised_by == housing["professional"]
    assert duplicate.raised_by_organisation == housing["professional"].organisation
    # audited where Y's coordinator and the privacy officer look
    assert AuditEvent.objects.filter(
        object_type="possible_duplicate", family_id=family_setup["family"].pk, action="create"
    ).exists()


def test_the_known_persons_coordinator_reviews_and_merges(family_setup, housing, as_user):
    y, x, mother = family_setup["family"], housing["family"], family_setup["mother"]
    _add(as_user(housing["professional"]), x, factories.valid_bsn(1))
    duplicate = PossibleDuplicate.objects.get()
    new = duplicate.new_person
    decide = reverse("families:decide-possible-duplicate", args=[y.pk, duplicate.pk])

    # only Y's coordinator sees the review
    worker_page = as_user(family_setup["worker"]).get(reverse("families:overview", args=[y.pk]))
    assert b"Sara" not in worker_page.content and decide.encode() not in worker_page.content
    coordinator = as_user(family_setup["coordinator"])
    page = coordinator.get(reverse("families:overview", args=[y.pk]))
    assert b"Sara" in page.content and decide.encode() in page.content
    assert x.name.encode() not in page.content  # not the family it was added to
    assert AuditEvent.objects.filter(
        object_type="possible_duplicate", action="view", family_id=x.pk
    ).exists()

    # anyone else gets "not found", as for an id that does not exist
    for other in (family_setup["worker"], family_setup["outsider"], housing["professional"]):
        assert as_user(other).post(decide, {"decision": "same"}).status_code == 404
    assert PossibleDuplicate.objects.get().status == DuplicateStatus.OPEN

    coordinator = as_user(family_setup["coordinator"])
    response = coordinator.post(decide, {"decision": "same"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.SAME
    assert duplicate.decided_by == family_setup["coordinator"]
    assert not Person.objects.filter(pk=new.pk).exists()
    assert Membership.objects.filter(family=x, person=mother).exists()
    assert Membership.objects.filter(family=y, person=mother).exists()
    assert FamilyEvent.objects.filter(family=x, code="family.member_merged").exists()
    assert AuditEvent.objects.filter(
        object_type="possible_duplicate", action="update", family_id=y.pk
    ).exists()
    assert AuditEvent.objects.filter(
        object_type="membership", action="update", family_id=x.pk
    ).exists()
    # decided once
    assert coordinator.post(decide, {"decision": "different"}).status_code == 404


def test_different_person_closes_the_review(family_setup, housing, as_user):
    y, x = family_setup["family"], housing["family"]
    _add(as_user(housing["professional"]), x, factories.valid_bsn(1))
    duplicate = PossibleDuplicate.objects.get()
    coordinator = as_user(family_setup["coordinator"])
    response = coordinator.post(
        reverse("families:decide-possible-duplicate", args=[y.pk, duplicate.pk]),
        {"decision": "different"},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == DuplicateStatus.DIFFERENT and duplicate.decided_at
    assert Person.objects.filter(pk=duplicate.new_person_id).exists()
    assert not Membership.objects.filter(family=x, person=family_setup["mother"]).exists()
    page = coordinator.get(reverse("families:overview", args=[y.pk]))
    assert b"Sara" not in page.content


def test_user_who_sees_both_families_attaches_the_known_person(family_setup, housing, as_user):
    x, mother = housing["family"], family_setup["mother"]
    factories.InvolvementFactory(
        family=family_setup["family"], professional=housing["professional"], domains=["housing"]
    )
    response = _add(as_user(housing["professional"]), x, factories.valid_bsn(1))
    assert response.status_code == 302
    assert Membership.objects.filter(family=x, person=mother).exists()
    assert not Person.objects.filter(given_names="Sara").exists()
    assert not PossibleDuplicate.objects.exists()


def test_emergency_access_to_the_other_family_does_not_count(family_setup, housing, as_user):
    EmergencyAccess.objects.create(
        professional=housing["professional"],
        family=family_setup["family"],
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    _add(as_user(housing["professional"]), housing["family"], factories.valid_bsn(1))
    assert not Membership.objects.filter(
        family=housing["family"], person=family_setup["mother"]
    ).exists()
    assert PossibleDuplicate.objects.count() == 1


def test_ended_involvement_with_the_other_family_does_not_count(family_setup, housing, as_user):
    factories.InvolvementFactory(
        family=family_setup["family"],
        professional=housing["professional"],
        start_date=timezone.localdate() - datetime.timedelta(days=60),
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert Involvement.objects.filter(professional=housing["professional"]).count() == 2
    _add(as_user(housing["professional"]), housing["family"], factories.valid_bsn(1))
    assert PossibleDuplicate.objects.count() == 1


def test_nothing_in_the_adders_own_view_tells_the_two_answers_apart(family_setup, housing, as_user):
    x = housing["family"]
    client = as_user(housing["professional"])
    _add(client, x, factories.valid_bsn(1))  # known, in a family they cannot see
    _add(client, x, factories.valid_bsn(50), given_names="Lina")  # unknown
    export = client.get(reverse("families:export", args=[x.pk])).json()
    members = {m["given_names"]: m for m in export["members"]}
    assert members["Sara"]["has_bsn"] is members["Lina"]["has_bsn"] is True
    api = client.get(f"/api/v1/families/{x.pk}").json()
    assert {m["has_bsn"] for m in api["members"]} == {True}
    # searching by either BSN finds their own family, and only that
    for bsn in (factories.valid_bsn(1), factories.valid_bsn(50)):
        page = client.post(reverse("families:my-families"), {"q": bsn})
        assert x.name.encode() in page.content
        assert family_setup["family"].name.encode() not in page.content
        found = client.post("/api/v1/families/search", {"q": bsn}, content_type="application/json")
        assert [f["id"] for f in found.json()] == [x.pk]
