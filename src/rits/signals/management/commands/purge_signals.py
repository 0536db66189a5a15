"""``manage.py purge_signals``: retention of signals (see ``rits.signals.retention``).
Run it once a day; every removal is audited."""

from django.core.management.base import BaseCommand

from rits.signals import retention


class Command(BaseCommand):
    help = (
        "Remove risk registrations after RITS_RISK_REGISTRATION_RETENTION_DAYS, signals "
        "that never linked after RITS_UNLINKED_SIGNAL_RETENTION_DAYS, and the raw content "
        "of deliveries after RITS_SIGNAL_RAW_RETENTION_DAYS. Every removal is audited."
    )

    def handle(self, *args, **options) -> None:
        report = retention.purge_signals()
        self.stdout.write(
            f"{report.risk_registrations} risk registrations removed, "
            f"{report.unlinked_signals} unlinked signals removed, "
            f"raw content of {report.raw_batches} batches removed"
        )
