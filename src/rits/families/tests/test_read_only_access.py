"""Issue 9 #5: emergency access is read-only everywhere. It shows a family in an
emergency; it never adds to it, and it never takes a copy away (the export)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from rits.access.models import EmergencyAccess
from rits.access.rules import Grant, Ground, access_log_grant, grant_for
from rits.audit.models import AuditEvent
from rits.families import services
from rits.families.models import Membership, NetworkMember, Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def emergency(family_setup):
    EmergencyAccess.objects.create(
        professional=family_setup["outsider"],
        family=family_setup["family"],
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    return family_setup["outsider"]


def _grant_on_each_ground(family_setup, emergency) -> dict[str, Grant]:
    """One grant per ground, each as access gives it (a grant cannot be made by hand)."""
    family, worker = family_setup["family"], family_setup["worker"]
    team = factories.TeamFactory(organisation=worker.organisation)
    worker.team = team
    worker.save()
    worker.organisation.team_shares_caseload = True
    worker.organisation.save()
    colleague = factories.ProfessionalFactory(organisation=worker.organisation, team=team)
    officer = factories.ProfessionalFactory(role="privacy_officer")
    grants = {
        g.ground: g
        for g in [
            grant_for(family_setup["coordinator"].user, family.pk),
            grant_for(worker.user, family.pk),
            grant_for(colleague.user, family.pk),
            grant_for(emergency.user, family.pk),
            access_log_grant(officer.user, family.pk),
        ]
    }
    assert set(grants) == {
        Ground.COORDINATOR,
        Ground.INVOLVEMENT,
        Ground.TEAM,
        Ground.EMERGENCY,
        Ground.PRIVACY_OFFICER,
    }
    return grants


def test_only_emergency_and_privacy_officer_grounds_are_read_only(family_setup, emergency):
    grants = _grant_on_each_ground(family_setup, emergency)
    for ground in (Ground.COORDINATOR, Ground.INVOLVEMENT, Ground.TEAM):
        assert grants[ground].can_write
        grants[ground].require_write()
        grants[ground].require("export")
    for ground in (Ground.EMERGENCY, Ground.PRIVACY_OFFICER):
        assert not grants[ground].can_write
        for permission in ("write", "export", "coordinate"):
            with pytest.raises(PermissionDenied):
                grants[ground].require(permission)


def test_only_the_coordinator_may_coordinate(family_setup, emergency):
    grants = _grant_on_each_ground(family_setup, emergency)
    grants[Ground.COORDINATOR].require("coordinate")
    for ground in (Ground.INVOLVEMENT, Ground.TEAM):
        with translation.override("en"), pytest.raises(PermissionDenied, match="coordinator"):
            grants[ground].require("coordinate")


def test_a_grant_cannot_be_made_outside_access(family_setup):
    with pytest.raises(TypeError, match="Only rits.access"):
        Grant(family_setup["family"], family_setup["worker"], Ground.COORDINATOR, frozenset())


def test_emergency_access_cannot_add_a_member_or_network_member(family_setup, emergency, as_user):
    family = family_setup["family"]
    client = as_user(emergency)
    members, network, writes = (
        Membership.objects.count(),
        NetworkMember.objects.count(),
        AuditEvent.objects.filter(action="create").count(),
    )
    member_url = reverse("families:add-member", args=[family.pk])
    network_url = reverse("families:add-network-member", args=[family.pk])
    assert client.get(member_url).status_code == 403
    assert client.get(network_url).status_code == 403
    response = client.post(
        member_url,
        {"role": "child", "surname": "Haile", "given_names": "Noah", "birth_date": "2023-06-01"},
    )
    assert response.status_code == 403
    response = client.post(network_url, {"name": "Buurman", "relation": "neighbour"})
    assert response.status_code == 403
    assert Membership.objects.count() == members
    assert NetworkMember.objects.count() == network
    assert not Person.objects.filter(given_names="Noah").exists()
    assert AuditEvent.objects.filter(action="create").count() == writes


def test_write_services_refuse_an_emergency_grant(family_setup, emergency):
    grant = grant_for(emergency.user, family_setup["family"].pk)
    assert grant.ground == Ground.EMERGENCY
    with pytest.raises(PermissionDenied):
        services.add_member(
            user=emergency.user,
            grant=grant,
            data=services.PersonData(surname="Haile", birth_date=datetime.date(2023, 6, 1)),
            role="child",
        )
    with pytest.raises(PermissionDenied):
        services.add_network_member(
            user=emergency.user,
            grant=grant,
            member=NetworkMember(name="Buurman", relation="neighbour"),
        )
    assert not NetworkMember.objects.exists()
    assert not Person.objects.filter(given_names="").exists()


def test_emergency_access_cannot_export(family_setup, emergency, as_user):
    family = family_setup["family"]
    client = as_user(emergency)
    # reading on screen is what emergency access is for
    assert client.get(reverse("families:overview", args=[family.pk])).status_code == 200
    response = client.get(reverse("families:export", args=[family.pk]))
    assert response.status_code == 403
    assert family_setup["mother"].given_names.encode() not in response.content
    assert not AuditEvent.objects.filter(action="export").exists()
    # the coordinator still exports
    coordinator = as_user(family_setup["coordinator"])
    assert coordinator.get(reverse("families:export", args=[family.pk])).status_code == 200


def test_uninvolved_professional_still_gets_not_found(family_setup, as_user):
    client = as_user(factories.ProfessionalFactory())
    family = family_setup["family"]
    assert client.get(reverse("families:add-member", args=[family.pk])).status_code == 404
    assert client.get(reverse("families:export", args=[family.pk])).status_code == 404
