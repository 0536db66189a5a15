"""The signal pipeline: intake → link → rules (→ alert → inbox → action in the plan).

Each stage is idempotent and restartable on its own (see ``intake.services.process_batch``,
``linking.link_signals`` and ``rules.run_rules``), so running the pipeline again after a
worker was stopped half-way finishes the work without losing or doubling anything.

The rules decide and this module routes: ``rules`` evaluates the facts into findings
(alerts to raise, concern matches to record) and hands each chunk's to
:func:`route_findings`, which gives them to ``alerts``, in the chunk's transaction (so
that a chunk's signals are marked as seen together with their alerts). The daily run
(:func:`run_daily_rules`) also escalates overdue alerts, which is not a rule.

This module is also the one place where work is queued for the workers
(django-tasks; the backend is set by ``RITS_TASKS_BACKEND``): the doors of the intake
(the API, the upload page) call :func:`receive_batch` and :func:`receive_signal` here,
which store through ``services`` and queue the processing. The rule, the same for both:
**the task is queued in the transaction that stores the work.** With the database
backend the stored delivery (or signal) and its task are committed together, so there is
never one without the other (a transactional outbox); with the immediate backend (the
demo) the pipeline runs before that transaction commits, and a failure in it rolls the
delivery back with it. Intake services never queue anything themselves."""

import logging
import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.signals import alerts, linking, rules
from rits.signals.intake import services
from rits.signals.intake.services import SignalReceipt
from rits.signals.linking import LinkReport
from rits.signals.linking.model import LinkageModelUnavailable
from rits.signals.models import Signal, SignalBatch, SignalStatus
from rits.signals.rules import Findings, RulesReport
from rits.worklist import services as worklist

logger = logging.getLogger(__name__)

# Signals put back in the linking queue per transaction.
RELINK_CHUNK = 10_000


@dataclass
class PipelineReport:
    batch: SignalBatch | None
    linking: LinkReport = field(default_factory=LinkReport)
    rules: RulesReport = field(default_factory=RulesReport)
    # The kind of error that stopped this batch's run (its message may quote a cell).
    error: str = ""

    def summary(self) -> list[str]:
        linked, rule_run = self.linking, self.rules
        return [
            f"linking: {linked.linked} linked, {linked.review} to be reviewed, "
            f"{linked.unlinked} not linked",
            f"rules: {rule_run.alerts_raised} alerts raised, {rule_run.updated} alerts joined "
            f"by new signals, {rule_run.concern_matches} concern matches",
        ]


def route_findings(findings: Findings, report: RulesReport) -> None:
    """Where the rules' findings go: concern matches recorded and alerts raised (or
    joined), in the transaction of the rules' chunk, and counted in ``report``."""
    for _pk, created in alerts.record_concern_matches(findings.concern_matches):
        report.concern_matches += int(created)
    drafts = findings.alerts
    for draft, (_pk, outcome) in zip(drafts, alerts.raise_alerts(drafts), strict=True):
        if outcome == worklist.RAISED:
            report.raised[draft.kind] += 1
        elif outcome == worklist.UPDATED:
            report.updated += 1


def run_rules(*, signal_ids: list[int] | None = None, today: date | None = None) -> RulesReport:
    """The rules over linked signals they have not seen (or ``signal_ids``), their
    findings raised as alerts (``rules.run_rules``)."""
    return rules.run_rules(route=route_findings, signal_ids=signal_ids, today=today)


def run_daily_rules(*, today: date | None = None) -> RulesReport:
    """The daily run: the date-driven rules, their findings raised as alerts, then
    escalation of alerts nobody acknowledged in time. Running it again the same day
    changes nothing."""
    today = today or timezone.localdate()
    report = rules.run_daily_rules(route=route_findings, today=today)
    with translation.override(settings.LANGUAGE_CODE):
        report.escalated = worklist.escalate_overdue(today=today)
    return report


def _link(signal_ids: list[int] | None) -> tuple[LinkReport, str]:
    """Link the signals (see ``linking.link_signals``); when the linkage model cannot be
    used, hold them: nothing is linked, the signals stay ``received`` for the next run
    (``process_signal_batches``, or the next delivery) once a usable model is active,
    and the reason is logged and returned. The delivery itself stays stored."""
    try:
        return linking.link_signals(signal_ids=signal_ids), ""
    except LinkageModelUnavailable as exc:
        held = len(signal_ids) if signal_ids is not None else "all pending"
        logger.error("linking held (%s signals): %s", held, exc)
        return LinkReport(), f"linking held: {exc}"


