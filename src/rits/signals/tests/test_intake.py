"""Receiving and processing deliveries: every accepted row kept, every rejected row
reported with its field and reason, nothing doubled, nothing lost."""

import hashlib
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor
from rits.core.bsn import pseudonymise_bsn
from rits.signals.intake import services
from rits.signals.models import (
    BatchStatus,
    Signal,
    SignalBatch,
    SignalBatchPart,
    SignalBatchProblem,
    SignalStatus,
)

from .helpers import (
    INVALID_BSN,
    OTHER_VALID_BSN,
    TODAY,
    VALID_BSN,
    csv_bytes,
    csv_text,
    deliver,
    json_bytes,
    reasons,
    report,
    rows,
    signal_row,
)

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[4] / "docs" / "signal-format.md"


def counts(batch) -> tuple[int, int, int, int]:
    return batch.rows, batch.accepted, batch.duplicates, batch.rejected


# --- the documented format --------------------------------------------------------------


def test_the_examples_in_the_documentation_are_accepted(landlord):
    text = DOCS.read_text(encoding="utf-8")
    (example_csv,) = re.findall(r"```csv\n(.*?)```", text, re.DOTALL)
    json_examples = [
        block for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL) if block[0] == "["
    ]

    batch = deliver(landlord, example_csv.encode(), today=date(2026, 12, 1))

    assert batch.status == BatchStatus.DONE
    assert counts(batch) == (3, 3, 0, 0) and batch.warnings == [] and report(batch) == []
    first = Signal.objects.get(reference="HUUR-2026-0001")
    assert first.amount_eur == Decimal("1234.56") and first.crisis
    assert first.birth_date == date(1990, 5, 17) and first.postcode == "3511AB"
    assert first.house_number == 12 and first.house_number_suffix == "bis"
    assert not first.has_bsn and first.status == SignalStatus.RECEIVED
    assert first.note == "Derde maand achterstand, ontruiming aangekondigd"
    third = Signal.objects.get(reference="HUUR-2026-0003")
    assert third.note == 'Betalingsregeling afgebroken; "zegt niet te kunnen betalen"'
    assert third.bsn_pseudonym == pseudonymise_bsn(OTHER_VALID_BSN)
    # Only the pseudonym is kept: the number itself is nowhere in the stored signal.
    stored = Signal.objects.filter(pk=third.pk).values().get()
    assert OTHER_VALID_BSN not in json.dumps(stored, default=str)
    assert Signal.objects.get(reference="HUUR-2026-0002").prefix == "van"

    (example_json,) = json_examples
    again = deliver(landlord, example_json.encode(), name="signals.json", today=date(2026, 12, 1))
    # The JSON example is the CSV's first signal: the same reference, so a duplicate.
    assert again.format == "json" and counts(again) == (1, 0, 1, 0)


def test_semicolons_a_bom_windows_line_ends_and_an_excel_sep_line(landlord):
    text = "sep=;\r\n" + csv_text(rows(2), delimiter=";").replace("\n", "\r\n")
    batch = deliver(landlord, b"\xef\xbb\xbf" + text.encode())
    assert counts(batch) == (2, 2, 0, 0)
    assert Signal.objects.get(reference="REF-2").city == "Utrecht"


def test_columns_can_be_left_out_and_come_in_any_order(landlord):
    columns = ("surname", "signal_date", "reference", "birth_date", "signal_type")
    batch = deliver(landlord, csv_bytes(rows(1), columns=columns))
    assert counts(batch) == (1, 1, 0, 0)
    signal = Signal.objects.get()
    assert signal.amount_eur is None and not signal.crisis and signal.postcode == ""


