"""The daily job of notifications: yesterday's summaries (every missed day is caught up:
each day's summary counts)."""

from datetime import date, timedelta

from rits.notifications.services import send_digests
from rits.scheduling.registry import daily_job


@daily_job("notifications.digests", catch_up=True)
def digests(day: date) -> None:
    send_digests(day - timedelta(days=1))
