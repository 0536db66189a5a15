"""Onboarding a region's existing caseload: families, persons and involvements from CSV.

The format is documented in ``docs/import-format.md``. In short: one file with a row per
person (``family_ref``, ``person_ref``, ``role``, names, date of birth, address, ...) and
an optional file with a row per involvement (``family_ref``, ``organisation``,
``professional_email``, ``role``, ...).

How an import runs:

1. Both files are read and their headers checked. A file that cannot be read (wrong
   encoding, missing columns) stops the import before anything is written.
2. Every row is parsed and checked on its own (types, allowed values, the person rules of
   :func:`rits.families.services.validate_person`). A bad row is reported with its line,
   field and reason and skipped; the other rows go on.
3. Rows are grouped by family and checked against it (duplicates, a child older than a
   parent, one coordinator) in memory. Families are written in batches with bulk
   statements, one audit event per family that changed and timeline events for what was
   created. A family's rows are written together or not at all.

Families, persons and involvements are keyed by the region's references, so importing
the same files again changes nothing and writes no events. Reasons never contain the
content of a cell: a BSN typed in the wrong column must not end up in a report or log.

The parts, each owning its own step (none imports this module):

- ``report.py``: the report (``ImportSource``, ``ImportReport`` and its summaries).
- ``parse.py``: reading a file and parsing its rows (``read_csv``, ``_RowParser``).
- ``plan.py``: loading what exists and deciding, per family, what to write (``_Planner``).
- ``write.py``: writing a batch of plans in bulk, with its timeline and audit events.

This module runs them: it reads the files, parses the rows, cuts the families into
batches, writes each batch in a transaction and commits or discards what the planner
learnt from it, and sums up the report.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.audit.services import Actor
from rits.core.intake.cells import parse_bool, parse_date, parse_house_number, parse_postcode
from rits.core.intake.reading import FileUnreadable, Problem
from rits.families.importing.parse import (
    GENDER_SYNONYMS,
    INVOLVEMENT_COLUMNS,
    PERSON_COLUMNS,
    PERSON_OPTIONAL_COLUMNS,
    ROLE_SYNONYMS,
    _CsvFile,
    _InvolvementRow,
    _PersonRow,
    _RowParser,
    involvement_reference,
    normalise_gemeentecode,
    parse_domain_list,
    parse_gender,
    parse_languages,
    parse_legal_basis,
    parse_role,
    read_csv,
)
from rits.families.importing.plan import FAMILY_NAME_PREFIX, _FamilyGroup, _Plan, _Planner
from rits.families.importing.report import (
    FamilySummary,
    FileSummary,
    ImportReport,
    ImportSource,
    _problem,
    _problem_order,
)
from rits.families.importing.write import write
from rits.organisations.models import User

__all__ = [
    "BATCH_FAMILIES",
    "FAMILY_NAME_PREFIX",
    "GENDER_SYNONYMS",
    "INVOLVEMENT_COLUMNS",
    "MAX_FILE_BYTES",
    "PERSON_COLUMNS",
    "PERSON_OPTIONAL_COLUMNS",
    "ROLE_SYNONYMS",
    "FamilySummary",
    "FileSummary",
    "FileUnreadable",
    "ImportReport",
    "ImportSource",
    "Problem",
    "import_families",
    "involvement_reference",
    "normalise_gemeentecode",
    "parse_bool",
    "parse_date",
    "parse_domain_list",
    "parse_gender",
    "parse_house_number",
    "parse_languages",
    "parse_legal_basis",
    "parse_postcode",
    "parse_role",
    "read_csv",
]

# A synchronous import of a file this size takes seconds; larger caseloads can be split
# into several files (rows are keyed by reference, so the order of the files is free).
MAX_FILE_BYTES = 20 * 1024 * 1024

# Families are written in batches: per batch one transaction, a few bulk statements and
# one audit event per family. A batch that runs into a conflict is retried one family
# per transaction, so that a conflict costs only the family it is about. The batch is
# small enough that the audit chains it locks are free again within a moment.
BATCH_FAMILIES = 100


class _Import:
    """Runs the planned families batch by batch; owns the report's problems and counts."""

    def __init__(
        self,
        *,
        actor: Actor,
        user: User | None,
        dry_run: bool,
        planner: _Planner,
    ) -> None:
        self.actor = actor
        self.user = user
        self.dry_run = dry_run
        self.planner = planner
        self.rejected: list[Problem] = []
        self.warnings: list[Problem] = []
        self.person_status: dict[int, str] = {}
        self.involvement_status: dict[int, str] = {}
        self.family_counts = FamilySummary()

    def run(self, persons: list[_PersonRow], involvements: list[_InvolvementRow]) -> None:
        groups: dict[str, _FamilyGroup] = {}
        for row in persons:
            groups.setdefault(row.family_ref, _FamilyGroup(row.family_ref)).persons.append(row)
        for row in involvements:
            groups.setdefault(row.family_ref, _FamilyGroup(row.family_ref)).involvements.append(row)
        ordered = list(groups.values())
        for start in range(0, len(ordered), BATCH_FAMILIES):
            self._run_batch(ordered[start : start + BATCH_FAMILIES])

    def _run_batch(self, groups: list[_FamilyGroup]) -> None:
        plans = [self.planner.plan_family(group) for group in groups]
        try:
            with transaction.atomic():
                write(plans, actor=self.actor, user=self.user, dry_run=self.dry_run)
        except IntegrityError:
            # Someone changed the same records while we were importing.
            self._discard(plans)
            if len(groups) > 1:
                for group in groups:
                    self._run_batch([group])
            else:
                self._reject_family(plans[0])
            return
        self._commit(plans)

    def _commit(self, plans: list[_Plan]) -> None:
        for layer in self.planner.layers():
            layer.commit()
        for plan in plans:
            self.rejected.extend(plan.problems)
            self.warnings.extend(plan.warnings)
            if plan.family_status:
                count = getattr(self.family_counts, plan.family_status)
                setattr(self.family_counts, plan.family_status, count + 1)
            self.person_status.update(plan.person_status)
            self.involvement_status.update(plan.involvement_status)

    def _discard(self, plans: list[_Plan]) -> None:
        for layer in self.planner.layers():
            layer.discard()
        for plan in plans:
            for obj in plan.touched:
                try:
                    obj.refresh_from_db()
                except ObjectDoesNotExist:
                    pass  # removed meanwhile; the retry will report what that breaks

    def _reject_family(self, plan: _Plan) -> None:
        reason = _(
            "This family could not be saved because it was changed at the same time; "
            "nothing of this family was imported. Import the file again."
        )
        already = {(p.file, p.line) for p in plan.problems}
        group = plan.group
        for rows, file in (
            (group.persons, self.planner.person_file),
            (group.involvements, self.planner.involvement_file),
        ):
            for row in rows:
                if (file, row.line) not in already:
                    self.rejected.append(_problem(file, row.line, None, reason))
        self.rejected.extend(plan.problems)
        self.warnings.extend(plan.warnings)

    # -- the report ------------------------------------------------------------------

    def summarise(self, summary: FileSummary, csv_file: _CsvFile, statuses: dict[int, str]) -> None:
        summary.rows = csv_file.data_lines
        summary.rejected = len({p.line for p in self.rejected if p.file == csv_file.name})
        for status in statuses.values():
            setattr(summary, status, getattr(summary, status) + 1)