def test_a_json_array_with_native_types(landlord):
    data = [
        signal_row(reference="J1", amount_eur=1234.5, crisis=True, house_number=12, bsn=None),
        signal_row(reference="J2", note="Regel één\nregel twee"),
    ]
    batch = deliver(landlord, json_bytes(data), name="signals.json")
    assert batch.format == "json" and counts(batch) == (2, 2, 0, 0)
    first = Signal.objects.get(reference="J1")
    assert first.amount_eur == Decimal("1234.50") and first.crisis and first.house_number == 12
    assert Signal.objects.get(reference="J2").note == "Regel één\nregel twee"


def test_html_and_formulas_are_stored_as_text(landlord):
    data = [
        signal_row(
            reference="X1",
            surname="<script>alert(1)</script>",
            given_names='=HYPERLINK("http://evil","klik")',
            note="+31 6 1234 <b>vet</b> @SUM(A1:A9) -2",
        )
    ]
    batch = deliver(landlord, csv_bytes(data))
    assert counts(batch) == (1, 1, 0, 0)
    signal = Signal.objects.get()
    assert signal.surname == "<script>alert(1)</script>"
    assert signal.given_names == '=HYPERLINK("http://evil","klik")'
    assert signal.note == "+31 6 1234 <b>vet</b> @SUM(A1:A9) -2"


# --- bad rows -------------------------------------------------------------------------------

FUTURE = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"reference": ""}, "reference", "required"),
        ({"signal_type": ""}, "signal_type", "required"),
        ({"signal_type": "rent arrears!"}, "signal_type", "Unknown signal type"),
        ({"signal_date": FUTURE}, "signal_date", "in the future"),
        ({"signal_date": "2025-02-29"}, "signal_date", "does not exist"),
        ({"signal_date": "1850-01-01"}, "signal_date", "before 1900"),
        ({"signal_date": "2 maart"}, "signal_date", "Write a date"),
        ({"since": FUTURE}, "since", "in the future"),
        ({"since": TODAY.isoformat(), "signal_date": "2025-01-01"}, "since", "cannot be after"),
        ({"birth_date": FUTURE}, "birth_date", "in the future"),
        ({"amount_eur": "-12,50"}, "amount_eur", "negative"),
        ({"amount_eur": "veel"}, "amount_eur", "Write an amount"),
        ({"crisis": "misschien"}, "crisis", "Use true or false"),
        ({"bsn": INVALID_BSN}, "bsn", "11-proef"),
        ({"postcode": "ABCD 12"}, "postcode", "postcode"),
        ({"house_number": "12a"}, "house_number", "whole number"),
        ({"surname": "Hai\tle"}, "surname", "control characters"),
        ({"note": "zie\x07bel"}, "note", "control characters"),
        ({"surname": "x" * 201}, "surname", "At most 200"),
        ({"reference": "R" * 101}, "reference", "At most 100"),
        ({"note": "n" * 2001}, "note", "At most 2000"),
        ({"signal_type": "risk_registration"}, "risk_code", "needs a risk category"),
        ({"signal_type": "risk_registration", "risk_code": "m"}, "risk_code", "a to l"),
        ({"risk_code": "a"}, "risk_code", "Only a risk registration"),
        ({"surname": "", "given_names": "", "bsn": ""}, None, "Without a name"),
        ({"birth_date": "", "postcode": "", "city": ""}, None, "A name without"),
    ],
)
def test_a_bad_row_is_reported_and_the_good_rows_are_accepted(landlord, values, field, reason):
    data = [signal_row(reference="GOOD-1"), signal_row(**{"reference": "BAD", **values})]
    data.append(signal_row(reference="GOOD-2"))

    batch = deliver(landlord, csv_bytes(data))

    assert batch.status == BatchStatus.DONE
    assert counts(batch) == (3, 2, 0, 1)
    problems = report(batch)
    assert [(line, f) for line, f, _r in problems] == [(3, field)], problems
    assert reason in problems[0][2]
    assert set(Signal.objects.values_list("reference", flat=True)) == {"GOOD-1", "GOOD-2"}


