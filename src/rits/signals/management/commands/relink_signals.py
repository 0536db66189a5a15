"""``manage.py relink_signals``: try again to link the signals that linked to nobody
(see ``pipeline.relink_unlinked``). Run once a day, before ``purge_signals``."""

from django.core.management.base import BaseCommand, CommandError

from rits.signals import pipeline


class Command(BaseCommand):
    help = (
        "Link again the signals that linked to nobody and are still kept: the person may "
        "have become known since. Signals in review are left to their reviewer."
    )

    def handle(self, *args, **options) -> None:
        report = pipeline.relink_unlinked()
        self.stdout.write(f"{report.linking.signals} signals tried again")
        for line in report.summary():
            self.stdout.write(line)
        if report.error:
            # The signals wait in the queue for a usable model (process_signal_batches).
            raise CommandError(report.error)
