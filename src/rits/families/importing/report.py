"""The report of an import: what happened to each file, each family and each row.

Owns nothing but data: the other parts of the import fill these objects in, and
``_problem`` makes every problem name its file (one report covers two files)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rits.core.intake.reading import Problem


@dataclass(frozen=True)
class ImportSource:
    """One file to import: the name used in the report and its raw bytes."""

    name: str
    content: bytes


def _problem(file: str, line: int, field: str | None, reason: str) -> Problem:
    """A problem of the import, which names its file (a report covers two)."""
    return Problem(line, field, reason, file=file)


@dataclass
class FileSummary:
    """What happened to the rows of one file. ``error`` is set when the file was unreadable."""

    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    error: str = ""


@dataclass
class FamilySummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """The outcome of an import, the same for the command line and the API."""

    dry_run: bool
    persons: FileSummary
    involvements: FileSummary | None
    families: FamilySummary = field(default_factory=FamilySummary)
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        """True when a file could not be read at all (then nothing was imported)."""
        return any(s.error for s in self.summaries())

    def summaries(self) -> list[FileSummary]:
        return [s for s in (self.persons, self.involvements) if s is not None]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem_order(persons: ImportSource, involvements: ImportSource | None):
    def key(problem: Problem) -> tuple[int, int]:
        return (0 if problem.file == persons.name else 1, problem.line)

    return key
