"""``manage.py import_signals FILE --source <organisation name or id>``.

The same path as the API: the file is stored as it is (``receive_batch``), then
processed (``process_batch``), here and now instead of by a worker. What it prints is
what the source may see of its delivery (``selectors.Delivery``): run for a source, its
output may well be sent to it, so it tells how the file was taken in and never what
became of the signals (linked or not, alerts)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rits.audit.services import Actor
from rits.signals import pipeline
from rits.signals.intake import selectors, services
from rits.signals.intake.selectors import Delivery
from rits.signals.management.commands._source import find_source
from rits.signals.models import BatchFormat, BatchStatus

READ_BYTES = 1024 * 1024


def _read(path: Path):
    with path.open("rb") as handle:
        while chunk := handle.read(READ_BYTES):
            yield chunk


def format_report(batch: Delivery) -> list[str]:
    """The outcome as lines of text: the counts, then every warning and rejected row."""
    lines = []
    if batch.status == BatchStatus.FAILED and not batch.rows:
        lines.append(
            _("%(file)s: nothing accepted. %(error)s")
            % {"file": batch.file_name, "error": batch.error}
        )
        return lines
    lines.append(
        _(
            "%(file)s: %(rows)d rows: %(accepted)d accepted, %(duplicates)d duplicates, "
            "%(rejected)d rejected"
        )
        % {
            "file": batch.file_name,
            "rows": batch.rows,
            "accepted": batch.accepted,
            "duplicates": batch.duplicates,
            "rejected": batch.rejected,
        }
    )
    if batch.status == BatchStatus.FAILED:
        lines.append(batch.error)
    if batch.warnings:
        lines.append(_("Warnings:"))
        lines.extend(_line(w) for w in batch.warnings)
    offset = 0
    while True:
        _total, page = selectors.batch_report(batch=batch, offset=offset)
        if not page:
            break
        if offset == 0:
            lines.append(_("Rejected:"))
        lines.extend(_line(p) for p in page)
        offset += len(page)
    return lines


def _line(problem: dict) -> str:
    values = {"line": problem["line"], "field": problem["field"], "reason": problem["reason"]}
    text = (
        _("line %(line)d, field %(field)s: %(reason)s")
        if problem["field"]
        else _("line %(line)d: %(reason)s")
    ) % values
    if problem.get("reference"):
        return _("%(problem)s (reference %(reference)s)") % {
            "problem": text,
            "reference": problem["reference"],
        }
    return text


class Command(BaseCommand):
    help = (
        "Import signals from a CSV file or a JSON array (format: docs/signal-format.md) on "
        "behalf of a signal source. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="A CSV file or a JSON array.")
        parser.add_argument(
            "--source",
            required=True,
            help="The organisation that delivered the signals: its id or its exact name.",
        )
        parser.add_argument(
            "--format",
            choices=BatchFormat.values,
            help="csv or json; by default the content decides.",
        )

    def handle(self, *args, **options) -> None:
        source = find_source(options["source"])
        path = Path(options["file"])
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(reason)s")
                % {"path": options["file"], "reason": exc.strerror}
            ) from None
        if size > services.max_upload_bytes():
            raise CommandError(services.too_large_reason())
        try:
            batch = services.receive_batch(
                source=source,
                content=_read(path),
                file_name=path.name,
                fmt=options["format"],
                actor=Actor.system("import_signals command"),
            )
        except services.DeliveryRefused as exc:
            raise CommandError(exc.reason) from None
        batch = pipeline.run_for_batch(batch.pk).batch
        delivery = selectors.delivery_of(batch)
        for line in format_report(delivery):
            self.stdout.write(line)
        # Bad rows are reported, not fatal; only a file that could not be read at all (or
        # whose processing stopped) makes the command fail, so that a script notices.
        if batch.status == BatchStatus.FAILED and not batch.rows:
            raise CommandError(_("Nothing was imported: the file could not be read."))
        if batch.status == BatchStatus.FAILED:
            raise CommandError(_("The import stopped before the end of the file."))
