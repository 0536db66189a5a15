"""``manage.py import_families PERSONS.csv [--involvements INVOLVEMENTS.csv] [--dry-run]``."""

from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rits.audit.services import Actor
from rits.families.importing import FileSummary, ImportReport, ImportSource, import_families


def _read(path: str) -> ImportSource:
    try:
        return ImportSource(name=Path(path).name, content=Path(path).read_bytes())
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
        ) from None


def format_report(report: ImportReport) -> list[str]:
    """The report as lines of text: a summary per file, then every rejected row and warning."""
    lines = []
    for summary in report.summaries():
        if summary.error:
            lines.append(
                _("%(file)s: not imported. %(error)s")
                % {"file": summary.file, "error": summary.error}
            )
            continue
        lines.append(
            _(
                "%(file)s: %(rows)d rows: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(rejected)d rejected"
            )
            % _counts(summary)
        )
    if not report.unreadable:
        families = report.families
        lines.append(
            _("families: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {
                "created": families.created,
                "updated": families.updated,
                "unchanged": families.unchanged,
            }
        )
    if report.rejected:
        lines.append(_("Rejected:"))
        lines.extend(str(problem) for problem in report.rejected)
    if report.warnings:
        lines.append(_("Warnings:"))
        lines.extend(str(problem) for problem in report.warnings)
    if report.dry_run:
        lines.append(_("Dry run: nothing was saved."))
    return lines


def _counts(summary: FileSummary) -> dict:
    return {k: v for k, v in asdict(summary).items() if k != "error"}


class Command(BaseCommand):
    help = (
        "Import families, persons and involvements from CSV files (format: "
        "docs/import-format.md). Importing the same files again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("persons", metavar="PERSONS.csv", help="One row per person.")
        parser.add_argument(
            "--involvements", metavar="INVOLVEMENTS.csv", help="One row per involvement."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check everything and report what would happen, without saving anything.",
        )

    def handle(self, *args, **options) -> None:
        persons = _read(options["persons"])
        involvements = _read(options["involvements"]) if options["involvements"] else None
        report = import_families(
            persons=persons,
            involvements=involvements,
            actor=Actor.system("import_families command"),
            dry_run=options["dry_run"],
        )
        for line in format_report(report):
            self.stdout.write(line)
        # Bad rows are reported, not fatal; only a file that could not be read at all
        # makes the command fail, so that a script notices nothing was imported.
        if report.unreadable:
            raise CommandError(_("Nothing was imported: a file could not be read."))
