"""Writing a delivery in bulk: every value stored as it was checked (on PostgreSQL through
COPY, on SQLite through the ORM), a chunk costing as many queries for many rows as for a
few, and chunks that resume exactly where an earlier run stopped, whatever its chunks."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor
from rits.core.bsn import pseudonymise_bsn
from rits.signals.intake import parsing, services
from rits.signals.models import BatchStatus, Signal, SignalBatchProblem, SignalStatus

from .helpers import (
    INVALID_BSN,
    TODAY,
    VALID_BSN,
    csv_bytes,
    deliver,
    json_bytes,
    rows,
    signal_row,
)

pytestmark = pytest.mark.django_db

SIGNAL_DATE = TODAY - timedelta(days=10)

STORED_FIELDS = (
    "reference",
    "batch_line",
    "signal_type",
    "signal_date",
    "since",
    "amount_eur",
    "crisis",
    "bsn_pseudonym",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "house_number_suffix",
    "city",
    "risk_code",
    "note",
    "status",
)


def counts(batch) -> tuple[int, int, int, int]:
    return batch.rows, batch.accepted, batch.duplicates, batch.rejected


def receive(source, content: bytes):
    return services.receive_batch(
        source=source, content=content, file_name="s.csv", actor=Actor.system("t")
    )


def imports():
    return AuditEvent.objects.filter(
        object_type="signal.batch", action=AuditAction.IMPORT
    ).order_by("pk")


def test_every_value_is_stored_exactly_as_it_was_checked(landlord):
    data = [
        signal_row(
            reference="V-1",
            signal_type="RISK_REGISTRATION",
            risk_code="C",
            signal_date=SIGNAL_DATE.strftime("%d-%m-%Y"),
            since="",
            amount_eur="€ 1.234.567,89",
            crisis="JA",
            bsn="1234.56.782",
            surname="Çelik-ʿAbd al-Lāh",
            prefix="van der",
            given_names='Ayşe "Ay" 😀',
            birth_date="2010-05-17",
            postcode="3511 ab",
            house_number="007",
            house_number_suffix="bis",
            city="'s-Hertogenbosch",
            note='Zegt: "ik kan, niet; betalen" \\ C:\\pad',
        ),
        signal_row(reference="V-2", amount_eur="", crisis="", bsn="", house_number=""),
    ]
    json_data = [
        signal_row(reference="V-3", amount_eur=0, crisis=True, house_number=12, bsn=None),
        signal_row(reference="V-4", note="Regel één\r\nregel twee\tniet", surname="X"),
        signal_row(reference="V-5", note="Regel één\r\nregel twee", postcode=None),
    ]
    batch = deliver(landlord, csv_bytes(data))
    second = deliver(landlord, json_bytes(json_data), name="s.json")
    assert counts(batch) == (2, 2, 0, 0) and counts(second) == (3, 2, 0, 1)

    for delivered, source_batch in ((data, batch), (json_data, second)):
        for line, row in enumerate(delivered, start=2 if source_batch is batch else 1):
            parsed, problems = parsing.parse_signal(parsing.RawRow(line, row), today=TODAY)
            if parsed is None:
                assert not Signal.objects.filter(reference=row["reference"]).exists()
                continue
            expected = services.build_signal(
                parsed, source=landlord, batch=source_batch, received_at=source_batch.received_at
            )
            stored = Signal.objects.get(reference=row["reference"])
            for name in STORED_FIELDS:
                assert getattr(stored, name) == getattr(expected, name), name
            assert stored.batch_id == source_batch.pk and stored.source_id == landlord.pk
            assert stored.received_at == source_batch.received_at

    first = Signal.objects.get(reference="V-1")
    assert (first.signal_type, first.risk_code, first.signal_date) == (
        "risk_registration",
        "c",
        SIGNAL_DATE,
    )
    assert first.amount_eur == Decimal("1234567.89") and first.crisis and first.since is None
    assert first.bsn_pseudonym == pseudonymise_bsn(VALID_BSN)
    assert first.surname == "Çelik-ʿAbd al-Lāh" and first.given_names == 'Ayşe "Ay" 😀'
    assert first.postcode == "3511AB" and first.house_number == 7
    assert first.note == 'Zegt: "ik kan, niet; betalen" \\ C:\\pad'
    empty = Signal.objects.get(reference="V-2")
    assert empty.amount_eur is None and not empty.crisis and empty.bsn_pseudonym is None
    assert empty.house_number is None and empty.status == SignalStatus.RECEIVED
    assert Signal.objects.get(reference="V-3").amount_eur == Decimal("0.00")
    assert Signal.objects.get(reference="V-5").note == "Regel één\nregel twee"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite writes a chunk with bulk_create, in statements of at most so many values",
)
def test_a_chunk_takes_as_many_queries_for_many_rows_as_for_a_few(landlord, settings):
    # One audit chain, there before: a chain's first event takes a query more.
    settings.AUDIT_CHAINS = 1
    deliver(landlord, csv_bytes([signal_row(reference="FIRST")]))
    small = receive(landlord, csv_bytes(rows(10)))
    large = receive(landlord, csv_bytes(rows(2_000, signal_type="other")).replace(b"REF-", b"L-"))

    with CaptureQueriesContext(connection) as few:
        services.process_batch(small.pk)
    with CaptureQueriesContext(connection) as many:
        large = services.process_batch(large.pk)

    assert counts(large) == (2_000, 2_000, 0, 0)
    assert len(many) == len(few)


def test_a_batch_of_more_than_one_chunk(landlord):
    data = rows(services.ROWS_PER_CHUNK + 2)
    data[-1]["reference"] = "REF-1"  # a duplicate of the first chunk, in the second
    batch = deliver(landlord, csv_bytes(data))

    assert counts(batch) == (services.ROWS_PER_CHUNK + 2, services.ROWS_PER_CHUNK + 1, 1, 0)
    assert batch.resume_line == services.ROWS_PER_CHUNK + 3
    events = list(imports())
    assert [e.detail["lines"] for e in events] == [
        [2, services.ROWS_PER_CHUNK + 1],
        [services.ROWS_PER_CHUNK + 2, services.ROWS_PER_CHUNK + 3],
    ]
    assert [e.detail["accepted"] for e in events] == [services.ROWS_PER_CHUNK, 1]
    last = Signal.objects.get(batch_line=services.ROWS_PER_CHUNK + 2)
    assert events[1].detail["signal_id_range"] == [last.pk, last.pk]


def test_an_interrupted_batch_resumes_after_its_last_chunk(landlord, monkeypatch):
    data = rows(9)  # lines 2 to 10
    data[3]["bsn"] = INVALID_BSN  # line 5: rejected, after the interruption
    data[4]["reference"] = "REF-2"  # line 6: a duplicate of line 3, written before it
    batch = receive(landlord, csv_bytes(data))
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 3)
    store = services._store_chunk
    calls = []

    def stop_after_one_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker stopped")
        store(*args, **kwargs)

    monkeypatch.setattr(services, "_store_chunk", stop_after_one_chunk)
    # A worker is stopped by a signal (SystemExit), not by an error of the batch: the
    # batch stays unfinished, to be resumed (an error would end it as failed).
    with pytest.raises(SystemExit):
        services.process_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.resume_line == 4 and counts(batch) == (3, 3, 0, 0)

    # The next run (with other chunks) starts after the checkpoint.
    monkeypatch.setattr(services, "_store_chunk", store)
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", 5)
    batch = services.process_batch(batch.pk)

    assert batch.status == BatchStatus.DONE
    assert counts(batch) == (9, 7, 1, 1)
    assert sorted(Signal.objects.values_list("batch_line", flat=True)) == [2, 3, 4, 7, 8, 9, 10]
    assert list(SignalBatchProblem.objects.values_list("line", "field")) == [(5, "bsn")]
    events = list(imports())
    assert [e.detail["lines"] for e in events] == [[2, 4], [5, 9], [10, 10]]
    assert [
        (e.detail["accepted"], e.detail["duplicates"], e.detail["rejected"]) for e in events
    ] == [
        (3, 0, 0),
        (3, 1, 1),
        (1, 0, 0),
    ]


def chunks_of(batch, size: int, monkeypatch) -> list:
    monkeypatch.setattr(services, "ROWS_PER_CHUNK", size)
    shape = parsing.check_file(services.batch_content(batch.pk), batch.format)
    rows_read = parsing.read_rows(services.batch_content(batch.pk), shape)
    return list(services._chunks(rows_read, after=0, today=TODAY))


def test_a_chunk_another_run_wrote_first_is_left_alone(landlord, monkeypatch):
    batch = receive(landlord, csv_bytes(rows(4) + [signal_row(reference="X", crisis="?")]))
    (chunk,) = chunks_of(batch, 10, monkeypatch)
    actor = Actor.system("t")

    services._store_chunk(batch, chunk, actor)
    services._store_chunk(batch, chunk, actor)  # a second worker, a moment later

    batch.refresh_from_db()
    assert counts(batch) == (5, 4, 0, 1) and batch.resume_line == 6
    assert Signal.objects.count() == 4 and SignalBatchProblem.objects.count() == 1
    assert imports().count() == 1


def test_a_chunk_half_written_by_another_run_writes_only_the_rest(landlord, monkeypatch):
    data = rows(6)  # lines 2 to 7
    data[3]["reference"] = "REF-1"  # line 5: a duplicate of line 2
    data[4]["crisis"] = "?"  # line 6: rejected
    batch = receive(landlord, csv_bytes(data))
    small = chunks_of(batch, 2, monkeypatch)  # lines 2-3, 4-5, 6-7
    large = chunks_of(batch, 4, monkeypatch)  # lines 2-5, 6-7
    actor = Actor.system("t")

    services._store_chunk(batch, small[0], actor)  # one worker writes lines 2-3 ...
    services._store_chunk(batch, large[0], actor)  # ... another, with other chunks, 4-5
    services._store_chunk(batch, small[1], actor)  # already written: left alone
    services._store_chunk(batch, large[1], actor)

    batch.refresh_from_db()
    assert counts(batch) == (6, 4, 1, 1) and batch.resume_line == 7
    assert sorted(Signal.objects.values_list("batch_line", flat=True)) == [2, 3, 4, 7]
    assert list(SignalBatchProblem.objects.values_list("line", flat=True)) == [6]
    assert [e.detail["lines"] for e in imports()] == [[2, 3], [4, 5], [6, 7]]


def test_the_single_signal_door_keeps_only_the_pseudonym(landlord):
    receipt = services.receive_signal(
        source=landlord, data=signal_row(reference="S", bsn=VALID_BSN), actor=Actor.system("t")
    )
    stored = Signal.objects.filter(pk=receipt.signal_id).values().get()
    assert stored["bsn_pseudonym"] == pseudonymise_bsn(VALID_BSN)
    assert VALID_BSN not in repr(stored)
    assert isinstance(stored["received_at"], datetime)
