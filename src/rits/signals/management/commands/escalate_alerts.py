"""``manage.py escalate_alerts``: the daily work of the rules — alerts nobody acknowledged
in time go to the team lead, and (with ``--daily-rules``) the date-driven rules run
(a young person turning 18 without a transition plan). Run it once a day."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from rits.signals import pipeline
from rits.worklist import services as worklist


class Command(BaseCommand):
    help = (
        "Escalate alerts still open after their due date to the team lead (see "
        "RITS_ALERT_ESCALATE_AFTER_DAYS). With --daily-rules, first run the date-driven "
        "rules. Running it again the same day changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--daily-rules",
            action="store_true",
            help="Also run the date-driven rules (turning 18 without a transition plan).",
        )
        parser.add_argument("--today", help="Run as on this date (YYYY-MM-DD); for tests.")

    def handle(self, *args, **options) -> None:
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date as YYYY-MM-DD") from None
        if options["daily_rules"]:
            report = pipeline.run_daily_rules(today=today)
            self.stdout.write(
                f"daily rules: {report.families} families, {report.alerts_raised} alerts "
                f"raised; {report.escalated} alerts escalated"
            )
            return
        escalated = worklist.escalate_overdue(today=today)
        self.stdout.write(f"{escalated} alerts escalated")
