"""The upload page for a source's staff: same intake as the API, progress, own deliveries only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rits.signals.models import BatchStatus, Signal, SignalBatch
from tests import factories

pytestmark = pytest.mark.django_db

CSV = (
    "reference;signal_type;signal_date;surname;given_names;birth_date;postcode;house_number\n"
    "HUUR-1;rent_arrears;2026-11-01;Tesfamariam;Saba;2004-07-05;3563TD;41\n"
    "HUUR-2;rent_arrears;2999-01-01;Tesfamariam;Saba;2004-07-05;3563TD;41\n"
)


@pytest.fixture
def landlord_staff(landlord):
    return factories.ProfessionalFactory(organisation=landlord)


def _upload(client, content=CSV, name="achterstanden.csv"):
    return client.post(
        reverse("signals:upload"),
        {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")},
    )


def test_staff_upload_a_file_and_follow_its_progress(as_user, landlord_staff):
    client = as_user(landlord_staff)
    assert client.get(reverse("signals:upload")).status_code == 200
    response = _upload(client)
    batch = SignalBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("signals:batch", args=[batch.pk])
    assert batch.submitted_by == landlord_staff.user and batch.expected_lines == 3
    assert batch.status == BatchStatus.DONE and batch.accepted == 1 and batch.rejected == 1

    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page  # the progress bar is full
    assert "signal_date" in page  # the rejected row names its field
    assert "Saba" not in page  # the page reports, it does not show the signal again
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="batch-progress"') and "hx-trigger" not in partial


def test_another_organisation_cannot_see_the_delivery(as_user, landlord_staff, family_setup):
    _upload(as_user(landlord_staff))
    batch = SignalBatch.objects.get()
    outsider = as_user(family_setup["outsider"])
    assert outsider.get(reverse("signals:batch", args=[batch.pk])).status_code == 404
    assert b"achterstanden.csv" not in outsider.get(reverse("signals:upload")).content


def test_an_empty_file_is_refused_with_a_clear_message(as_user, landlord_staff):
    response = _upload(as_user(landlord_staff), content="")
    assert response.status_code == 200
    assert not SignalBatch.objects.exists() and not Signal.objects.exists()
    assert b"utrecht-form-field--invalid" in response.content


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("signals:upload"))
    assert response.status_code == 302 and "login" in response["Location"]
