"""The daily schedule: due at its time, queued once however many schedulers run, missed
days caught up, and the job run by the task backend."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import default_task_backend

from rits.notifications.models import DigestSent, Notification
from rits.scheduling import registry, services
from rits.scheduling.models import ScheduledRun
from rits.scheduling.services import Run
from tests import factories

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


DAY = datetime.date(2026, 3, 10)
EVERY_JOB = {
    "notifications.digests",
    "signals.daily_rules",
    "signals.relinking",
    "signals.retention",
}


@pytest.fixture
def dummy(settings):
    settings.TASKS = DUMMY
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def queued(backend) -> list[tuple]:
    return [tuple(r.args) for r in backend.results]


def test_the_jobs_of_the_apps_are_registered():
    assert {job.code for job in registry.jobs()} == EVERY_JOB


def test_nothing_is_due_before_the_time(dummy):
    assert services.run_due(at(DAY, 5, 59)) == []
    assert queued(dummy) == []


def test_two_schedulers_on_the_same_day_queue_each_job_once(dummy):
    first = services.run_due(at(DAY, 6, 0))
    assert {r.job for r in first} == EVERY_JOB and {r.day for r in first} == {DAY}
    assert services.run_due(at(DAY, 6, 1)) == []  # the second scheduler, a minute later
    # and one that lost the race between reading what is due and claiming it
    assert services.claim_and_queue(Run("signals.relinking", DAY)) is False
    assert sorted(queued(dummy)) == sorted((job, DAY.isoformat()) for job in EVERY_JOB)
    assert ScheduledRun.objects.count() == len(EVERY_JOB)


def test_a_missed_day_is_caught_up(dummy):
    services.run_due(at(DAY, 7))
    dummy.clear()
    # the scheduler was down for two days and starts again before the time
    later = DAY + datetime.timedelta(days=3)
    runs = services.run_due(at(later, 5))
    digests = sorted(r.day for r in runs if r.job == "notifications.digests")
    assert digests == [DAY + datetime.timedelta(days=1), DAY + datetime.timedelta(days=2)]
    # the others once, for the latest day due: their work covers the days missed
    others = [r for r in runs if r.job != "notifications.digests"]
    assert {r.day for r in others} == {DAY + datetime.timedelta(days=2)} and len(others) == 3
    # and today's at the time
    assert {r.day for r in services.run_due(at(later, 6))} == {later}


def test_catching_up_goes_back_a_week_at_most(dummy):
    services.run_due(at(DAY, 7))
    runs = services.run_due(at(DAY + datetime.timedelta(days=30), 7))
    assert len([r for r in runs if r.job == "notifications.digests"]) == services.CATCH_UP_DAYS


def test_times_are_configurable_per_job(dummy, settings):
    settings.SCHEDULE_TIME = datetime.time(5, 0)
    settings.SCHEDULE_JOB_TIMES = {"notifications.digests": datetime.time(7, 30)}
    assert {r.job for r in services.run_due(at(DAY, 5, 0))} == EVERY_JOB - {"notifications.digests"}
    assert services.next_due_at(at(DAY, 5, 1)) == at(DAY, 7, 30)
    assert [r.job for r in services.run_due(at(DAY, 7, 30))] == ["notifications.digests"]
    assert services.next_due_at(at(DAY, 8)) == at(DAY + datetime.timedelta(days=1), 5, 0)


def test_a_time_for_a_job_that_does_not_exist_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SCHEDULE_JOB_TIMES = {"signals.nonsense": datetime.time(7, 0)}
    with pytest.raises(ImproperlyConfigured, match="signals.nonsense"):
        services.run_due()


def test_the_immediate_backend_runs_the_job(settings, django_capture_on_commit_callbacks):
    """``run_schedule --once`` with the immediate backend: yesterday's summaries are sent."""
    settings.TASKS = IMMEDIATE
    settings.SCHEDULE_TIME = datetime.time(0, 0)  # everything is due now
    user = factories.ProfessionalFactory().user
    Notification.objects.create(
        recipient=user, kind="x", created_at=timezone.now() - datetime.timedelta(days=1)
    )
    out = StringIO()
    call_command("run_schedule", "--once", stdout=out)
    today = timezone.localdate()
    assert f"queued notifications.digests for {today.isoformat()}" in out.getvalue()
    assert DigestSent.objects.get().day == today - datetime.timedelta(days=1)
    # a second run the same day queues nothing
    out = StringIO()
    call_command("run_schedule", "--once", stdout=out)
    assert out.getvalue() == "" and DigestSent.objects.count() == 1


def test_a_failing_job_is_a_failed_task_and_the_others_still_run(settings):
    settings.TASKS = IMMEDIATE
    calls = []

    @registry.daily_job("test.broken")
    def broken(day):
        raise RuntimeError("the job failed")

    @registry.daily_job("test.working")
    def working(day):
        calls.append(day)

    try:
        runs = services.run_due(at(DAY, 7))
    finally:
        registry.unregister("test.broken")
        registry.unregister("test.working")
    assert {Run("test.working", DAY), Run("test.broken", DAY)} <= set(runs)
    assert calls == [DAY]


def test_with_the_database_backend_a_day_is_one_task_row_for_the_workers(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    services.run_due(at(DAY, 6))
    services.run_due(at(DAY, 6, 30))
    rows = DBTaskResult.objects.all()
    assert sorted(tuple(r.args_kwargs["args"]) for r in rows) == sorted(
        (job, DAY.isoformat()) for job in EVERY_JOB
    )