# What can say whom a signal is about: a BSN, or a name part with a date of birth or an
# address (docs/signal-format.md, "Whom a signal is about").
NOTHING = {
    "bsn": "",
    "surname": "",
    "prefix": "",
    "given_names": "",
    "birth_date": "",
    "postcode": "",
    "house_number": "",
    "house_number_suffix": "",
    "city": "",
}


@pytest.mark.parametrize(
    "values",
    [
        {"bsn": VALID_BSN},
        {"given_names": "Selam", "birth_date": "1990-05-17"},
        {"surname": "Haile", "postcode": "3511 AB"},
        {"surname": "Haile", "postcode": "3511 AB", "house_number": "12"},
        {"given_names": "Selam", "house_number": "12", "city": "Utrecht"},
        {"surname": "Haile", "given_names": "Selam", "birth_date": "1990-05-17"},
    ],
)
def test_a_row_that_can_say_whom_it_is_about_is_accepted(landlord, values):
    batch = deliver(landlord, csv_bytes([signal_row(**{**NOTHING, **values})]))
    assert counts(batch) == (1, 1, 0, 0), report(batch)
    signal = Signal.objects.get()
    assert (signal.surname, signal.given_names) == (
        values.get("surname", ""),
        values.get("given_names", ""),
    )


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"surname": "Haile"}, "A name without a birth_date or an address"),
        ({"given_names": "Selam"}, "A name without a birth_date or an address"),
        ({"surname": "Haile", "house_number": "12"}, "A name without"),
        ({"postcode": "3511 AB", "house_number": "12", "city": "Utrecht"}, "Without a name"),
        ({"birth_date": "1990-05-17"}, "Without a name"),
        ({"prefix": "van", "city": "Utrecht"}, "Say whom the signal is about"),
    ],
)
def test_a_row_that_cannot_say_whom_it_is_about_is_refused_saying_what_is_missing(
    landlord, values, reason
):
    batch = deliver(landlord, csv_bytes([signal_row(**{**NOTHING, **values})]))
    assert counts(batch) == (1, 0, 0, 1)
    ((line, field, text),) = report(batch)
    assert (line, field) == (2, None) and text.startswith(reason), text


def test_a_file_with_given_names_but_no_surname_column_is_read(landlord):
    columns = ("reference", "signal_type", "signal_date", "given_names", "birth_date")
    batch = deliver(landlord, csv_text(rows(2), columns=columns).encode())
    assert batch.status == BatchStatus.DONE and counts(batch) == (2, 2, 0, 0)


def test_every_problem_of_a_row_is_reported(landlord):
    bad = signal_row(signal_type="huur", signal_date="gisteren", amount_eur="-5", crisis="?")
    batch = deliver(landlord, csv_bytes([bad]))
    assert [f for _line, f, _r in report(batch)] == [
        "signal_type",
        "signal_date",
        "amount_eur",
        "crisis",
    ]
    assert batch.problems.first().reference == "REF-1"


def test_a_risk_registration_with_its_category(landlord):
    batch = deliver(
        landlord, csv_bytes([signal_row(signal_type="risk_registration", risk_code="C")])
    )
    assert counts(batch) == (1, 1, 0, 0)
    assert Signal.objects.get().risk_code == "c"


def test_broken_quotes_and_wrong_cell_counts_cost_one_line(landlord):
    good = csv_text(rows(1)).splitlines()
    text = "\n".join(
        [
            good[0],
            good[1],
            'REF-2,rent_arrears,"2026-01-01,,,,,,Haile,,,,,,,,,',  # unclosed quote
            "REF-3,rent_arrears",  # two cells
            good[1].replace("REF-1", "REF-4"),
        ]
    )
    batch = deliver(landlord, text.encode())
    assert counts(batch) == (4, 2, 0, 2)
    assert [(line, f) for line, f, _r in report(batch)] == [(3, None), (4, None)]
    assert "quotes" in reasons(batch)[0] and "2 cells" in reasons(batch)[1]


