"""Every write of the signal intake: receiving and processing deliveries (the sources' API
keys are in ``clients.py``).

Intake is the first stage of the pipeline and ends with signals in status
``received``. A delivery is stored raw before it is parsed (:func:`receive_batch`), then
processed in chunks of rows (:func:`process_batch`), each chunk in one transaction with
its counts and a checkpoint, so that processing can be interrupted and run again at any
point without losing or doubling anything. Signals are unique per source and
reference: sending a row again is counted as a duplicate and changes nothing."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core import db
from rits.core.bsn import pseudonymise_bsn
from rits.core.intake import reading
from rits.core.intake.reading import FileUnreadable, Problem
from rits.organisations.models import Organisation, User
from rits.signals.intake import parsing
from rits.signals.intake.clients import NotASignalSource, source_actor
from rits.signals.intake.parsing import RawRow, SignalData
from rits.signals.models import (
    BatchFormat,
    BatchStatus,
    RemovedSignalReference,
    Signal,
    SignalBatch,
    SignalBatchPart,
    SignalBatchProblem,
    SignalSourceToken,
    SignalStatus,
)

logger = logging.getLogger(__name__)

# Bytes per stored piece of a delivery; also the most of it held in memory at once.
PART_BYTES = 4 * 1024 * 1024
# Rows per transaction while processing: large enough that what each chunk costs besides
# its rows (locking the batch, its counts and checkpoint, an audit event, setting up the
# bulk statements) is shared by many rows, small enough to keep a chunk's transaction
# short (a fraction of a second) and its memory small.
ROWS_PER_CHUNK = 10_000


# --- receiving ----------------------------------------------------------------------------------


class DeliveryRefused(Exception):
    """A delivery that is not stored at all (empty, too large)."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def max_upload_bytes() -> int:
    return settings.SIGNAL_MAX_UPLOAD_MB * 1024 * 1024


def too_large_reason() -> str:
    return _(
        "This delivery is larger than %(max)d MB. Split it into smaller files and send them "
        "one after the other (rows are keyed by reference, so the order does not matter)."
    ) % {"max": settings.SIGNAL_MAX_UPLOAD_MB}


def _pieces(content: bytes | Iterable[bytes]) -> Iterator[bytes]:
    """The content cut into stored parts of ``PART_BYTES``."""
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        for start in range(0, len(view), PART_BYTES):
            yield bytes(view[start : start + PART_BYTES])
        return
    pending = bytearray()
    for chunk in content:
        pending += chunk
        while len(pending) >= PART_BYTES:
            yield bytes(pending[:PART_BYTES])
            del pending[:PART_BYTES]
    if pending:
        yield bytes(pending)


def receive_batch(
    *,
    source: Organisation,
    content: bytes | Iterable[bytes],
    file_name: str = "",
    fmt: str | None = None,
    token: SignalSourceToken | None = None,
    user: User | None = None,
    actor: Actor,
) -> SignalBatch:
    """Store a delivery exactly as it came; return the batch (``pipeline.receive_batch``
    also queues it for processing, the command line processes it with
    :func:`process_batch`).

    ``content`` may be the bytes or an iterable of chunks (an upload, a request body, a
    file), which is stored piece by piece without holding it all in memory. ``fmt`` is
    ``csv`` or ``json``; without it the content decides. Raises ``DeliveryRefused`` for
    an empty or too large delivery (then nothing is stored)."""
    if not source.is_signal_source:
        raise NotASignalSource(source)
    limit = max_upload_bytes()
    digest = hashlib.sha256()
    size = lines = 0
    last = b""
    with transaction.atomic():
        batch = SignalBatch.objects.create(
            source=source,
            token=token,
            submitted_by=user,
            # The name as the sender's system gave it: made storable (a name from a disk
            # or a form may hold any bytes), never refused for it.
            file_name=reading.storable_text(file_name, 255),
            format=fmt or BatchFormat.CSV,
        )
        for seq, piece in enumerate(_pieces(content)):
            size += len(piece)
            if size > limit:
                # Leaving the block with an exception rolls back what was stored.
                raise DeliveryRefused(too_large_reason(), too_large=True)
            if seq == 0 and fmt is None:
                batch.format = reading.sniff_format(piece[:1024])
            digest.update(piece)
            lines += piece.count(b"\n")
            last = piece[-1:]
            _store_part(batch.pk, seq, piece)
        if size == 0:
            raise DeliveryRefused(_("The delivery is empty: there are no signals in it."))
        batch.size_bytes = size
        batch.sha256 = digest.hexdigest()
        batch.expected_lines = lines + (last != b"\n")
        batch.save(update_fields=["format", "size_bytes", "sha256", "expected_lines"])
        catalogue.log(
            "signal.batch_received",
            actor=actor,
            object_id=batch.pk,
            detail={
                "source": source.pk,
                "format": batch.format,
                "size_bytes": size,
                "sha256": batch.sha256,
            },
        )
    return batch