def run_for_signals(signal_ids: list[int]) -> PipelineReport:
    """Link the given signals and run the rules over them."""
    linked, error = _link(signal_ids)
    return PipelineReport(
        batch=None, linking=linked, rules=run_rules(signal_ids=signal_ids), error=error
    )


def run_for_batch(batch_id: int) -> PipelineReport:
    """Process a stored delivery, then link its signals and run the rules."""
    batch = services.process_batch(batch_id)
    signal_ids = list(Signal.objects.filter(batch_id=batch_id).values_list("pk", flat=True))
    report = run_for_signals(signal_ids)
    report.batch = batch
    return report


def run_pending() -> list[PipelineReport]:
    """Everything left half-way: unfinished deliveries, then any signal not linked yet
    and any linked signal the rules have not seen (after a worker was stopped).

    Each delivery on its own: one whose run raises (a batch whose processing fails is
    marked failed by ``process_batch``; this is anything after, or the database) is
    reported and the next one is run, so that one bad delivery never holds up the
    deliveries behind it."""
    reports = []
    for batch_id in services.unfinished_batches():
        try:
            reports.append(run_for_batch(batch_id))
        except Exception as exc:
            logger.error(
                "signal batch %s: the pipeline stopped with %s\n%s",
                batch_id,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            batch = SignalBatch.objects.select_related("source").get(pk=batch_id)
            reports.append(PipelineReport(batch=batch, error=type(exc).__name__))
    linked, error = _link(None)
    reports.append(PipelineReport(batch=None, linking=linked, rules=run_rules(), error=error))
    return reports


def relink_unlinked() -> PipelineReport:
    """Try again every signal that linked to nobody and is still kept (received within
    ``RITS_UNLINKED_SIGNAL_RETENTION_DAYS``): the person it is about may have become
    known since, e.g. a family registered after the landlord's arrears came in. Run once
    a day, before ``purge_signals``. Signals in review are left to their reviewer.

    Restartable: a signal is put back in the queue (``received``, not looked at) in the
    same transaction that audits it, and linking then takes it as any new signal; a run
    stopped half-way leaves it there for ``process_signal_batches``."""
    since = timezone.now() - timedelta(days=settings.UNLINKED_SIGNAL_RETENTION_DAYS)
    ids = list(
        Signal.objects.filter(
            status=SignalStatus.UNLINKED, archived_at=None, received_at__gte=since
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), RELINK_CHUNK):
        chunk = ids[start : start + RELINK_CHUNK]
        with transaction.atomic():
            requeued = Signal.objects.filter(pk__in=chunk, status=SignalStatus.UNLINKED).update(
                status=SignalStatus.RECEIVED, linked_at=None
            )
            catalogue.log(
                "signal.changed",
                actor=Actor.system("linking"),
                detail={
                    "relink": True,
                    "signal_id_range": [chunk[0], chunk[-1]],
                    "signals": requeued,
                },
            )
    return run_for_signals(ids)


# --- queueing -------------------------------------------------------------------------------


@task()
def process_batch_task(batch_id: int) -> None:
    """Process a stored batch, link its signals and run the rules. Safe to run more than
    once: every stage picks up where it stopped and never doubles anything."""
    run_for_batch(batch_id)


@task()
def process_signal_task(signal_id: int) -> None:
    """Link one signal that came in on its own and run the rules."""
    run_for_signals([signal_id])


def receive_batch(**delivery) -> SignalBatch:
    """Store a delivery (``services.receive_batch``, with the same arguments) and queue
    its processing in the same transaction."""
    with transaction.atomic():
        batch = services.receive_batch(**delivery)
        process_batch_task.enqueue(batch.pk)
    return batch


def receive_signal(**signal) -> SignalReceipt:
    """Store one signal (``services.receive_signal``, with the same arguments) and, when
    it is new, queue its linking and rules in the same transaction."""
    with transaction.atomic():
        receipt = services.receive_signal(**signal)
        if receipt.created:
            process_signal_task.enqueue(receipt.signal_id)
    return receipt
