"""The daily jobs of signals (``rits.scheduling``), what the README asked cron to run:
the date-driven rules with escalation of overdue alerts, re-linking and retention. Each
runs once, for the latest day, after the scheduler was down: their work covers the days
missed."""

from datetime import date

from rits.scheduling.registry import daily_job
from rits.signals import pipeline, retention


@daily_job("signals.daily_rules")
def daily_rules(day: date) -> None:
    """The date-driven rules, then escalation of alerts nobody acknowledged in time
    (``escalate_alerts --daily-rules``)."""
    pipeline.run_daily_rules(today=day)


@daily_job("signals.relinking")
def relinking(day: date) -> None:
    pipeline.relink_unlinked()


@daily_job("signals.retention")
def purge(day: date) -> None:
    retention.purge_signals()