def test_a_json_item_that_is_no_object_is_one_bad_row(landlord):
    batch = deliver(landlord, json.dumps([signal_row(), "REF-2", [1]]).encode())
    assert counts(batch) == (3, 1, 0, 2)
    assert [line for line, _f, _r in report(batch)] == [2, 3]


def test_a_json_value_that_is_no_text_is_refused(landlord):
    batch = deliver(landlord, json.dumps([signal_row(surname={"a": 1})]).encode())
    assert reasons(batch, "surname") == ["This must be text, a number or empty."]


# --- a BSN never shows ---------------------------------------------------------------------------


def test_a_bsn_never_appears_in_the_report_or_the_audit_log(landlord):
    data = [
        signal_row(reference="R1", bsn=INVALID_BSN),
        signal_row(reference="R2", house_number=VALID_BSN),  # a BSN in the wrong column
        signal_row(reference=OTHER_VALID_BSN, signal_type="?"),  # a BSN used as reference
        signal_row(reference="R4", bsn=VALID_BSN),
    ]
    batch = deliver(landlord, csv_bytes(data))

    assert counts(batch) == (4, 1, 0, 3)
    assert Signal.objects.get().bsn_pseudonym == pseudonymise_bsn(VALID_BSN)
    problems = list(SignalBatchProblem.objects.values("line", "reference", "field", "reason"))
    # The BSN used as a reference is refused for it too (and never repeated).
    assert [(p["reference"], p["field"]) for p in problems] == [
        ("R1", "bsn"),
        ("R2", "house_number"),
        ("", "reference"),
        ("", "signal_type"),
    ]
    text = json.dumps(problems) + json.dumps(list(AuditEvent.objects.values("detail")))
    text += json.dumps(batch.warnings) + batch.error
    for bsn in (INVALID_BSN, VALID_BSN, OTHER_VALID_BSN):
        assert bsn not in text


# --- the file as a whole ---------------------------------------------------------------------


def test_a_file_in_the_wrong_encoding_is_refused_as_a_whole(landlord):
    data = rows(3)
    data[2]["surname"] = "Çelik"
    batch = deliver(landlord, csv_text(data).encode("cp1252"))

    assert batch.status == BatchStatus.FAILED
    assert "line 4" in batch.error and "UTF-8" in batch.error
    assert counts(batch) == (0, 0, 0, 0) and not Signal.objects.exists()
    # The raw delivery is kept all the same.
    assert SignalBatchPart.objects.filter(batch=batch).exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("signal_type,signal_date,surname\n", "The column reference is missing"),
        ("reference,surname\nR1,Jansen\n", "signal_type, signal_date are missing"),
        ("reference,signal_type,signal_date\nR1,other,2026-01-01\n", "a name column"),
        ("Jansen,Piet,12\n", "first line must be the header"),
        (csv_text([]), "no signals"),
        ("reference,signal_type,signal_date,surname,surname\n", "more than once"),
        ('"reference,signal_type\n', "quotes in the header"),
        ("\n\n", "empty"),
    ],
)
def test_a_file_without_a_usable_header_is_refused(landlord, content, reason):
    batch = deliver(landlord, content.encode())
    assert batch.status == BatchStatus.FAILED and reason in batch.error, batch.error
    assert not Signal.objects.exists()


def test_unknown_columns_are_ignored_with_a_warning(landlord):
    columns = ("reference", "signal_type", "signal_date", "surname", "birth_date")
    text = csv_text(rows(2), columns=columns).splitlines()
    text[0] += ",diagnose,123456782"
    text[1:] = [line + ",ADHD,x" for line in text[1:]]
    batch = deliver(landlord, "\n".join(text).encode())

    assert counts(batch) == (2, 2, 0, 0)
    assert [(w["line"], w["field"]) for w in batch.warnings] == [(1, "diagnose"), (1, "column 7")]
    assert all("ignored" in w["reason"] for w in batch.warnings)


