"""Working days: Monday to Friday, except Dutch public holidays, and the due date of an
alert counted in them (``RITS_ALERT_DUE_WORKING_DAYS``). Used by the rules and by the
alerts they raise; no knowledge of either."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings

# --- dates ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (weekends and Dutch public holidays
    do not count)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def due_date(today: date, *, crisis: bool) -> date:
    """When an alert raised ``today`` is due: ``RITS_ALERT_DUE_WORKING_DAYS`` working
    days, or ``RITS_ALERT_CRISIS_DUE_WORKING_DAYS`` when eviction, cut-off or loss of
    insurance is threatened."""
    days = settings.ALERT_CRISIS_DUE_WORKING_DAYS if crisis else settings.ALERT_DUE_WORKING_DAYS
    return add_working_days(today, days)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (the 31st becomes the last day of a shorter month)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
