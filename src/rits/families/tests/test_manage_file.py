"""Issue 11: managing the family's file in the pages — creating a family, adding,
changing and ending involvements, handing over the coordination with an overlap, and
closing and reopening the file."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families import services
from rits.families.models import (
    Family,
    FamilyEvent,
    Involvement,
    InvolvementApproval,
    Membership,
)
from rits.plans import services as plan_services
from rits.plans.models import Goal
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _english(client):
    """The pages in English, as the tests read them (Dutch is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _own_client(professional) -> Client:
    """A client of its own (``as_user`` logs the one test client in again)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def _errors(response) -> dict[str, list[str]]:
    """The per-field errors the page shows, by field name."""
    form = response.context["form"]
    return {name: list(errors) for name, errors in form.errors.items()}


def _create_body(**extra):
    return {
        "name": "Gezin De Vries",
        "street": "Lange Nieuwstraat",
        "house_number": "12",
        "postcode": "3512 pd",
        "city": "Utrecht",
        "is_coordinator": "on",
        "role": "Gezinsregisseur",
        "legal_basis": "consent",
        **extra,
    }


# --- creating a family ----------------------------------------------------------------


def test_the_creator_becomes_coordinator_and_sees_the_family(family_setup, as_user):
    creator = family_setup["coordinator"]
    municipality = factories.MunicipalityFactory()
    client = as_user(creator)
    assert client.get(reverse("families:create-family")).status_code == 200
    response = client.post(
        reverse("families:create-family"), _create_body(municipality=municipality.pk)
    )
    family = Family.objects.get(name="Gezin De Vries")
    assert response.status_code == 302 and response.url == f"/families/{family.pk}/"
    assert family.postcode == "3512PD" and family.municipality == municipality
    assert re.fullmatch(r"RITS-[2-9A-Z]{8}", family.reference)
    involvement = Involvement.objects.get(family=family)
    assert (involvement.professional, involvement.is_coordinator) == (creator, True)
    assert involvement.start_date == TODAY()
    assert grant_for(creator.user, family.pk).is_coordinator
    event = AuditEvent.objects.get(family_id=family.pk, action="create", object_type="family")
    assert event.user_id == creator.user_id and event.ground == "coordinator"
    assert set(FamilyEvent.objects.filter(family=family).values_list("code", flat=True)) == {
        "family.created",
        "family.coordinator_registered",
    }
    page = client.get(f"/families/{family.pk}/").content.decode()
    assert 'lang="en"' in page
    assert "Add an involvement" in page and "Close the file" in page


def test_a_creator_who_is_not_coordinator_sees_their_domains_only(family_setup, as_user):
    worker = family_setup["worker"]
    client = as_user(worker)
    body = _create_body(role="Schuldhulp", legal_basis="wgs", domains=["finances"])
    del body["is_coordinator"]
    assert client.post(reverse("families:create-family"), body).status_code == 302
    family = Family.objects.get(name="Gezin De Vries")
    grant = grant_for(worker.user, family.pk)
    assert grant.ground == "involvement" and grant.domains == {"finances"}
    assert Involvement.objects.get(family=family).is_coordinator is False


def test_creating_shows_an_error_at_each_field(family_setup, as_user):
    factories.FamilyFactory(reference="BESTAAT-1")
    client = as_user(family_setup["coordinator"])
    body = _create_body(name="   ", postcode="35 12", reference="BESTAAT-1", legal_basis="nope")
    del body["is_coordinator"]  # and no domains
    response = client.post(reverse("families:create-family"), body)
    assert response.status_code == 200
    errors = _errors(response)
    assert set(errors) >= {"name", "legal_basis"}  # the form's own checks first
    response = client.post(
        reverse("families:create-family"),
        {**body, "name": "Gezin Test", "legal_basis": "consent"},
    )
    errors = _errors(response)
    assert "postcode" in errors and "reference" in errors and "domains" in errors
    assert Family.objects.filter(name="Gezin Test").count() == 0
    # what was typed is kept, and shown escaped
    response = client.post(
        reverse("families:create-family"), _create_body(name="<b>x</b>", postcode="x")
    )
    content = response.content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in content and "<b>x</b>" not in content


def test_a_privacy_officer_cannot_start_a_file(as_user):
    officer = factories.ProfessionalFactory(role="privacy_officer")
    client = as_user(officer)
    assert client.get(reverse("families:create-family")).status_code == 403
    assert client.post(reverse("families:create-family"), _create_body()).status_code == 403
    assert not Family.objects.exists()
    assert "Start a family" not in client.get(reverse("families:my-families")).content.decode()


# --- involvements -----------------------------------------------------------------------


def _involvement_body(organisation, **extra):
    return {
        "organisation": organisation.pk,
        "role": "Schuldhulpverlening",
        "legal_basis": "wgs",
        "domains": ["finances"],
        "start_date": TODAY().isoformat(),
        **extra,
    }


def test_the_coordinator_adds_an_involvement_that_gives_access(family_setup, as_user):
    family = family_setup["family"]
    helper = factories.ProfessionalFactory()
    client = as_user(family_setup["coordinator"])
    url = reverse("families:add-involvement", args=[family.pk])
    assert client.get(url).status_code == 200
    body = _involvement_body(helper.organisation, professional=helper.pk)
    assert client.post(url, body).status_code == 302
    involvement = Involvement.objects.get(family=family, professional=helper)
    assert involvement.approval == InvolvementApproval.APPROVED
    assert grant_for(helper.user, family.pk).domains == {"finances"}
    assert AuditEvent.objects.filter(
        family_id=family.pk, action="create", object_type="involvement"
    ).exists()
    event = FamilyEvent.objects.get(family=family, code="family.involvement_registered_in_domain")
    assert event.domain == "finances"
    # the same again is refused at the role
    assert "role" in _errors(client.post(url, body))


def test_another_organisations_involvement_added_by_a_worker_waits(family_setup, as_user):
    family = family_setup["family"]
    other = factories.OrganisationFactory()
    client = as_user(family_setup["worker"])
    url = reverse("families:add-involvement", args=[family.pk])
    response = client.post(url, _involvement_body(other), follow=True)
    assert "waits for the coordinator" in response.content.decode()
    involvement = Involvement.all_objects.get(family=family, organisation=other)
    assert involvement.approval == InvolvementApproval.PENDING
    # it is on the coordinator's pending page, and not on the timeline yet
    page = as_user(family_setup["coordinator"]).get(reverse("families:pending-involvements"))
    assert other.name in page.content.decode()
    assert not FamilyEvent.objects.filter(family=family, code__contains="involvement").exists()


def test_a_worker_adds_a_colleague_within_their_own_domains_directly(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    colleague = factories.ProfessionalFactory(organisation=worker.organisation)
    client = as_user(worker)
    body = _involvement_body(
        worker.organisation, professional=colleague.pk, domains=["domestic_relations"]
    )
    assert (
        client.post(reverse("families:add-involvement", args=[family.pk]), body).status_code == 302
    )
    assert Involvement.objects.get(professional=colleague).approval == "approved"


def test_adding_an_involvement_shows_errors_per_field(family_setup, as_user):
    family = family_setup["family"]
    helper = factories.ProfessionalFactory()
    client = as_user(family_setup["coordinator"])
    url = reverse("families:add-involvement", args=[family.pk])
    body = _involvement_body(
        factories.OrganisationFactory(),
        professional=helper.pk,  # not of this organisation
        domains=[],
        start_date="2026-05-10",
        end_date="2026-05-01",
    )
    errors = _errors(client.post(url, body))
    assert {"professional", "domains", "end_date"} <= set(errors)
    coordinator = {**body, "is_coordinator": "on", "professional": "", "end_date": ""}
    errors = _errors(client.post(url, coordinator))  # the family has one; and no person
    assert {"is_coordinator", "professional"} <= set(errors)
    assert not Involvement.all_objects.filter(professional=helper).exists()


def test_change_and_end_an_involvement(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    involvement = Involvement.objects.get(family=family, professional=worker)
    client = as_user(family_setup["coordinator"])
    change = reverse("families:change-involvement", args=[family.pk, involvement.pk])
    assert client.get(change).status_code == 200
    body = {
        "role": "Opvoedondersteuning",
        "legal_basis": "jeugdwet",
        "domains": ["domestic_relations", "safety"],
        "start_date": involvement.start_date.isoformat(),
    }
    assert client.post(change, body).status_code == 302
    involvement.refresh_from_db()
    assert involvement.role == "Opvoedondersteuning"
    assert involvement.domains == ["domestic_relations", "safety"]
    event = AuditEvent.objects.get(object_type="involvement.details", object_id=str(involvement.pk))
    assert sorted(event.detail["changed"]) == ["domains", "role"]
    bad = client.post(change, {**body, "end_date": "2000-01-01"})
    assert "end_date" in _errors(bad)

    end = reverse("families:end-involvement", args=[family.pk, involvement.pk])
    assert client.post(end, {"end_date": TODAY().isoformat()}).status_code == 302
    involvement.refresh_from_db()
    assert involvement.end_date == TODAY()
    assert AuditEvent.objects.filter(object_type="involvement.end").exists()
    assert FamilyEvent.objects.filter(code="family.involvement_ended_in_domain").exists()
    # from tomorrow it gives no access
    assert not Involvement.objects.active(TODAY() + datetime.timedelta(days=1)).filter(
        pk=involvement.pk
    )


def test_a_worker_cannot_change_another_organisations_involvement(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    other = factories.InvolvementFactory(family=family, domains=["domestic_relations"])
    client = as_user(worker)
    url = reverse("families:change-involvement", args=[family.pk, other.pk])
    assert client.get(url).status_code == 403
    # one outside their domains they may not even know of
    hidden = factories.InvolvementFactory(family=family, domains=["mental_health"])
    url = reverse("families:end-involvement", args=[family.pk, hidden.pk])
    assert client.post(url, {"end_date": TODAY().isoformat()}).status_code == 404
    hidden.refresh_from_db()
    assert hidden.end_date is None


def test_the_coordination_is_not_ended_as_an_involvement(family_setup, as_user):
    family = family_setup["family"]
    coordination = Involvement.objects.get(family=family, is_coordinator=True)
    client = as_user(family_setup["coordinator"])
    url = reverse("families:end-involvement", args=[family.pk, coordination.pk])
    assert "end_date" in _errors(client.post(url, {"end_date": TODAY().isoformat()}))
    coordination.refresh_from_db()
    assert coordination.end_date is None


# --- hand-over --------------------------------------------------------------------------


def test_hand_over_with_an_overlap(family_setup, as_user):
    family, coordinator, worker = (
        family_setup["family"],
        family_setup["coordinator"],
        family_setup["worker"],
    )
    own = Involvement.objects.get(family=family, professional=worker)
    client = as_user(coordinator)
    url = reverse("families:hand-over", args=[family.pk])
    assert worker.name in client.get(url).content.decode()
    last_day = TODAY() + datetime.timedelta(days=14)
    response = client.post(url, {"successor": own.pk, "last_day": last_day.isoformat()})
    assert response.status_code == 302
    # both coordinate until the last day; the one handing over is the coordinator
    assert grant_for(worker.user, family.pk).is_coordinator
    assert grant_for(coordinator.user, family.pk).is_coordinator
    assert Involvement.objects.coordinator_of(family).professional == coordinator
    assert Involvement.objects.coordinator_of(family, last_day).professional == coordinator
    after = last_day + datetime.timedelta(days=1)
    assert Involvement.objects.coordinator_of(family, after).professional == worker
    assert not Involvement.objects.active(after).filter(professional=coordinator, family=family)
    # the overview shows both
    page = client.get(f"/families/{family.pk}/").content.decode()
    assert 'id="planned-successor"' in page and worker.name in page
    assert "Hand over the coordination" not in page  # already planned
    assert AuditEvent.objects.filter(object_type="involvement.coordination").exists()
    assert FamilyEvent.objects.get(code="family.coordination_handed_over").domain == ""
    # a second hand-over is refused
    again = client.post(url, {"successor": own.pk, "last_day": last_day.isoformat()})
    assert again.status_code == 200 and "successor" in _errors(again)


def test_hand_over_errors_per_field_and_only_for_the_coordinator(family_setup, as_user):
    family = family_setup["family"]
    url = reverse("families:hand-over", args=[family.pk])
    client = as_user(family_setup["coordinator"])
    response = client.post(url, {"successor": "999", "last_day": TODAY().isoformat()})
    assert set(_errors(response)) == {"successor"}
    own = Involvement.objects.get(family=family, professional=family_setup["worker"])
    response = client.post(url, {"successor": own.pk, "last_day": "2001-01-01"})
    assert set(_errors(response)) == {"last_day"}
    assert as_user(family_setup["worker"]).get(url).status_code == 403
    assert Involvement.objects.filter(family=family, is_coordinator=True).count() == 1


# --- closing and reopening --------------------------------------------------------------


def test_close_and_reopen_the_file(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    client = _own_client(family_setup["coordinator"])
    url = reverse("families:file-status", args=[family.pk])
    assert "reason" in _errors(client.post(url, {"reason": "  "}))
    assert client.post(url, {"reason": "Hulp afgerond, gezin redt het zelf."}).status_code == 302
    family.refresh_from_db()
    assert family.is_closed and family.closed_reason.startswith("Hulp afgerond")
    # readable for who is involved, shown as closed, and takes nothing new
    worker_client = _own_client(worker)
    page = worker_client.get(f"/families/{family.pk}/").content.decode()
    assert "This file is closed." in page and "Add a member" not in page
    listed = worker_client.get(reverse("families:my-families")).content.decode()
    assert '<span class="rits-badge">closed</span>' in listed
    member = worker_client.post(
        reverse("families:add-member", args=[family.pk]),
        {"role": "child", "surname": "Haile", "given_names": "Noah", "birth_date": "2023-06-01"},
    )
    assert member.status_code == 403
    assert not Membership.objects.filter(person__given_names="Noah").exists()
    assert (
        worker_client.get(reverse("families:add-involvement", args=[family.pk])).status_code == 403
    )
    hand_over = client.get(reverse("families:hand-over", args=[family.pk]))
    assert hand_over.status_code == 403
    assert FamilyEvent.objects.get(code="family.file_closed").domain == ""
    assert AuditEvent.objects.filter(object_type="family.closure").exists()

    assert client.post(url, {"reason": "Nieuwe zorgen gemeld."}).status_code == 302
    family.refresh_from_db()
    assert not family.is_closed and family.closed_reason == ""
    assert AuditEvent.objects.filter(object_type="family.reopening").exists()
    assert "This file is closed." not in client.get(f"/families/{family.pk}/").content.decode()


def test_a_closed_file_takes_no_new_plan_parts(family_setup):
    coordinator = family_setup["coordinator"]
    grant = grant_for(coordinator.user, family_setup["family"].pk)
    services.close_file(user=coordinator.user, grant=grant, reason="Hulp afgerond.")
    with pytest.raises(PermissionDenied):
        plan_services.add_goal(
            user=coordinator.user,
            grant=grant,
            revision=0,
            text="Een eigen huis",
            said_by="",
            domains=["housing"],
        )
    assert not Goal.objects.exists()


def test_only_the_coordinator_closes_the_file(family_setup, as_user):
    family = family_setup["family"]
    url = reverse("families:file-status", args=[family.pk])
    assert as_user(family_setup["worker"]).post(url, {"reason": "x"}).status_code == 403
    family.refresh_from_db()
    assert not family.is_closed


# --- access on every new route ----------------------------------------------------------


def _routes(family_setup):
    family = family_setup["family"]
    involvement = Involvement.objects.get(family=family, professional=family_setup["worker"])
    return [
        reverse("families:add-involvement", args=[family.pk]),
        reverse("families:change-involvement", args=[family.pk, involvement.pk]),
        reverse("families:end-involvement", args=[family.pk, involvement.pk]),
        reverse("families:hand-over", args=[family.pk]),
        reverse("families:file-status", args=[family.pk]),
    ]


def test_an_uninvolved_professional_gets_not_found(family_setup, as_user):
    client = as_user(family_setup["outsider"])
    for url in _routes(family_setup):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "end_date": "2030-01-01"}).status_code == 404, url


def test_emergency_access_cannot_write_on_any_new_route(family_setup, as_user):
    family = family_setup["family"]
    breaker = family_setup["outsider"]
    EmergencyAccess.objects.create(
        professional=breaker,
        family=family,
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    client = as_user(breaker)
    before = list(Involvement.all_objects.order_by("pk").values())
    for url in _routes(family_setup):
        assert client.post(url, {"reason": "x", "end_date": "2030-01-01"}).status_code == 403, url
    assert list(Involvement.all_objects.order_by("pk").values()) == before
    family.refresh_from_db()
    assert not family.is_closed
