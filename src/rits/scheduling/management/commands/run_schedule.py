"""``manage.py run_schedule``: Rits's own daily schedule. Start it next to the workers
(``manage.py db_worker``); it queues each daily job at its time, and the workers run it.
Two may run (on two machines, or a restart overlapping): each day of each job is claimed
once. ``--once`` queues what is due now and exits (tests, or cron every few minutes)."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from rits.scheduling import services

# The longest sleep: the schedule is looked at again at least this often (seconds), so
# a changed clock or a failed job is noticed.
MAX_SLEEP = 15 * 60


class Command(BaseCommand):
    help = (
        "Run the daily schedule: queue escalation, re-linking, retention and the e-mail "
        "summaries at their time (RITS_SCHEDULE_TIME). Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Queue what is due now, then exit.")

    def handle(self, *args, **options) -> None:
        while True:
            for run in services.run_due():
                self.stdout.write(f"queued {run.job} for {run.day.isoformat()}")
            if options["once"]:
                return
            wait = (services.next_due_at() - timezone.now()).total_seconds()
            try:
                time.sleep(min(max(wait, 1), MAX_SLEEP))
            except KeyboardInterrupt:
                return