def _store_part(batch_id: int, seq: int, piece: bytes) -> None:
    if not db.is_postgresql():
        SignalBatchPart.objects.create(batch_id=batch_id, seq=seq, data=piece)
        return
    table = connection.ops.quote_name(SignalBatchPart._meta.db_table)
    with db.psycopg_cursor() as cursor:
        db.copy_rows(
            cursor,
            f"COPY {table} (batch_id, seq, data) FROM STDIN (FORMAT BINARY)",
            [(batch_id, seq, piece)],
            types=["int8", "int4", "bytea"],
        )


def batch_content(batch_id: int) -> Iterator[bytes]:
    """The raw content of a batch, one stored part at a time."""
    part_ids = list(
        SignalBatchPart.objects.filter(batch_id=batch_id)
        .order_by("seq")
        .values_list("pk", flat=True)
    )
    if not db.is_postgresql():
        for pk in part_ids:
            yield bytes(SignalBatchPart.objects.values_list("data", flat=True).get(pk=pk))
        return
    table = connection.ops.quote_name(SignalBatchPart._meta.db_table)
    for pk in part_ids:
        with db.psycopg_cursor() as cursor:
            cursor.execute(
                f"SELECT data FROM {table} WHERE id = %s",  # noqa: S608 (the model's table)
                [pk],
                binary=True,
                prepare=False,
            )
            (data,) = cursor.fetchone()
        yield bytes(data)


# --- processing ---------------------------------------------------------------------------------


