"""``manage.py process_signal_batches``: finish whatever the signal pipeline left
half-way (a worker that was stopped), here and now."""

from django.core.management.base import BaseCommand, CommandError

from rits.signals import pipeline
from rits.signals.models import BatchStatus


class Command(BaseCommand):
    help = (
        "Finish the signal pipeline's unfinished work: batches received but not (completely) "
        "processed, signals not linked yet, linked signals the rules have not seen. Every "
        "stage resumes where it stopped; nothing is written or counted twice. A batch that "
        "cannot be processed ends as failed, with its reason, and the others go on."
    )

    def handle(self, *args, **options) -> None:
        stopped = []
        for report in pipeline.run_pending():
            batch = report.batch
            if batch is not None:
                self.stdout.write(
                    f"batch {batch.pk} ({batch.source.name}): {batch.status}, {batch.rows} "
                    f"rows, {batch.accepted} accepted, {batch.duplicates} duplicates, "
                    f"{batch.rejected} rejected"
                )
                if batch.status == BatchStatus.FAILED:
                    self.stdout.write(f"  {batch.error}")
            if report.error and batch is None:
                stopped.append("pending signals")
                self.stderr.write(f"pending signals: {report.error}")
            elif report.error:
                stopped.append(batch.pk)
                self.stderr.write(
                    f"batch {batch.pk}: the pipeline stopped with {report.error} (see the "
                    "log); the other batches went on"
                )
            elif batch is not None or report.linking.signals or report.rules.signals:
                for line in report.summary():
                    self.stdout.write(line)
        # So that a scheduler notices: every other batch was run all the same.
        if stopped:
            raise CommandError(
                f"{len(stopped)} batch(es) could not be finished: "
                + ", ".join(str(pk) for pk in stopped)
            )
