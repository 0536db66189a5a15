"""Deliveries that used to poison intake: text that is not valid Unicode, JSON nested
thousands deep, and processing that raises. A bad field costs its row, unreadable
structure costs the file, and no batch is left "processing" or holds up the others."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rits.audit.services import Actor
from rits.signals.intake import parsing, services
from rits.signals.models import BatchStatus, Signal, SignalBatch

from .helpers import counts_of, csv_bytes, json_bytes, report, rows, signal_row

pytestmark = pytest.mark.django_db

SURROGATE_ESCAPE = b'"\\ud800"'  # the JSON escape of a lone surrogate
SURROGATE_BYTES = b'"\xed\xa0\x80"'  # the same as (invalid) UTF-8 bytes
NESTED = b"[" * 5000 + b"]" * 5000


def _receive(source, content: bytes, fmt=None) -> SignalBatch:
    return services.receive_batch(source=source, content=content, fmt=fmt, actor=Actor.system("t"))


def _with_bad_surname(raw: bytes) -> bytes:
    """Three signals as a JSON array; the second one's surname is ``raw``."""
    content = json_bytes(rows(3))
    second = content.index(b'"REF-2"')
    start = content.index(b'"Haile"', second)
    return content[:start] + raw + content[start + len(b'"Haile"') :]


@pytest.mark.parametrize("raw", [SURROGATE_ESCAPE, SURROGATE_BYTES], ids=["escape", "bytes"])
def test_a_lone_surrogate_in_json_costs_its_row_only(landlord, raw):
    batch = services.process_batch(_receive(landlord, _with_bad_surname(raw)).pk)

    assert batch.status == BatchStatus.DONE
    assert counts_of(batch) == (3, 2, 0, 1)
    assert sorted(Signal.objects.values_list("reference", flat=True)) == ["REF-1", "REF-3"]
    [problem] = batch.problems.all()
    assert (problem.line, problem.reference, problem.field) == (2, "REF-2", "surname")
    assert "not valid text" in problem.reason


def test_a_lone_surrogate_in_a_csv_cell_costs_its_row_only(landlord):
    content = csv_bytes(rows(3)).replace(b"REF-2,rent_arrears", b"REF-2,rent\xed\xa0\x80")
    batch = services.process_batch(_receive(landlord, content).pk)

    assert batch.status == BatchStatus.DONE and counts_of(batch) == (3, 2, 0, 1)
    [problem] = batch.problems.all()
    assert (problem.line, problem.reference, problem.field) == (3, "REF-2", "signal_type")


def test_a_lone_surrogate_in_the_reference_is_refused_without_repeating_it(landlord):
    content = json.dumps(rows(2)).replace('"REF-2"', '"REF-\\udfff"').encode()
    batch = services.process_batch(_receive(landlord, content).pk)
    assert counts_of(batch) == (2, 1, 0, 1)
    assert report(batch)[0][:2] == (2, "reference")
    assert batch.problems.get().reference == ""


@pytest.mark.parametrize(
    "content",
    [
        NESTED,
        b"[" + json_bytes([signal_row()])[1:-1] + b"," + NESTED + b"]",
        b'[{"reference": ' + NESTED + b"}]",
    ],
    ids=["array", "item", "field"],
)
def test_json_nested_thousands_deep_is_refused_as_a_file(landlord, content):
    batch = services.process_batch(_receive(landlord, content).pk)

    assert batch.status == BatchStatus.FAILED
    assert "nested too deeply" in batch.error
    assert not Signal.objects.exists()


def test_poison_in_one_batch_does_not_stop_the_next(landlord):
    poison = _receive(landlord, _with_bad_surname(SURROGATE_ESCAPE))
    deep = _receive(landlord, NESTED)
    good = _receive(landlord, csv_bytes(rows(2, surname="Tesfay")).replace(b"REF-", b"OK-"))

    out = StringIO()
    call_command("process_signal_batches", stdout=out)

    statuses = dict(SignalBatch.objects.values_list("pk", "status"))
    assert statuses == {
        poison.pk: BatchStatus.DONE,
        deep.pk: BatchStatus.FAILED,
        good.pk: BatchStatus.DONE,
    }
    assert Signal.objects.filter(reference__startswith="OK-").count() == 2
    assert services.unfinished_batches() == []
    assert "nested too deeply" in out.getvalue()


def test_a_batch_whose_processing_raises_ends_failed_and_the_others_go_on(landlord, monkeypatch):
    # An error nobody foresaw, on one row of the first batch (the chunk with that row is
    # rolled back; a chunk before it stays).
    parse = parsing.parse_signal

    def parse_or_fail(row, *, today):
        if row.cells.get("reference") == "BOOM":
            raise ValueError("an unforeseen error")
        return parse(row, today=today)

    monkeypatch.setattr(parsing, "parse_signal", parse_or_fail)
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 2)
    data = rows(3) + [signal_row(reference="BOOM")] + rows(1, surname="X")
    data[-1]["reference"] = "AFTER"
    failing = _receive(landlord, csv_bytes(data))
    later = _receive(landlord, csv_bytes([signal_row(reference="LATER")]))

    out, err = StringIO(), StringIO()
    call_command("process_signal_batches", stdout=out, stderr=err)

    failing.refresh_from_db()
    assert failing.status == BatchStatus.FAILED and failing.finished_at is not None
    assert "after line 3" in failing.error  # the first chunk (lines 2 and 3) was taken in
    assert "unforeseen" not in failing.error  # the error's own text may quote a cell
    assert counts_of(failing) == (2, 2, 0, 0)
    assert SignalBatch.objects.get(pk=later.pk).status == BatchStatus.DONE
    assert Signal.objects.filter(reference="LATER").exists()
    assert not Signal.objects.filter(reference="AFTER").exists()
    assert services.unfinished_batches() == []
    assert failing.error in out.getvalue()