def test_unknown_json_fields_are_ignored_with_a_warning(landlord):
    batch = deliver(landlord, json_bytes([signal_row(), signal_row(reference="R2", extra=1)]))
    assert counts(batch) == (2, 2, 0, 0)
    assert [(w["line"], w["field"]) for w in batch.warnings] == [(2, "extra")]


def test_an_empty_delivery_is_not_stored(landlord):
    with pytest.raises(services.DeliveryRefused, match="empty"):
        deliver(landlord, b"")
    assert not SignalBatch.objects.exists()


def test_a_delivery_above_the_limit_is_not_stored(landlord, settings):
    settings.SIGNAL_MAX_UPLOAD_MB = 1
    content = csv_bytes(rows(12_000))
    assert len(content) > 1024 * 1024
    with pytest.raises(services.DeliveryRefused) as exc:
        deliver(landlord, content)
    assert exc.value.too_large and "1 MB" in exc.value.reason
    assert not SignalBatch.objects.exists() and not SignalBatchPart.objects.exists()


# --- stored first, processed after --------------------------------------------------------------


def test_the_raw_delivery_is_stored_before_it_is_read(landlord, monkeypatch):
    monkeypatch.setattr(services, "PART_BYTES", 100)
    content = csv_bytes(rows(5))
    chunks = [content[i : i + 37] for i in range(0, len(content), 37)]

    batch = services.receive_batch(
        source=landlord, content=chunks, file_name="s.csv", actor=Actor.system("t")
    )

    assert batch.status == BatchStatus.RECEIVED and not Signal.objects.exists()
    parts = list(batch.parts.order_by("seq").values_list("data", flat=True))
    assert len(parts) == -(-len(content) // 100)
    assert b"".join(bytes(p) for p in parts) == content
    assert batch.size_bytes == len(content)
    assert batch.sha256 == hashlib.sha256(content).hexdigest()
    event = AuditEvent.objects.get(object_type="signal.batch", action=AuditAction.CREATE)
    assert event.object_id == str(batch.pk) and event.detail["source"] == landlord.pk

    batch = services.process_batch(batch.pk)
    assert counts(batch) == (5, 5, 0, 0) and batch.status == BatchStatus.DONE
    assert batch.started_at and batch.finished_at


def test_every_written_signal_is_in_an_audit_event(landlord, monkeypatch):
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 3)
    data = rows(8)
    data[4]["reference"] = "REF-1"  # a duplicate, line 6
    data[5]["bsn"] = INVALID_BSN  # rejected, line 7
    batch = deliver(landlord, csv_bytes(data))
    imports = AuditEvent.objects.filter(object_type="signal.batch", action=AuditAction.IMPORT)
    events = list(imports.order_by("pk"))
    assert len(events) == 3
    assert [e.detail["lines"] for e in events] == [[2, 4], [5, 7], [8, 9]]
    assert [
        (e.detail["accepted"], e.detail["duplicates"], e.detail["rejected"]) for e in events
    ] == [(3, 0, 0), (1, 1, 1), (2, 0, 0)]
    # Each signal is in the event of its batch whose lines hold its line, within its ids.
    for signal in Signal.objects.all():
        (event,) = [
            e for e in events if e.detail["lines"][0] <= signal.batch_line <= e.detail["lines"][1]
        ]
        assert event.object_id == str(signal.batch_id) == str(batch.pk)
        low, high = event.detail["signal_id_range"]
        assert low <= signal.pk <= high
    assert sum(e.detail["accepted"] for e in events) == Signal.objects.count() == 6
    assert all(e.detail["source"] == landlord.pk for e in events)
    assert batch.status == BatchStatus.DONE


# --- idempotence ----------------------------------------------------------------------------------


