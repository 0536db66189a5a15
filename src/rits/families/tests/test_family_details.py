"""Issue 11: the family's own details (name, address, municipality) can be changed after
its file started, with their history kept, audited and on the timeline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families import services
from rits.families.models import Family, FamilyEvent
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _client(professional) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def _body(**extra):
    return {
        "name": "Gezin Haile-Tesfay",
        "street": "Kerkstraat",
        "house_number": "12",
        "house_number_suffix": "a",
        "postcode": "3511 ab",
        "city": "Utrecht",
        **extra,
    }


def test_a_writer_changes_the_familys_details_and_its_history_shows_before_and_after(
    family_setup,
):
    family, worker = family_setup["family"], family_setup["worker"]
    old_name = family.name
    municipality = factories.MunicipalityFactory(code="0355", name="Zeist")
    client = _client(worker)
    overview = client.get(reverse("families:overview", args=[family.pk])).content.decode()
    url = reverse("families:change-family-details", args=[family.pk])
    assert url in overview
    form = client.get(url).content.decode()
    assert 'for="id_name"' in form and old_name in form
    response = client.post(url, _body(municipality=municipality.pk))
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.name == "Gezin Haile-Tesfay"
    assert family.postcode == "3511AB" and family.house_number == 12
    assert family.municipality == municipality
    event = AuditEvent.objects.get(object_type="family.details")
    assert event.action == "update" and event.family_id == family.pk
    # the field names only, never their values
    assert "Kerkstraat" not in str(event.detail) and "name" in event.detail["fields"]
    timeline = FamilyEvent.objects.get(code="family.details_changed")
    assert timeline.domain == "" and timeline.params == {}
    history = client.get(reverse("families:family-history", args=[family.pk])).content.decode()
    assert old_name in history and "Gezin Haile-Tesfay" in history
    assert "Kerkstraat" in history and municipality.name in history
    assert f"by {worker.user}" in history or worker.name in history
    assert AuditEvent.objects.filter(object_type="family.history", family_id=family.pk).exists()


def test_bad_input_is_refused_per_field_and_kept(family_setup):
    family = family_setup["family"]
    client = _client(family_setup["coordinator"])
    url = reverse("families:change-family-details", args=[family.pk])
    response = client.post(url, _body(postcode="35AB", street="<b>Straat</b>"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "A postcode is four digits and two letters" in page
    assert 'value="Gezin Haile-Tesfay"' in page  # nothing typed is lost
    assert "&lt;b&gt;Straat&lt;/b&gt;" in page and "<b>Straat</b>" not in page
    assert client.post(url, _body(name=" ")).status_code == 200
    family.refresh_from_db()
    assert family.name == "Gezin Haile"


def test_nothing_changed_writes_nothing(family_setup):
    family, coordinator = family_setup["family"], family_setup["coordinator"]
    grant = grant_for(coordinator.user, family.pk)
    data = services.FamilyData(
        name=family.name,
        street=family.street,
        house_number=family.house_number,
        house_number_suffix=family.house_number_suffix,
        postcode=family.postcode,
        city=family.city,
        municipality=family.municipality,
    )
    before = Family.history.filter(id=family.pk).count()
    services.update_family_details(user=coordinator.user, grant=grant, data=data)
    assert Family.history.filter(id=family.pk).count() == before
    assert not AuditEvent.objects.filter(object_type="family.details").exists()


def test_a_closed_file_is_refused_and_shows_no_link(family_setup):
    family, coordinator = family_setup["family"], family_setup["coordinator"]
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])
    grant = grant_for(coordinator.user, family.pk)
    with pytest.raises(PermissionDenied):
        services.update_family_details(
            user=coordinator.user, grant=grant, data=services.FamilyData(name="Anders")
        )
    client = _client(coordinator)
    url = reverse("families:change-family-details", args=[family.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _body()).status_code == 403
    overview = client.get(reverse("families:overview", args=[family.pk])).content.decode()
    assert url not in overview
    assert reverse("families:family-history", args=[family.pk]) in overview


def test_an_outsider_gets_not_found_and_emergency_access_cannot_change(family_setup):
    family = family_setup["family"]
    url = reverse("families:change-family-details", args=[family.pk])
    history = reverse("families:family-history", args=[family.pk])
    outsider = _client(family_setup["outsider"])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, _body()).status_code == 404
    assert outsider.get(history).status_code == 404
    breaker = factories.ProfessionalFactory()
    EmergencyAccess.objects.create(
        professional=breaker,
        family=family,
        reason="Acute zorg om de veiligheid van het kind na melding politie.",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=4),
    )
    emergency = _client(breaker)
    assert emergency.get(url).status_code == 403
    assert emergency.post(url, _body()).status_code == 403
    assert emergency.get(history).status_code == 200  # reading is what it is for
    family.refresh_from_db()
    assert family.name == "Gezin Haile"