def import_families(
    *,
    persons: ImportSource,
    involvements: ImportSource | None = None,
    actor: Actor,
    user: User | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import a persons file and, optionally, an involvements file; return the report.

    ``actor`` is who the audit log records (``Actor.for_user`` for the API,
    ``Actor.system`` for the command line); ``user`` is set as the actor of timeline
    events. A file that cannot be read stops the import before anything is written
    (``report.unreadable``); bad rows are reported and skipped. With ``dry_run`` every
    check runs, including those against the database, and nothing is kept."""
    if involvements is not None and involvements.name == persons.name:
        # The report names files; two uploads called "export.csv" must stay apart.
        involvements = replace(involvements, name=f"{involvements.name} (involvements)")
    report = ImportReport(
        dry_run=dry_run,
        persons=FileSummary(file=persons.name),
        involvements=FileSummary(file=involvements.name) if involvements else None,
    )
    files: list[_CsvFile | None] = []
    for source, summary, columns, optional in (
        (persons, report.persons, PERSON_COLUMNS, PERSON_OPTIONAL_COLUMNS),
        (involvements, report.involvements, INVOLVEMENT_COLUMNS, frozenset()),
    ):
        if source is None:
            files.append(None)
            continue
        try:
            files.append(read_csv(source, columns=columns, optional=optional))
        except FileUnreadable as exc:
            summary.error = exc.reason
            report.rejected.append(_problem(source.name, exc.line, None, exc.reason))
            files.append(None)
    if report.unreadable:
        return report
    person_file, involvement_file = files
    today = today or timezone.localdate()
    professional = getattr(user, "professional", None) if user is not None else None
    parser = _RowParser(today=today, professional=professional)
    person_rows = parser.parse_persons(person_file)
    involvement_rows = parser.parse_involvements(involvement_file) if involvement_file else []
    planner = _Planner(
        user=user,
        professional=professional,
        dry_run=dry_run,
        today=today,
        person_file=person_file.name,
        involvement_file=involvement_file.name if involvement_file else "",
    )
    job = _Import(actor=actor, user=user, dry_run=dry_run, planner=planner)
    for csv_file in (person_file, involvement_file):
        if csv_file is not None:
            job.rejected.extend(csv_file.problems)
            job.warnings.extend(csv_file.warnings)
    job.rejected.extend(parser.rejected)
    if dry_run:
        with transaction.atomic():
            planner.load_existing(person_rows, involvement_rows)
            job.run(person_rows, involvement_rows)
            transaction.set_rollback(True)
    else:
        planner.load_existing(person_rows, involvement_rows)
        job.run(person_rows, involvement_rows)
    report.families = job.family_counts
    report.rejected = sorted(job.rejected, key=_problem_order(persons, involvements))
    report.warnings = sorted(job.warnings, key=_problem_order(persons, involvements))
    job.summarise(report.persons, person_file, job.person_status)
    if involvement_file is not None and report.involvements is not None:
        job.summarise(report.involvements, involvement_file, job.involvement_status)
    return report
