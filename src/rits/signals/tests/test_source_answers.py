"""What a signal source sees of its deliveries, and who may be one.

A source writes and reads nothing back: every answer it can get (the API, the upload page
and its progress, ``import_signals``) tells how a delivery was taken in, never whether
or to whom a signal was linked. Checked by sending the same deliveries about a person
Rits knows and about one it does not: the answers must be the same apart from ids and
times."""

import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from rits.organisations.models import SIGNAL_SOURCE_KINDS, OrganisationKind
from rits.signals.intake import clients
from rits.signals.models import Signal, SignalBatch, SignalSourceToken, SignalStatus
from tests import factories

from .conftest import issue, token_client
from .helpers import csv_bytes, signal_row

pytestmark = pytest.mark.django_db

KNOWN = factories.valid_bsn(1)  # the mother of family_setup
UNKNOWN = factories.valid_bsn(2)  # nobody in Rits
# Fields that differ between any two deliveries, whatever they are about.
VOLATILE = {"id", "url", "received_at", "started_at", "finished_at"}


def _json(response) -> tuple[int, object]:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return response.status_code, strip(response.json())


def _page(response, source) -> tuple[int, str]:
    text = response.content.decode()
    text = text.replace(source.name, "SOURCE")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", text)
    text = re.sub(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", "TIME", text)
    text = re.sub(r'datetime="[^"]*"', 'datetime="TIME"', text)  # <time> (the date component)
    text = re.sub(r"/signals/batches/\d+/", "/signals/batches/ID/", text)
    text = re.sub(r"(Delivery|Levering) \d+", r"\1 ID", text)
    text = re.sub(r"<span[^>]*>[^<]* · SOURCE</span>", "USER", text)  # the header's user name
    return response.status_code, text


def _answers(source, bsn: str, client, tmp_path) -> dict[str, object]:
    """Every answer a source can get, for deliveries about the person with this BSN."""
    api = token_client(issue(source))
    staff = factories.ProfessionalFactory(organisation=source)
    client.logout()
    from tests.auth import login_verified

    login_verified(client, staff.user)
    answers: dict[str, object] = {}
    row = signal_row(reference="REF-1", bsn=bsn)
    answers["signal"] = _json(api.post("/api/v1/signals", row, format="json"))
    answers["signal again"] = _json(api.post("/api/v1/signals", row, format="json"))
    content = csv_bytes([signal_row(reference="REF-2", bsn=bsn), signal_row(reference="REF-3")])
    upload = api.post(
        "/api/v1/signal-batches",
        {"file": SimpleUploadedFile("signals.csv", content)},
        format="multipart",
    )
    answers["batch"] = _json(upload)
    url = upload.json()["url"]
    answers["batch report"] = _json(api.get(url))
    answers["batch report page"] = _json(api.get(url, {"offset": 0, "limit": 10}))
    answers["batch again"] = _json(
        api.post(
            "/api/v1/signal-batches",
            {"file": SimpleUploadedFile("signals.csv", content)},
            format="multipart",
        )
    )

    content = csv_bytes([signal_row(reference="REF-4", bsn=bsn)])
    posted = client.post(
        reverse("signals:upload"), {"file": SimpleUploadedFile("page.csv", content)}
    )
    answers["upload page"] = _page(client.get(reverse("signals:upload")), source)
    answers["progress"] = _page(client.get(posted["Location"]), source)
    answers["progress partial"] = _page(
        client.get(posted["Location"], HTTP_HX_REQUEST="true"), source
    )

    path = tmp_path / source.name / "import.csv"
    path.parent.mkdir()
    path.write_bytes(csv_bytes([signal_row(reference="REF-5", bsn=bsn)]))
    out = StringIO()
    call_command("import_signals", str(path), source=source.name, stdout=out)
    answers["import_signals"] = out.getvalue()
    return answers


def test_a_source_cannot_tell_whether_a_person_is_known(family_setup, client, tmp_path):
    first = factories.OrganisationFactory(name="Woonstichting Een", kind="woningcorporatie")
    second = factories.OrganisationFactory(name="Woonstichting Twee", kind="woningcorporatie")

    about_known = _answers(first, KNOWN, client, tmp_path)
    about_unknown = _answers(second, UNKNOWN, client, tmp_path)

    # The deliveries really went different ways after intake...
    signals = Signal.objects.filter(reference="REF-1")
    assert signals.get(source=first).status == SignalStatus.LINKED
    assert signals.get(source=second).status == SignalStatus.UNLINKED
    # ... and the sources were told the same, for every answer.
    assert about_known.keys() == about_unknown.keys()
    for name in about_known:
        assert about_known[name] == about_unknown[name], name
    assert about_known["signal again"][1]["status"] == "received"
    # Nor do the answers speak of linking (the pages: besides the menu of every page).
    for name, answer in about_known.items():
        text = str(answer).lower()
        if "page" not in name and "progress" not in name:
            assert "linked" not in text and "alert" not in text, name
    for name in ("progress", "progress partial"):
        assert "Linked to a family" not in about_known[name][1]
        assert "Not linked" not in about_known[name][1]


# --- who is a signal source -----------------------------------------------------------------


def test_the_signal_source_kinds_are_the_organisations_that_see_signs_from_outside_care():
    assert OrganisationKind.WONINGCORPORATIE in SIGNAL_SOURCE_KINDS
    assert OrganisationKind.JGZ in SIGNAL_SOURCE_KINDS
    for kind in (OrganisationKind.WIJKTEAM, OrganisationKind.GI, OrganisationKind.CARE_PROVIDER):
        assert kind not in SIGNAL_SOURCE_KINDS


def test_staff_of_another_kind_of_organisation_cannot_upload_signals(as_user, landlord):
    neighbourhood_team = factories.ProfessionalFactory()  # a wijkteam
    client = as_user(neighbourhood_team)

    page = client.get(reverse("signals:upload"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    assert b"Only staff of a signal source" in page.content
    content = csv_bytes([signal_row()])
    posted = client.post(reverse("signals:upload"), {"file": SimpleUploadedFile("s.csv", content)})
    assert posted.status_code == 403
    assert not SignalBatch.objects.exists() and not Signal.objects.exists()
    # Nor is there a menu item that leads there.
    home = client.get(reverse("families:my-families"))
    assert reverse("signals:upload").encode() not in home.content


def test_a_signal_sources_staff_see_the_menu_item(as_user, landlord):
    client = as_user(factories.ProfessionalFactory(organisation=landlord))
    home = client.get(reverse("families:my-families"))
    assert reverse("signals:upload").encode() in home.content


def test_a_batch_of_a_source_is_not_found_for_staff_of_another_kind(as_user, landlord):
    staff = factories.ProfessionalFactory(organisation=landlord)
    client = as_user(staff)
    client.post(
        reverse("signals:upload"),
        {"file": SimpleUploadedFile("s.csv", csv_bytes([signal_row()]))},
    )
    batch = SignalBatch.objects.get()
    # The landlord's kind changes: its staff no longer deliver, nor see deliveries.
    landlord.kind = OrganisationKind.CARE_PROVIDER
    landlord.save()
    assert client.get(reverse("signals:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("signals:upload")).status_code == 403


def test_keys_are_issued_to_signal_sources_only(landlord):
    team = factories.OrganisationFactory(name="Wijkteam Noord")
    with pytest.raises(CommandError, match="not a signal source"):
        call_command("issue_signal_token", source=team.name, name="x", stdout=StringIO())
    with pytest.raises(clients.NotASignalSource):
        issue(team)
    assert not SignalSourceToken.objects.exists()


def test_import_signals_refuses_an_organisation_that_is_no_signal_source(tmp_path):
    team = factories.OrganisationFactory(name="Wijkteam Noord")
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes([signal_row()]))
    with pytest.raises(CommandError, match="not a signal source"):
        call_command("import_signals", str(path), source=team.name, stdout=StringIO())
    assert not SignalBatch.objects.exists()


def test_a_key_opens_nothing_once_its_organisation_is_no_signal_source(landlord, landlord_api):
    assert landlord_api.post("/api/v1/signals", signal_row(), format="json").status_code == 201
    landlord.kind = OrganisationKind.WIJKTEAM
    landlord.save()
    for response in (
        landlord_api.post("/api/v1/signals", signal_row(reference="R2"), format="json"),
        landlord_api.post(
            "/api/v1/signal-batches",
            {"file": SimpleUploadedFile("s.csv", csv_bytes([signal_row(reference="R3")]))},
            format="multipart",
        ),
    ):
        assert response.status_code == 403
    assert Signal.objects.count() == 1


def test_a_resend_after_retention_does_not_tell_which_signals_were_kept(family_setup):
    """Retention removes the signals that linked to nobody and keeps the linked ones: a
    resend must be a duplicate either way, or it would tell which was which."""
    from datetime import timedelta

    from django.utils import timezone

    from rits.signals import retention

    landlord = factories.OrganisationFactory(name="Woonstichting Een", kind="woningcorporatie")
    api = token_client(issue(landlord))
    known = signal_row(reference="KNOWN-1", bsn=KNOWN)
    unknown = signal_row(reference="UNKNOWN", bsn=UNKNOWN)
    first = {
        r["reference"]: api.post("/api/v1/signals", r, format="json") for r in (known, unknown)
    }
    later = timezone.now() + timedelta(days=400)
    assert retention.purge_unlinked_signals(now=later) == 1
    assert list(Signal.objects.values_list("reference", flat=True)) == ["KNOWN-1"]

    for row in (known, unknown):
        again = api.post("/api/v1/signals", row, format="json")
        assert again.status_code == 200, row["reference"]
        assert again.json()["duplicate"] is True
        assert again.json()["id"] == first[row["reference"]].json()["id"]
    upload = api.post(
        "/api/v1/signal-batches",
        {"file": SimpleUploadedFile("again.csv", csv_bytes([known, unknown]))},
        format="multipart",
    )
    report = api.get(upload.json()["url"]).json()
    assert (report["accepted"], report["duplicates"]) == (0, 2)
    assert list(Signal.objects.values_list("reference", flat=True)) == ["KNOWN-1"]