def test_sending_the_same_batch_again_creates_nothing_new(landlord):
    content = csv_bytes(rows(3) + [signal_row(reference="BAD", bsn=INVALID_BSN)])
    first = deliver(landlord, content)
    signals_before = list(Signal.objects.order_by("pk").values())

    second = deliver(landlord, content)

    assert counts(first) == (4, 3, 0, 1)
    assert counts(second) == (4, 0, 3, 1)
    assert list(Signal.objects.order_by("pk").values()) == signals_before
    assert not Signal.objects.filter(batch=second).exists()


def test_a_reference_repeated_within_a_batch_is_a_duplicate(landlord, monkeypatch):
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 2)
    data = [
        signal_row(reference="A"),
        signal_row(reference="A", amount_eur="1"),
        signal_row(reference="B"),
        signal_row(reference="A", amount_eur="2"),
    ]
    batch = deliver(landlord, csv_bytes(data))
    assert counts(batch) == (4, 2, 2, 0)
    assert Signal.objects.get(reference="A").batch_line == 2  # the first one wins
    assert Signal.objects.get(reference="A").amount_eur == Decimal("1234.56")


def test_the_same_reference_from_another_source_is_another_signal(landlord, energy_company):
    deliver(landlord, csv_bytes(rows(2)))
    batch = deliver(energy_company, csv_bytes(rows(2, signal_type="energy_arrears")))
    assert counts(batch) == (2, 2, 0, 0)
    assert Signal.objects.filter(reference="REF-1").count() == 2


def test_a_single_signal_and_a_batch_share_references(landlord):
    actor = Actor.system("t")
    receipt = services.receive_signal(source=landlord, data=signal_row(reference="R"), actor=actor)
    assert receipt.created
    batch = deliver(landlord, csv_bytes([signal_row(reference="R"), signal_row(reference="S")]))
    assert counts(batch) == (2, 1, 1, 0)
    again = services.receive_signal(source=landlord, data=signal_row(reference="S"), actor=actor)
    assert not again.created
    assert Signal.objects.get(pk=again.signal_id).batch == batch


def test_processing_a_batch_twice_changes_nothing(landlord):
    batch = deliver(landlord, csv_bytes(rows(3) + [signal_row(reference="X", crisis="?")]))
    state = (
        counts(batch),
        Signal.objects.count(),
        SignalBatchProblem.objects.count(),
        AuditEvent.objects.count(),
        batch.finished_at,
    )

    again = services.process_batch(batch.pk)

    assert (
        counts(again),
        Signal.objects.count(),
        SignalBatchProblem.objects.count(),
        AuditEvent.objects.count(),
        again.finished_at,
    ) == state


def test_interrupted_processing_resumes_without_losing_or_doubling(landlord, monkeypatch):
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 2)
    data = rows(7)
    data[2]["bsn"] = INVALID_BSN  # one bad row, in the part written before the crash
    data[6]["reference"] = "REF-1"  # and a duplicate after it
    batch = services.receive_batch(
        source=landlord,
        content=csv_bytes(data),
        file_name="s.csv",
        actor=Actor.system("t"),
    )
    store = services._store_chunk
    calls = []

    def crash_after_two_chunks(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("worker stopped")
        store(*args, **kwargs)

    monkeypatch.setattr(services, "_store_chunk", crash_after_two_chunks)
    # A worker is stopped by a signal (SystemExit), not by an error of the batch: the
    # batch stays unfinished, to be resumed (an error would end it as failed).
    with pytest.raises(SystemExit):
        services.process_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING and batch.resume_line == 5
    assert counts(batch) == (4, 3, 0, 1)

    monkeypatch.setattr(services, "_store_chunk", store)
    assert services.unfinished_batches() == [batch.pk]
    batch = services.process_batch(batch.pk)

    assert batch.status == BatchStatus.DONE and services.unfinished_batches() == []
    assert counts(batch) == (7, 5, 1, 1)
    assert Signal.objects.count() == 5 and SignalBatchProblem.objects.count() == 1
    assert sorted(Signal.objects.values_list("batch_line", flat=True)) == [2, 3, 5, 6, 7]
