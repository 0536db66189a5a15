"""``manage.py process_signal_batches``: finish whatever the signal pipeline left
half-way (a worker that was stopped), here and now."""

from django.core.management.base import BaseCommand

from rits.signals import pipeline


class Command(BaseCommand):
    help = (
        "Finish the signal pipeline's unfinished work: batches received but not (completely) "
        "processed, signals not linked yet, linked signals the rules have not seen. Every "
        "stage resumes where it stopped; nothing is written or counted twice."
    )

    def handle(self, *args, **options) -> None:
        for report in pipeline.run_pending():
            batch = report.batch
            if batch is not None:
                self.stdout.write(
                    f"batch {batch.pk} ({batch.source.name}): {batch.status}, {batch.rows} "
                    f"rows, {batch.accepted} accepted, {batch.duplicates} duplicates, "
                    f"{batch.rejected} rejected"
                )
            if batch is not None or report.linking.signals or report.rules.signals:
                for line in report.summary():
                    self.stdout.write(line)
