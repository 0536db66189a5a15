"""Issue 11: the coordinator cancels a planned hand-over of the coordination before its
date: they stay coordinator, the successor's coordination stops giving access at once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families import services
from rits.families.models import FamilyEvent, Involvement
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _client(professional) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def _plan_hand_over(setup) -> Involvement:
    family, coordinator, worker = setup["family"], setup["coordinator"], setup["worker"]
    own = Involvement.objects.get(family=family, professional=worker)
    return services.hand_over_coordination(
        user=coordinator.user,
        grant=grant_for(coordinator.user, family.pk),
        successor_id=own.pk,
        last_day=timezone.localdate() + datetime.timedelta(days=14),
    )


def test_the_coordinator_cancels_a_hand_over_planned_today(family_setup):
    family, coordinator, worker = (
        family_setup["family"],
        family_setup["coordinator"],
        family_setup["worker"],
    )
    taking_over = _plan_hand_over(family_setup)
    assert grant_for(worker.user, family.pk).is_coordinator
    client = _client(coordinator)
    page = client.get(reverse("families:overview", args=[family.pk])).content.decode()
    url = reverse("families:cancel-hand-over", args=[family.pk])
    assert url in page and "Cancel the hand-over" in page
    response = client.post(url)
    assert response.status_code == 302
    # started today: it cannot end before it started, so it is gone (the audit log keeps it)
    assert not Involvement.all_objects.filter(pk=taking_over.pk).exists()
    current = Involvement.objects.get(family=family, professional=coordinator)
    assert current.is_coordinator and current.end_date is None
    assert not grant_for(worker.user, family.pk).is_coordinator  # at once
    assert grant_for(worker.user, family.pk).ground == "involvement"  # still involved
    event = AuditEvent.objects.get(object_type="involvement.hand_over_cancel")
    assert event.detail == {
        "kept": current.pk,
        "successor": taking_over.pk,
        "successor_ended": False,
    }
    timeline = FamilyEvent.objects.get(code="family.coordination_hand_over_cancelled")
    assert timeline.domain == ""
    page = client.get(reverse("families:overview", args=[family.pk])).content.decode()
    assert 'id="planned-successor"' not in page and "Hand over the coordination" in page
    # nothing left to cancel
    again = client.post(url, follow=True).content.decode()
    assert "No hand-over of the coordination is planned." in again


def test_a_successor_whose_coordination_started_before_today_is_ended_yesterday(family_setup):
    family, coordinator = family_setup["family"], family_setup["coordinator"]
    taking_over = _plan_hand_over(family_setup)
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    Involvement.objects.filter(pk=taking_over.pk).update(start_date=week_ago)
    services.cancel_hand_over(user=coordinator.user, grant=grant_for(coordinator.user, family.pk))
    taking_over.refresh_from_db()
    # what it was: coordination from a week ago up to and including yesterday
    assert taking_over.start_date == week_ago
    assert taking_over.end_date == timezone.localdate() - datetime.timedelta(days=1)
    assert not Involvement.objects.active().filter(pk=taking_over.pk).exists()
    assert Involvement.objects.coordinator_of(family).professional == coordinator
    later = timezone.localdate() + datetime.timedelta(days=30)
    assert Involvement.objects.coordinator_of(family, later).professional == coordinator


def test_only_the_coordinator_handing_over_cancels(family_setup):
    family, worker = family_setup["family"], family_setup["worker"]
    taking_over = _plan_hand_over(family_setup)
    # the successor coordinates during the overlap, but cannot cancel it
    with pytest.raises(ValidationError):
        services.cancel_hand_over(user=worker.user, grant=grant_for(worker.user, family.pk))
    assert Involvement.objects.filter(pk=taking_over.pk).exists()
    page = _client(worker).get(reverse("families:overview", args=[family.pk])).content.decode()
    assert "Cancel the hand-over" not in page


def test_without_a_planned_hand_over_there_is_nothing_to_cancel(family_setup):
    family, coordinator = family_setup["family"], family_setup["coordinator"]
    with pytest.raises(ValidationError):
        services.cancel_hand_over(
            user=coordinator.user, grant=grant_for(coordinator.user, family.pk)
        )
    with pytest.raises(PermissionDenied):
        services.cancel_hand_over(
            user=family_setup["worker"].user,
            grant=grant_for(family_setup["worker"].user, family.pk),
        )


def test_an_outsider_gets_not_found_and_emergency_access_is_refused(family_setup):
    family = family_setup["family"]
    taking_over = _plan_hand_over(family_setup)
    url = reverse("families:cancel-hand-over", args=[family.pk])
    assert _client(family_setup["outsider"]).post(url).status_code == 404
    breaker = factories.ProfessionalFactory()
    EmergencyAccess.objects.create(
        professional=breaker,
        family=family,
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    assert _client(breaker).post(url).status_code == 403
    assert _client(family_setup["coordinator"]).get(url).status_code == 405
    assert Involvement.objects.filter(pk=taking_over.pk, end_date__isnull=True).exists()
