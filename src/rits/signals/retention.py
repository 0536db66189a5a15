"""Retention of signals: nothing is kept longer than the law and the region allow.

- Risk registrations (Verwijsindex) are removed ``RITS_RISK_REGISTRATION_RETENTION_DAYS``
  (730, at most two years) after their date.
- Signals that never linked to a family are removed ``RITS_UNLINKED_SIGNAL_RETENTION_DAYS``
  (180) after they came in.
- The raw content of a delivery (the file as it came, BSNs included) is removed
  ``RITS_SIGNAL_RAW_RETENTION_DAYS`` (30) after the batch was processed; the batch itself,
  its counts and its per-row report (which hold no BSN) stay.

Every removal is audited, one event per batch of removals, naming what was removed and
the families it concerned. The reference of a removed signal is kept
(``RemovedSignalReference``), so that a source sending it again is answered "duplicate"
as before the removal: which signals were kept (the linked ones) must not show. Run daily with ``manage.py purge_signals``; running it again
removes nothing more.

Risk registrations past their term are not removed at once: they are archived
(``Signal.archived_at``) and kept until ``RITS_RISK_REGISTRATION_ARCHIVE_DAYS`` (1825, five
years) after their date. An archived registration is shown nowhere and counts for no
rule, except the Verwijsindex match rule when a new registration about the same young
person comes in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from rits.access.principals import Principal
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.signals.models import (
    BatchStatus,
    RemovedSignalReference,
    Signal,
    SignalBatch,
    SignalBatchPart,
    SignalLink,
    SignalStatus,
    SignalType,
)

# Rows per transaction and per audit event.
PER_BATCH = 1000


@dataclass
class RetentionReport:
    risk_registrations: int = 0
    unlinked_signals: int = 0
    raw_batches: int = 0


def retention_actor() -> Actor:
    return Principal.system("retention").actor


def _remove_signals(signals: QuerySet[Signal], *, reason: str, older_than, actor: Actor) -> int:
    """Remove ``signals`` in batches, each one transaction with one audit event; keep
    their references (see ``RemovedSignalReference``)."""
    now = timezone.now()
    removed = 0
    while ids := list(signals.order_by("pk").values_list("pk", flat=True)[:PER_BATCH]):
        with transaction.atomic():
            family_ids = sorted(
                set(
                    SignalLink.objects.filter(signal_id__in=ids).values_list("family_id", flat=True)
                )
            )
            RemovedSignalReference.objects.bulk_create(
                [
                    RemovedSignalReference(
                        source_id=source_id, reference=reference, signal_id=pk, removed_at=now
                    )
                    for pk, source_id, reference in Signal.objects.filter(pk__in=ids).values_list(
                        "pk", "source_id", "reference"
                    )
                ],
                ignore_conflicts=True,
            )
            count, _per_model = Signal.objects.filter(pk__in=ids).delete()
            catalogue.log(
                "signal.deleted",
                actor=actor,
                detail={
                    "reason": reason,
                    "older_than": older_than.isoformat(),
                    "count": len(ids),
                    "signal_ids": ids,
                    "family_ids": family_ids,
                },
            )
        removed += len(ids)
    return removed


def purge_risk_registrations(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Archive risk registrations dated more than ``RITS_RISK_REGISTRATION_RETENTION_DAYS``
    ago, and remove archived ones dated more than ``RITS_RISK_REGISTRATION_ARCHIVE_DAYS``
    ago (with their links and their place behind alerts and concern matches). Returns how
    many were archived or removed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    actor = actor or retention_actor()
    registrations = Signal.objects.filter(signal_type=SignalType.RISK_REGISTRATION)
    cutoff = today - timedelta(days=settings.RISK_REGISTRATION_RETENTION_DAYS)
    to_archive = registrations.filter(signal_date__lt=cutoff, archived_at=None)
    archived = 0
    while ids := list(to_archive.order_by("pk").values_list("pk", flat=True)[:PER_BATCH]):
        with transaction.atomic():
            Signal.objects.filter(pk__in=ids).update(archived_at=now)
            catalogue.log(
                "signal.changed",
                actor=actor,
                detail={
                    "reason": "retention.risk_registration.archived",
                    "older_than": cutoff.isoformat(),
                    "count": len(ids),
                    "signal_ids": ids,
                },
            )
        archived += len(ids)
    archive_cutoff = today - timedelta(days=settings.RISK_REGISTRATION_ARCHIVE_DAYS)
    return archived + _remove_signals(
        registrations.filter(signal_date__lt=archive_cutoff),
        reason="retention.risk_registration",
        older_than=archive_cutoff,
        actor=actor,
    )


def purge_unlinked_signals(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Remove signals that linking could not link to any family and that came in more
    than ``RITS_UNLINKED_SIGNAL_RETENTION_DAYS`` ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.UNLINKED_SIGNAL_RETENTION_DAYS)
    signals = Signal.objects.filter(status=SignalStatus.UNLINKED, received_at__lt=cutoff).exclude(
        Exists(SignalLink.objects.filter(signal_id=OuterRef("pk")))
    )
    return _remove_signals(
        signals,
        reason="retention.unlinked",
        older_than=cutoff,
        actor=actor or retention_actor(),
    )


def purge_raw_content(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Remove the raw content of deliveries processed more than
    ``RITS_SIGNAL_RAW_RETENTION_DAYS`` ago. Returns the number of batches emptied."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SIGNAL_RAW_RETENTION_DAYS)
    actor = actor or retention_actor()
    finished = SignalBatch.objects.filter(
        status__in=[BatchStatus.DONE, BatchStatus.FAILED], finished_at__lt=cutoff
    ).filter(Exists(SignalBatchPart.objects.filter(batch_id=OuterRef("pk"))))
    emptied = 0
    while ids := list(finished.order_by("pk").values_list("pk", flat=True)[:PER_BATCH]):
        with transaction.atomic():
            parts, _per_model = SignalBatchPart.objects.filter(batch_id__in=ids).delete()
            catalogue.log(
                "signal.batch_content_deleted",
                actor=actor,
                detail={
                    "reason": "retention.raw_content",
                    "older_than": cutoff.isoformat(),
                    "batch_ids": ids,
                    "parts": parts,
                },
            )
        emptied += len(ids)
    return emptied


def purge_signals(*, now: datetime | None = None) -> RetentionReport:
    """Everything retention removes today; see the module's docstring."""
    now = now or timezone.now()
    return RetentionReport(
        risk_registrations=purge_risk_registrations(now=now),
        unlinked_signals=purge_unlinked_signals(now=now),
        raw_batches=purge_raw_content(now=now),
    )