@dataclass
class _Chunk:
    first_line: int = 0
    last_line: int = 0
    rows: list[SignalData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected_lines: list[int] = field(default_factory=list)


def _chunks(rows: Iterator[RawRow | Problem], *, after: int, today: date) -> Iterator[_Chunk]:
    parse_signal = parsing.parse_signal
    chunk, count, line = _Chunk(), 0, 0
    accepted, problems, rejected = chunk.rows, chunk.problems, chunk.rejected_lines
    for row in rows:
        line = row.line
        if line <= after:
            continue  # counted before an interruption
        if isinstance(row, Problem):
            problems.append(row)
            rejected.append(line)
        else:
            data, found = parse_signal(row, today=today)
            if data is None:
                problems.extend(found)
                rejected.append(line)
            else:
                accepted.append(data)
        if not count:
            chunk.first_line = line
        count += 1
        if count == ROWS_PER_CHUNK:
            chunk.last_line = line
            yield chunk
            chunk, count = _Chunk(), 0
            accepted, problems, rejected = chunk.rows, chunk.problems, chunk.rejected_lines
    if count:
        chunk.last_line = line
        yield chunk


def build_signal(
    data: SignalData,
    *,
    source: Organisation,
    batch: SignalBatch | None,
    received_at,
) -> Signal:
    """The model instance for a checked row (not saved). The BSN is pseudonymised here
    and goes no further."""
    return Signal(
        source=source,
        reference=data.reference,
        batch=batch,
        batch_line=data.line if batch is not None else None,
        signal_type=data.signal_type,
        signal_date=data.signal_date,
        since=data.since,
        amount_eur=data.amount_eur,
        crisis=data.crisis,
        bsn_pseudonym=pseudonymise_bsn(data.bsn) if data.bsn else None,
        surname=data.surname,
        prefix=data.prefix,
        given_names=data.given_names,
        birth_date=data.birth_date,
        postcode=data.postcode,
        house_number=data.house_number,
        house_number_suffix=data.house_number_suffix,
        city=data.city,
        risk_code=data.risk_code,
        note=data.note,
        received_at=received_at,
    )


# The fields of a signal that come from its row, in the order of ``SignalData`` (which
# has the line where a signal has its batch_line, and the BSN where it has the pseudonym).
_ROW_FIELDS = ("batch_line", *SignalData._fields[1:7], "bsn_pseudonym", *SignalData._fields[8:])
_BSN = SignalData._fields.index("bsn")


def _row_values(data: SignalData) -> tuple:
    """A checked row as the values of ``_ROW_FIELDS``: the BSN pseudonymised."""
    bsn = data[_BSN]
    return data[:_BSN] + (pseudonymise_bsn(bsn) if bsn else None,) + data[_BSN + 1 :]


# The PostgreSQL type of each kind of row field, as a chunk is copied (in binary, which
# PostgreSQL reads fastest; the types must then be given, and match the table's).
_COPY_TYPES = {
    "BigIntegerField": "int8",
    "PositiveBigIntegerField": "int8",
    "PositiveIntegerField": "int4",
    "CharField": "text",
    "TextField": "text",
    "DateField": "date",
    "DecimalField": "numeric",
    "BooleanField": "bool",
}


@cache
def _staging_sql() -> tuple[str, str, list[str], str]:
    """How a chunk is written on PostgreSQL: a temporary table with the row fields,
    COPY into it (with the types of its columns), and one INSERT from it that leaves out
    references the source sent before (also those of signals since removed) and returns
    the ids it wrote."""
    qn = connection.ops.quote_name
    fields = [Signal._meta.get_field(name) for name in _ROW_FIELDS]
    types = [_COPY_TYPES[f.get_internal_type()] for f in fields]
    columns = ", ".join(qn(f.column) for f in fields)
    create = "CREATE TEMPORARY TABLE rits_signal_staging ({}) ON COMMIT DROP".format(
        ", ".join(f"{qn(f.column)} {t}" for f, t in zip(fields, types, strict=True))
    )
    copy = f"COPY rits_signal_staging ({columns}) FROM STDIN (FORMAT BINARY)"
    constant = ["source", "batch", "received_at", "status"]
    constant_columns = ", ".join(qn(Signal._meta.get_field(n).column) for n in constant)
    removed = RemovedSignalReference._meta
    # Table and column names from the model, values as parameters.
    insert = f"""INSERT INTO {qn(Signal._meta.db_table)} ({constant_columns}, {columns})
        SELECT %s, %s, %s, %s, {columns} FROM rits_signal_staging staged
        WHERE NOT EXISTS (
            SELECT 1 FROM {qn(removed.db_table)} removed
            WHERE removed.{qn(removed.get_field("source").column)} = %s
            AND removed.{qn(removed.get_field("reference").column)} = staged.reference
        )
        ON CONFLICT (source_id, reference) DO NOTHING RETURNING id"""  # noqa: S608
    return create, copy, types, insert


def _write_signals(batch: SignalBatch, rows: list[SignalData], built: list) -> list[int]:
    """Write the signals of new references; return the ids of those written (a
    reference the source sent before, in any batch or on its own, is left out)."""
    if not rows:
        return []
    if db.is_postgresql():
        create, copy_sql, types, insert = _staging_sql()
        with connection.cursor() as cursor:
            cursor.execute(create)
            db.copy_rows(cursor.cursor, copy_sql, built, types=types)
            cursor.execute(
                insert,
                [
                    batch.source_id,
                    batch.pk,
                    batch.received_at,
                    SignalStatus.RECEIVED,
                    batch.source_id,
                ],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            # Dropped at commit anyway; now, so that the next chunk can make it again
            # also where chunks share a transaction (in tests).
            cursor.execute("DROP TABLE rits_signal_staging")
        return ids
    removed = set(
        RemovedSignalReference.objects.filter(
            source_id=batch.source_id, reference__in=[d.reference for d in rows]
        ).values_list("reference", flat=True)
    )
    if removed:
        built = [signal for signal in built if signal.reference not in removed]
    Signal.objects.bulk_create(built, ignore_conflicts=True)
    # ignore_conflicts gives no ids back (and a concurrent delivery may have won a
    # reference in between): what was written is read back by line. Only this chunk
    # writes this batch's signals on these lines.
    return list(
        Signal.objects.filter(
            batch_id=batch.pk, batch_line__gte=rows[0].line, batch_line__lte=rows[-1].line
        ).values_list("pk", flat=True)
    )


def _store_chunk(batch: SignalBatch, chunk: _Chunk, actor: Actor) -> None:
    """Write one chunk: its signals, its report lines, the counts and the checkpoint,
    all in one transaction. Rows another run has already counted are left alone."""
    # Within the chunk the first line with a reference wins; the database decides
    # about references that came in earlier (in this batch, another or one by one).
    candidates: dict[str, SignalData] = {}
    for data in chunk.rows:
        candidates.setdefault(data.reference, data)
    # Pseudonymising (or building model instances) takes time: done before the lock.
    if db.is_postgresql():
        built = [_row_values(d) for d in candidates.values()]
    else:
        built = [
            build_signal(d, source=batch.source, batch=batch, received_at=batch.received_at)
            for d in candidates.values()
        ]
    with transaction.atomic():
        locked = SignalBatch.objects.select_for_update().get(pk=batch.pk)
        done = locked.resume_line
        if chunk.last_line <= done:
            return  # another run got here first
        rows, problems, rejected = chunk.rows, chunk.problems, len(chunk.rejected_lines)
        new = list(candidates.values())
        if done >= chunk.first_line:
            # Part of this chunk was counted before (by a run with other chunks).
            rows = [r for r in rows if r.line > done]
            problems = [p for p in problems if p.line > done]
            rejected = len([line for line in chunk.rejected_lines if line > done])
            kept = [i for i, d in enumerate(new) if d.line > done]
            new, built = [new[i] for i in kept], [built[i] for i in kept]
        written = _write_signals(batch, new, built)
        accepted = len(written)
        SignalBatchProblem.objects.bulk_create(
            [
                SignalBatchProblem(
                    batch_id=batch.pk,
                    line=p.line,
                    reference=p.reference,
                    field=p.field or "",
                    reason=p.reason[:500],
                )
                for p in problems
            ]
        )
        locked.rows += len(rows) + rejected
        locked.accepted += accepted
        locked.duplicates += len(rows) - accepted
        locked.rejected += rejected
        locked.resume_line = chunk.last_line
        locked.save(update_fields=["rows", "accepted", "duplicates", "rejected", "resume_line"])
        catalogue.log(
            "signal.batch_imported",
            actor=actor,
            object_id=batch.pk,
            # Ids and counts only: never names, BSNs or other cell contents. The signals
            # written are this batch's on these lines (each carries its batch and line);
            # their ids lie in this range, which others may share.
            detail={
                "source": batch.source_id,
                "lines": [max(chunk.first_line, done + 1), chunk.last_line],
                "accepted": accepted,
                "duplicates": len(rows) - accepted,
                "rejected": rejected,
                "signal_id_range": [min(written), max(written)] if written else [],
            },
        )


def _finish(batch_id: int, *, actor: Actor, error: str = "") -> SignalBatch:
    with transaction.atomic():
        batch = SignalBatch.objects.select_for_update().get(pk=batch_id)
        if batch.is_finished:
            return batch
        batch.status = BatchStatus.FAILED if error else BatchStatus.DONE
        batch.error = error
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        catalogue.log(
            "signal.batch_changed",
            actor=actor,
            object_id=batch.pk,
            detail={
                "source": batch.source_id,
                "status": batch.status,
                "rows": batch.rows,
                "accepted": batch.accepted,
                "duplicates": batch.duplicates,
                "rejected": batch.rejected,
            },
        )
    return batch


def batch_actor(batch: SignalBatch) -> Actor:
    """Processing acts for whoever delivered the batch."""
    if batch.token_id is not None:
        return source_actor(batch.token)
    if batch.submitted_by_id is not None:
        return Actor.for_user(batch.submitted_by)
    return Actor.system(f"signal intake for {batch.source.name}")


def process_batch(batch_id: int, *, today: date | None = None) -> SignalBatch:
    """Read a stored batch and turn its good rows into signals; return the batch.

    Idempotent and restartable: a finished batch is left as it is, and a batch whose
    processing was interrupted resumes after the last chunk that was written, so
    running this twice (or in two workers at once) never writes or counts a row twice.

    The report is stored, so it is written in the region's language, whichever process
    (a worker, or a request in another language) happens to run this."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return _process_batch(batch_id, today=today)
        except (OperationalError, InterfaceError):
            # The database went away or gave up (a lost connection, a deadlock): not the
            # batch's fault. It stays unfinished, and the next run resumes it.
            raise
        except Exception as exc:
            # Anything else is about this delivery: it would fail again on every run
            # and hold up the batches behind it. It ends as failed, with the reason; the
            # chunks already written stay (their rows are in the counts).
            return _fail(batch_id, exc)


def _fail(batch_id: int, exc: Exception) -> SignalBatch:
    # The message of an error from the database or a codec may quote a cell (a name, a
    # BSN): the log has the kind of error and where it arose, never its message.
    logger.error(
        "signal batch %s: processing failed with %s\n%s",
        batch_id,
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    batch = SignalBatch.objects.select_related("source", "token__organisation", "submitted_by").get(
        pk=batch_id
    )
    if batch.resume_line:
        reason = _(
            "Processing stopped on an unexpected error after line %(line)d: the rows up to "
            "that line were taken in as reported, the rest of the delivery was not read. "
            "The error is logged for the administrator. Send the rest again, or the whole "
            "delivery: rows received before are counted as duplicates."
        ) % {"line": batch.resume_line}
    else:
        reason = _(
            "Processing stopped on an unexpected error; nothing from this delivery was "
            "taken in. The error is logged for the administrator. Send the delivery again "
            "later, or ask the administrator."
        )
    return _finish(batch_id, actor=batch_actor(batch), error=reason)


def _process_batch(batch_id: int, *, today: date | None) -> SignalBatch:
    with transaction.atomic():
        batch = (
            SignalBatch.objects.select_for_update(of=("self",))
            .select_related("source", "token__organisation", "submitted_by")
            .get(pk=batch_id)
        )
        if batch.is_finished:
            return batch
        if batch.status == BatchStatus.RECEIVED:
            batch.status = BatchStatus.PROCESSING
            batch.started_at = timezone.now()
            batch.save(update_fields=["status", "started_at"])
    actor = batch_actor(batch)
    today = today or timezone.localdate()
    try:
        shape = parsing.check_file(batch_content(batch.pk), batch.format)
    except FileUnreadable as exc:
        return _finish(batch.pk, actor=actor, error=exc.reason)
    if shape.warnings and not batch.warnings:
        SignalBatch.objects.filter(pk=batch.pk).update(
            warnings=[w.as_dict() for w in shape.warnings]
        )
    rows = parsing.read_rows(batch_content(batch.pk), shape)
    for chunk in _chunks(rows, after=batch.resume_line, today=today):
        _store_chunk(batch, chunk, actor)
    return _finish(batch.pk, actor=actor)


def unfinished_batches() -> list[int]:
    """Batches received but not (completely) processed, oldest first: after a worker
    stopped mid-batch these are picked up again by ``process_signal_batches``."""
    return list(
        SignalBatch.objects.filter(status__in=[BatchStatus.RECEIVED, BatchStatus.PROCESSING])
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )


# --- one signal -----------------------------------------------------------------------------------


class SignalRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("signal rejected")
        self.problems = problems


@dataclass(frozen=True)
class SignalReceipt:
    """A signal taken in: its id and reference, whether it is new, and warnings. Not the
    signal itself, whose status moves on after intake: what the source is answered is
    built from this (``selectors.signal_intake``), never from the stored signal."""

    signal_id: int
    reference: str
    created: bool
    warnings: list[Problem]


def receive_signal(
    *,
    source: Organisation,
    data: Mapping[str, Any],
    actor: Actor,
    today: date | None = None,
) -> SignalReceipt:
    """Check and store one signal (``POST /api/v1/signals``) with the same rules as a row
    of a file. A reference the source sent before returns the signal stored then,
    unchanged (``created`` False). Raises ``SignalRejected`` with the problems."""
    if not source.is_signal_source:
        raise NotASignalSource(source)
    today = today or timezone.localdate()
    parsed, problems = parsing.parse_signal(RawRow(1, data), today=today)
    if parsed is None:
        raise SignalRejected(problems)
    warnings = parsing.unknown_field_warnings(data, line=1)
    existing = (
        Signal.objects.filter(source=source, reference=parsed.reference)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is None:
        # Sent before and since removed by retention: a resend all the same.
        existing = (
            RemovedSignalReference.objects.filter(source=source, reference=parsed.reference)
            .values_list("signal_id", flat=True)
            .first()
        )
    if existing is not None:
        return SignalReceipt(existing, parsed.reference, False, warnings)
    signal = build_signal(parsed, source=source, batch=None, received_at=timezone.now())
    try:
        with transaction.atomic():
            signal.save()
            catalogue.log(
                "signal.received",
                actor=actor,
                object_id=signal.pk,
                detail={"source": source.pk, "signal_type": signal.signal_type},
            )
    except IntegrityError:
        # The same reference arrived at the same moment through another request.
        existing = Signal.objects.values_list("pk", flat=True).get(
            source=source, reference=parsed.reference
        )
        return SignalReceipt(existing, parsed.reference, False, warnings)
    return SignalReceipt(signal.pk, signal.reference, True, warnings)
