"""A refused read leaves a trace for the privacy officer (issue 9 #11), while the answer
stays the same 404 for a family one may not see and for one that does not exist."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import verify_chains
from tests import factories

pytestmark = pytest.mark.django_db


def _page(response, family_id) -> str:
    """A page without what differs by request anyway: its CSRF token and own address."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return html.replace(f"/families/{family_id}/", "/families/ID/")


def refusals(professional):
    return AuditEvent.objects.filter(action=AuditAction.REFUSED, user_id=professional.user.pk)


def test_an_outsider_is_refused_the_same_for_a_real_and_a_nonexistent_family(family_setup, as_user):
    outsider = family_setup["outsider"]
    family = family_setup["family"]
    client = as_user(outsider)
    missing = family.pk + 1000
    real = client.get(reverse("families:overview", args=[family.pk]))
    fake = client.get(reverse("families:overview", args=[missing]))
    assert real.status_code == fake.status_code == 404
    assert _page(real, family.pk) == _page(fake, missing)
    api_real = client.get(f"/api/v1/families/{family.pk}")
    api_fake = client.get(f"/api/v1/families/{missing}")
    assert api_real.status_code == api_fake.status_code == 404
    assert api_real.content == api_fake.content

    events = list(refusals(outsider).order_by("id"))
    assert [e.object_id for e in events] == [str(family.pk), str(missing)] * 2
    for event in events:
        assert event.organisation_id == outsider.organisation_id
        assert event.organisation_name == outsider.organisation.name
        assert event.role == outsider.role
        assert event.ground == ""
    # the real family's attempts are on its log for the privacy officer; a made-up id on none
    assert [e.family_id for e in events] == [family.pk, None] * 2
    assert verify_chains()[1] == []


def test_the_coordinator_does_not_see_refusals_the_privacy_officer_does(family_setup, as_user):
    family = family_setup["family"]
    as_user(family_setup["outsider"]).get(reverse("families:overview", args=[family.pk]))
    log_url = reverse("access:access-log", args=[family.pk])

    # The sentence in whichever language the page is rendered in.
    english = "tried to open the family's file and was refused"
    with translation.override("nl"):
        refusal = {english, gettext(english)}

    coordinator_log = as_user(family_setup["coordinator"]).get(log_url)
    assert coordinator_log.status_code == 200
    assert all(line.what not in refusal for line in coordinator_log.context["page"])

    officer = factories.ProfessionalFactory(role="privacy_officer")
    officer_log = as_user(officer).get(log_url)
    refused = [line for line in officer_log.context["page"] if line.what in refusal]
    assert [line.who for line in refused] == [str(family_setup["outsider"].user)]


def test_a_refused_access_log_is_recorded(family_setup, as_user):
    family = family_setup["family"]
    worker = family_setup["worker"]  # involved, but not the coordinator
    response = as_user(worker).get(reverse("access:access-log", args=[family.pk]))
    assert response.status_code == 404
    event = refusals(worker).get()
    assert event.object_type == "family.access_log"
    assert event.object_id == str(family.pk)


def test_a_privacy_officer_asking_for_a_nonexistent_log_is_recorded(family_setup, as_user):
    officer = factories.ProfessionalFactory(role="privacy_officer")
    missing = family_setup["family"].pk + 1000
    response = as_user(officer).get(reverse("access:access-log", args=[missing]))
    assert response.status_code == 404
    event = refusals(officer).get()
    assert (event.object_type, event.object_id, event.family_id) == (
        "family.access_log",
        str(missing),
        None,
    )


def test_a_bsn_tried_as_an_id_is_not_recorded_as_itself(family_setup, as_user):
    outsider = family_setup["outsider"]
    bsn = factories.valid_bsn(1)
    response = as_user(outsider).get(f"/api/v1/families/{bsn}")
    assert response.status_code == 404
    event = refusals(outsider).get()
    assert bsn not in event.object_id and bsn not in str(event.detail)


def test_ids_beyond_the_database_are_refused_and_recorded(family_setup, as_user):
    outsider = family_setup["outsider"]
    huge = "9" * 30
    response = as_user(outsider).get(f"/api/v1/families/{huge}")
    assert response.status_code == 404
    assert len(refusals(outsider).get().object_id) <= 64


def test_an_involved_professional_leaves_no_refusal(family_setup, as_user):
    worker = family_setup["worker"]
    as_user(worker).get(reverse("families:overview", args=[family_setup["family"].pk]))
    assert not refusals(worker).exists()
