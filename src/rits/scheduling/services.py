"""The scheduler's work: which daily jobs are due, claiming each job's day once and
queueing it for the workers, and when the next one is due.

The claim and the task are written in one transaction (as the signal pipeline queues
its work): with the database backend there is never a claimed day without its task, nor
a task twice. A job that fails is a failed task, recorded and logged by the task
backend (the immediate one too) as any other; its day stays claimed, and its
``manage.py`` command runs it again by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from rits.scheduling import registry
from rits.scheduling.models import ScheduledRun
from rits.scheduling.registry import DailyJob
from rits.scheduling.tasks import run_daily_job

# How far back a job that catches up goes after the scheduler was down.
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class Run:
    job: str
    day: date


def _latest_due(job: DailyJob, now: datetime) -> date:
    today = now.date()
    return today if now.time() >= job.at else today - timedelta(days=1)


def due_runs(now: datetime | None = None) -> list[Run]:
    """What is due at ``now`` (local time) and not claimed yet. A job that never ran
    starts on its next due day; after days missed, a ``catch_up`` job runs each of them
    (up to ``CATCH_UP_DAYS``), any other once, for the latest."""
    now = timezone.localtime(now)
    last = dict(ScheduledRun.objects.values_list("job").annotate(last=Max("day")))
    runs = []
    for job in registry.jobs():
        latest = _latest_due(job, now)
        previous = last.get(job.code)
        if previous is None:
            if latest == now.date():
                runs.append(Run(job.code, latest))
        elif previous < latest:
            if not job.catch_up:
                runs.append(Run(job.code, latest))
                continue
            first = max(previous + timedelta(days=1), latest - timedelta(days=CATCH_UP_DAYS - 1))
            runs.extend(
                Run(job.code, first + timedelta(days=n)) for n in range((latest - first).days + 1)
            )
    return runs


def claim_and_queue(run: Run) -> bool:
    """Claim ``run`` and queue its task, both or neither; ``False`` when another
    scheduler claimed it first."""
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=run.job, day=run.day)
            run_daily_job.enqueue(run.job, run.day.isoformat())
    except IntegrityError:
        return False
    return True


def run_due(now: datetime | None = None) -> list[Run]:
    """Claim and queue every run due at ``now``; returns those this scheduler queued."""
    return [run for run in due_runs(now) if claim_and_queue(run)]


def next_due_at(now: datetime | None = None) -> datetime:
    """When the next job is due after ``now`` (tomorrow's first, when today's are done)."""
    now = timezone.localtime(now)
    times = sorted({job.at for job in registry.jobs()})
    for day in (now.date(), now.date() + timedelta(days=1)):
        for at in times:
            moment = timezone.make_aware(datetime.combine(day, at))
            if moment > now:
                return moment
    return now + timedelta(days=1)
