"""The signal intake API, used the way a source's machine client uses it: with its API
key, and only for delivering signals and reading its own reports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor
from rits.signals.intake import clients, services
from rits.signals.models import BatchStatus, Signal, SignalBatch, SignalSourceToken
from tests import factories

from .conftest import issue, token_client
from .helpers import INVALID_BSN, VALID_BSN, csv_bytes, json_bytes, rows, signal_row

pytestmark = pytest.mark.django_db

SIGNALS = "/api/v1/signals"
BATCHES = "/api/v1/signal-batches"


def upload(client, content: bytes, name: str = "signals.csv"):
    return client.post(BATCHES, {"file": SimpleUploadedFile(name, content)}, format="multipart")


def post_body(client, content: bytes, content_type: str = "text/csv"):
    return client.generic("POST", BATCHES, content, content_type=content_type)


def invalid_params(response) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for param in response.json()["invalid_params"]:
        params.setdefault(param["name"], []).append(param["reason"])
    return params


# --- one signal ----------------------------------------------------------------------------


def test_one_signal_is_stored_and_acknowledged(landlord_api, landlord):
    response = landlord_api.post(SIGNALS, signal_row(bsn=VALID_BSN, crisis=True), format="json")

    assert response.status_code == 201
    body = response.json()
    signal = Signal.objects.get()
    assert body == {
        "id": signal.pk,
        "reference": "REF-1",
        "status": "received",
        "duplicate": False,
        "warnings": [],
    }
    assert signal.source == landlord and signal.crisis and signal.batch is None
    event = AuditEvent.objects.get(object_type="signal", action=AuditAction.CREATE)
    assert event.object_id == str(signal.pk)
    assert event.organisation_id == landlord.pk and event.role == "signal_source"
    assert event.user_id is None and "API key rits_" in event.user_display


def test_sending_a_signal_again_returns_the_first_one_unchanged(landlord_api):
    first = landlord_api.post(SIGNALS, signal_row(), format="json").json()
    response = landlord_api.post(SIGNALS, signal_row(amount_eur="99"), format="json")

    assert response.status_code == 200
    assert response.json()["duplicate"] is True and response.json()["id"] == first["id"]
    assert Signal.objects.count() == 1
    assert str(Signal.objects.get().amount_eur) == "1234.56"


def test_a_bad_signal_is_refused_with_every_field_at_fault(landlord_api):
    data = signal_row(bsn=INVALID_BSN, signal_type="huur", amount_eur="-3", extra="x")
    response = landlord_api.post(SIGNALS, data, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    params = invalid_params(response)
    assert set(params) == {"bsn", "signal_type", "amount_eur"}
    assert INVALID_BSN not in response.content.decode()
    assert not Signal.objects.exists()


def test_a_signal_must_be_one_json_object(landlord_api):
    response = landlord_api.post(SIGNALS, [signal_row()], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in invalid_params(response)
    broken = landlord_api.generic("POST", SIGNALS, b"{broken", content_type="application/json")
    assert broken.status_code == 400


def test_unknown_fields_of_a_signal_come_back_as_warnings(landlord_api):
    response = landlord_api.post(SIGNALS, signal_row(extra="x"), format="json")
    assert response.status_code == 201
    assert [w["field"] for w in response.json()["warnings"]] == ["extra"]


# --- batches -----------------------------------------------------------------------------------


def test_a_csv_upload_is_accepted_at_once_and_reported(landlord_api, landlord):
    content = csv_bytes(rows(2) + [signal_row(reference="BAD", bsn=INVALID_BSN)])
    response = upload(landlord_api, content)

    assert response.status_code == 202
    batch = SignalBatch.objects.get()
    assert response.json() == {
        "id": batch.pk,
        "status": "received",
        "url": f"/api/v1/signal-batches/{batch.pk}",
    }
    assert response["Location"] == f"http://testserver/api/v1/signal-batches/{batch.pk}"
    assert batch.source == landlord and batch.file_name == "signals.csv"

    report = landlord_api.get(response["Location"])
    assert report.status_code == 200
    body = report.json()
    assert body["status"] == "done" and body["format"] == "csv"
    assert (body["rows"], body["accepted"], body["duplicates"], body["rejected"]) == (3, 2, 0, 1)
    assert body["report_total"] == 1
    assert body["report"] == [
        {
            "line": 4,
            "reference": "BAD",
            "field": "bsn",
            "reason": "This is not a valid BSN (it fails the 11-proef).",
        }
    ]
    assert INVALID_BSN not in report.content.decode()
    assert body["error"] == "" and body["warnings"] == [] and body["size_bytes"] == len(content)


def test_a_csv_body_and_a_json_array_are_accepted_too(landlord_api):
    as_csv = post_body(landlord_api, csv_bytes(rows(2)), "text/csv; charset=utf-8")
    as_json = post_body(landlord_api, json_bytes(rows(3)), "application/json")

    assert as_csv.status_code == as_json.status_code == 202
    first, second = SignalBatch.objects.order_by("pk")
    assert (first.format, first.accepted) == ("csv", 2)
    assert (second.format, second.accepted, second.duplicates) == ("json", 1, 2)


def test_a_json_file_upload_is_read_as_json(landlord_api):
    response = upload(landlord_api, json_bytes(rows(2)), name="export.json")
    assert response.status_code == 202
    assert SignalBatch.objects.get().format == "json"


def test_sending_the_same_file_again_creates_nothing(landlord_api):
    content = csv_bytes(rows(3))
    upload(landlord_api, content)
    response = upload(landlord_api, content)
    body = landlord_api.get(response["Location"]).json()
    assert (body["accepted"], body["duplicates"]) == (0, 3)
    assert Signal.objects.count() == 3


def test_an_unreadable_file_is_reported_as_failed(landlord_api):
    response = upload(landlord_api, csv_bytes(rows(1)).replace(b"Haile", "Hailé".encode("cp1252")))
    body = landlord_api.get(response["Location"]).json()
    assert body["status"] == "failed" and "not UTF-8" in body["error"]
    assert body["accepted"] == 0


def test_the_report_comes_in_pages(landlord_api):
    content = csv_bytes(rows(5, crisis="?"))
    location = upload(landlord_api, content)["Location"]
    page = landlord_api.get(location, {"offset": 1, "limit": 2}).json()
    assert page["report_total"] == 5
    assert [p["line"] for p in page["report"]] == [3, 4]
    assert landlord_api.get(location, {"limit": 5000}).status_code == 400
    assert landlord_api.get(location, {"offset": "-1"}).status_code == 400


def test_an_empty_delivery_is_refused(landlord_api):
    assert upload(landlord_api, b"").status_code == 400
    response = post_body(landlord_api, b"")
    assert response.status_code == 400 and "empty" in invalid_params(response)["file"][0]
    assert not SignalBatch.objects.exists()


def test_a_delivery_that_is_too_large_is_refused(landlord_api, settings):
    settings.SIGNAL_MAX_UPLOAD_MB = 1
    content = csv_bytes(rows(12_000))
    assert len(content) > 1024 * 1024
    for response in (upload(landlord_api, content), post_body(landlord_api, content)):
        assert response.status_code == 413
        assert "larger than 1 MB" in response.json()["detail"]
    assert not SignalBatch.objects.exists()


def test_a_declared_length_above_the_limit_is_refused_before_reading(landlord_api, settings):
    settings.SIGNAL_MAX_UPLOAD_MB = 1
    response = landlord_api.generic(
        "POST", BATCHES, b"x", content_type="text/csv", CONTENT_LENGTH=str(5 * 1024 * 1024)
    )
    assert response.status_code == 413


def test_other_content_types_and_a_missing_file_field(landlord_api):
    response = post_body(landlord_api, b"<signals/>", "application/xml")
    assert response.status_code == 415
    missing = landlord_api.post(BATCHES, {"bestand": "x"}, format="multipart")
    assert missing.status_code == 400 and "file" in invalid_params(missing)


def test_the_upload_is_answered_before_it_is_processed(landlord_api, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = upload(landlord_api, csv_bytes(rows(2)))
    assert response.status_code == 202
    body = landlord_api.get(response["Location"]).json()
    assert body["status"] == "received" and body["rows"] == 0
    assert not Signal.objects.exists()

    services.process_batch(body["id"])
    assert landlord_api.get(response["Location"]).json()["accepted"] == 2


def test_with_the_database_backend_a_worker_processes_the_batch(
    transactional_db, landlord_api, settings
):
    # Committed for real: the worker opens and closes database connections of its own.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = upload(landlord_api, csv_bytes(rows(2)))
    assert response.status_code == 202
    # The task is queued in the same transaction as the batch.
    task = DBTaskResult.objects.get()
    assert task.task_path == "rits.signals.pipeline.process_batch_task"
    assert SignalBatch.objects.get().status == BatchStatus.RECEIVED

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    assert SignalBatch.objects.get().status == BatchStatus.DONE
    assert Signal.objects.count() == 2


def test_one_signal_is_queued_in_the_transaction_that_stores_it(
    transactional_db, landlord_api, settings
):
    # The same rule as for a delivery (pipeline.py): a new signal and its task are
    # committed together; a signal sent again queues nothing.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert landlord_api.post(SIGNALS, signal_row(), format="json").status_code == 201
    task = DBTaskResult.objects.get()
    assert task.task_path == "rits.signals.pipeline.process_signal_task"
    assert task.args_kwargs["args"] == [Signal.objects.get().pk]
    assert landlord_api.post(SIGNALS, signal_row(), format="json").status_code == 200
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    assert Signal.objects.get().linked_at is not None


# --- who may do what ---------------------------------------------------------------------------


def test_a_source_cannot_read_another_sources_batch(landlord_api, energy_company):
    other = token_client(issue(energy_company))
    location = upload(other, csv_bytes(rows(1, signal_type="energy_arrears")))["Location"]
    batch_id = SignalBatch.objects.get().pk

    response = landlord_api.get(location)

    assert response.status_code == 404
    assert (
        response.json()["detail"] == landlord_api.get(f"{BATCHES}/{batch_id + 99}").json()["detail"]
    )
    assert other.get(location).status_code == 200


@pytest.mark.parametrize("method", ["post_signal", "post_batch", "get_batch"])
@pytest.mark.parametrize(
    "authorization",
    [None, "Token rits_wrong", "Token", "Bearer x", "Token a b", "Token rits_\u00e9"],
)
def test_without_a_valid_key_nothing_is_accepted(landlord, method, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization.encode().decode("latin-1"))
    batch = SignalBatch.objects.create(source=landlord, format="csv")
    response = {
        "post_signal": lambda: client.post(SIGNALS, signal_row(), format="json"),
        "post_batch": lambda: upload(client, csv_bytes(rows(1))),
        "get_batch": lambda: client.get(f"{BATCHES}/{batch.pk}"),
    }[method]()
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not Signal.objects.exists()


def test_a_revoked_key_is_refused_at_once(landlord, landlord_key, landlord_api):
    assert landlord_api.post(SIGNALS, signal_row(), format="json").status_code == 201
    token = SignalSourceToken.objects.get()
    clients.revoke_token(token=token, actor=Actor.system("test"))
    response = landlord_api.post(SIGNALS, signal_row(reference="R2"), format="json")
    assert response.status_code == 401
    assert Signal.objects.count() == 1


def test_a_demo_key_works_only_in_demo_mode(landlord, settings):
    client = token_client(clients.ensure_demo_token(landlord))
    settings.DEMO_MODE = False
    assert client.post(SIGNALS, signal_row(), format="json").status_code == 401
    settings.DEMO_MODE = True
    assert client.post(SIGNALS, signal_row(), format="json").status_code == 201


def test_a_key_is_stored_only_as_a_hash_and_notes_its_use(landlord, landlord_key, landlord_api):
    token = SignalSourceToken.objects.get()
    assert landlord_key not in (token.token_hash, token.prefix)
    assert landlord_key.startswith(token.prefix) and len(landlord_key) > 40
    assert token.last_used_at is None
    landlord_api.post(SIGNALS, signal_row(), format="json")
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at <= timezone.now()


def test_a_source_key_opens_no_family_endpoint(landlord_api, family_setup):
    family_id = family_setup["family"].pk
    responses = [
        landlord_api.get("/api/v1/families"),
        landlord_api.get(f"/api/v1/families/{family_id}"),
        landlord_api.post("/api/v1/families/search", {"q": "Haile"}, format="json"),
        landlord_api.post("/api/v1/family-imports", {}, format="multipart"),
    ]
    for response in responses:
        assert response.status_code in (401, 403), response.status_code
        assert "Haile" not in response.content.decode()
    assert not AuditEvent.objects.filter(family_id=family_id).exists()


def test_a_logged_in_professional_cannot_use_the_signal_endpoints(family_setup, as_user):
    # Signal endpoints are for the sources' machine clients; staff will have their own
    # upload page. Even a professional of the source organisation is refused here.
    client = as_user(family_setup["coordinator"])
    source_staff = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(kind="woningcorporatie")
    )
    batch = SignalBatch.objects.create(source=source_staff.organisation, format="csv")
    assert client.post(SIGNALS, signal_row(), format="json").status_code == 401
    assert client.post(BATCHES, {"file": SimpleUploadedFile("s.csv", b"x")}).status_code == 401
    staff = as_user(source_staff)
    assert staff.get(f"{BATCHES}/{batch.pk}").status_code == 401
    assert staff.post(SIGNALS, signal_row(), format="json").status_code == 401
    assert not Signal.objects.exists()


def test_a_stored_report_is_in_the_regions_language_whatever_the_request(landlord_api, settings):
    settings.LANGUAGE_CODE = "nl"
    content = csv_bytes([signal_row(bsn=INVALID_BSN)])
    response = landlord_api.post(
        BATCHES,
        {"file": SimpleUploadedFile("s.csv", content)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = landlord_api.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["report"][0]["reason"] == (
        "Dit is geen geldig BSN (het voldoet niet aan de 11-proef)."
    )


def test_a_body_larger_than_djangos_form_limit_is_streamed_in(landlord_api, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    content = csv_bytes(rows(30_000))
    assert len(content) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for response in (post_body(landlord_api, content), upload(landlord_api, content)):
        assert response.status_code == 202
    assert [b.size_bytes for b in SignalBatch.objects.all()] == [len(content)] * 2
