"""The daily jobs: each app registers its own in its ``jobs.py``.

A job is a function of the day it runs for. It must be safe to run twice (the schedule
runs it once per day, but a worker may be stopped half-way and the task retried).
``catch_up``: when the scheduler was down, a job whose every day counts (a day's
summary) runs for each missed day; any other runs once, for the latest day due."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DailyJob:
    code: str
    run: Callable[[date], object]
    catch_up: bool = False

    @property
    def at(self) -> time:
        """The local time it is due (``RITS_SCHEDULE_TIME``, or its own in
        ``RITS_SCHEDULE_JOB_TIMES``)."""
        return settings.SCHEDULE_JOB_TIMES.get(self.code, settings.SCHEDULE_TIME)


_jobs: dict[str, DailyJob] = {}


def daily_job(code: str, *, catch_up: bool = False):
    """Register the decorated function, called with the day, as the daily job ``code``."""

    def register(function: Callable[[date], object]):
        _jobs[code] = DailyJob(code, function, catch_up)
        return function

    return register


def unregister(code: str) -> None:
    _jobs.pop(code, None)


def jobs() -> list[DailyJob]:
    """Every registered job, in order of code; a time configured for a job that does not
    exist is a mistake in the configuration."""
    unknown = set(settings.SCHEDULE_JOB_TIMES) - set(_jobs)
    if unknown:
        raise ImproperlyConfigured(
            f"RITS_SCHEDULE_JOB_TIMES names no job: {', '.join(sorted(unknown))} "
            f"(the jobs: {', '.join(sorted(_jobs))})"
        )
    return [_jobs[code] for code in sorted(_jobs)]


def job(code: str) -> DailyJob:
    return _jobs[code]
