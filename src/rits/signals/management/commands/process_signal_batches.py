"""``manage.py process_signal_batches``: process every batch that is waiting or whose
processing stopped half-way (a worker that was stopped), here and now."""

from django.core.management.base import BaseCommand

from rits.signals import services


class Command(BaseCommand):
    help = (
        "Process the signal batches that were received but not (completely) processed, "
        "e.g. after a worker stopped mid-batch. Processing resumes where it stopped; "
        "nothing is written or counted twice."
    )

    def handle(self, *args, **options) -> None:
        for batch_id in services.unfinished_batches():
            batch = services.process_batch(batch_id)
            self.stdout.write(
                f"batch {batch.pk} ({batch.source.name}): {batch.status}, {batch.rows} rows, "
                f"{batch.accepted} accepted, {batch.duplicates} duplicates, "
                f"{batch.rejected} rejected"
            )