def test_a_failed_batch_shows_its_reason_in_the_report(landlord, landlord_api):
    batch = services.process_batch(_receive(landlord, NESTED).pk)
    body = landlord_api.get(f"/api/v1/signal-batches/{batch.pk}").json()
    assert body["status"] == "failed" and "nested too deeply" in body["error"]


def test_an_upload_with_poison_is_answered_and_processed_by_the_task(landlord_api):
    first = landlord_api.generic(
        "POST",
        "/api/v1/signal-batches",
        _with_bad_surname(SURROGATE_BYTES),
        content_type="application/json",
    )
    second = landlord_api.generic(
        "POST", "/api/v1/signal-batches", NESTED, content_type="application/json"
    )
    assert first.status_code == second.status_code == 202
    assert SignalBatch.objects.get(pk=first.json()["id"]).status == BatchStatus.DONE
    assert SignalBatch.objects.get(pk=second.json()["id"]).status == BatchStatus.FAILED


def test_import_signals_fails_clearly_on_a_file_nested_too_deep(landlord, tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(NESTED)
    out = StringIO()
    with pytest.raises(CommandError, match="could not be read"):
        call_command("import_signals", str(path), source=landlord.name, stdout=out)
    assert "nested too deeply" in out.getvalue()


# --- one signal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"reference": "R", "surname": ' + SURROGATE_ESCAPE + b"}",
        json.dumps(signal_row(note="a\\ud800b")).replace("\\\\ud800", "\\ud800").encode(),
    ],
    ids=["few fields", "note"],
)
def test_a_lone_surrogate_in_one_signal_is_a_400_naming_the_field(landlord_api, body):
    response = landlord_api.generic(
        "POST", "/api/v1/signals", body, content_type="application/json"
    )
    assert response.status_code == 400
    names = {p["name"] for p in response.json()["invalid_params"]}
    assert names & {"surname", "note"}
    assert not Signal.objects.exists()


def test_one_signal_nested_thousands_deep_is_a_400(landlord_api):
    body = b'{"reference": ' + NESTED + b"}"
    response = landlord_api.generic(
        "POST", "/api/v1/signals", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Signal.objects.exists()


def test_a_file_name_that_cannot_be_stored_is_made_storable(landlord):
    batch = services.receive_batch(
        source=landlord,
        content=csv_bytes(rows(1)),
        file_name="huur\x00\udcff.csv",
        actor=Actor.system("t"),
    )
    batch.refresh_from_db()
    assert batch.file_name == "huur.csv"


# --- numbers in requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", "\u00b2"),
        ("limit", "\u00b2"),
        ("offset", "\u0661"),  # an Arabic-Indic one
        ("offset", str(2**63)),
        ("offset", str(2**64 + 5)),
        ("offset", "9" * 5000),
        ("limit", "1001"),
        ("offset", "-1"),
        ("limit", "1e3"),
        ("offset", "\x00"),
    ],
)
def test_a_report_parameter_that_is_no_small_whole_number_is_a_400(
    landlord, landlord_api, name, value
):
    batch = services.process_batch(_receive(landlord, csv_bytes(rows(1))).pk)
    response = landlord_api.get(f"/api/v1/signal-batches/{batch.pk}", {name: value})
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == [name]


def test_the_largest_offset_and_limit_are_answered(landlord, landlord_api):
    data = rows(3)
    data[1]["crisis"] = "?"
    batch = services.process_batch(_receive(landlord, csv_bytes(data)).pk)
    url = f"/api/v1/signal-batches/{batch.pk}"
    body = landlord_api.get(url, {"offset": 10**9, "limit": 1000}).json()
    assert body["report_total"] == 1 and body["report"] == []
    assert landlord_api.get(url, {"offset": 0, "limit": 0}).json()["report"] == []


@pytest.mark.parametrize("batch_id", [2**63, 2**63 - 1, 2**64, 10**40])
def test_a_batch_id_beyond_the_database_integer_is_not_found(
    landlord, landlord_api, as_user, batch_id
):
    from django.urls import reverse

    from tests import factories

    assert landlord_api.get(f"/api/v1/signal-batches/{batch_id}").status_code == 404
    staff = as_user(factories.ProfessionalFactory(organisation=landlord))
    assert staff.get(reverse("signals:batch", args=[batch_id])).status_code == 404
    # The page takes no paging parameters; odd ones change nothing.
    batch = services.process_batch(_receive(landlord, csv_bytes(rows(1))).pk)
    page = staff.get(reverse("signals:batch", args=[batch.pk]), {"offset": "\u00b2"})
    assert page.status_code == 200


def test_any_text_as_offset_or_limit_is_answered_never_a_server_error(landlord, landlord_api):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    batch = services.process_batch(_receive(landlord, csv_bytes(rows(1))).pk)
    url = f"/api/v1/signal-batches/{batch.pk}"

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        name=st.sampled_from(["offset", "limit"]),
        value=st.one_of(
            st.text(max_size=30),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
        ),
    )
    def answered(name, value):
        response = landlord_api.get(url, {name: value})
        if response.status_code == 400:
            assert [p["name"] for p in response.json()["invalid_params"]] == [name]
        else:
            assert response.status_code == 200
            assert value == "" or (value.isascii() and value.isdigit())

    answered()
