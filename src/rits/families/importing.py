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
3. Rows are grouped by family. Each family is written in its own transaction, with the
   checks that need the family (duplicates, a child older than a parent, one
   coordinator), one audit event and timeline events for what was created.

Families, persons and involvements are keyed by the region's references, so importing
the same files again changes nothing and writes no events. Reasons never contain the
content of a cell: a BSN typed in the wrong column must not end up in a report or log.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.families.bsn import pseudonymise_bsn
from rits.families.domains import ALL_DOMAINS, parse_domains
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    LegalBasis,
    MemberRole,
    Membership,
    Person,
)
from rits.families.services import PersonData, _apply_person, record_event, validate_person
from rits.organisations.models import Municipality, Organisation, Professional

# A synchronous import of a file this size takes seconds; larger caseloads can be split
# into several files (rows are keyed by reference, so the order of the files is free).
MAX_FILE_BYTES = 20 * 1024 * 1024

PERSON_COLUMNS = (
    "family_ref",
    "person_ref",
    "role",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "gender",
    "bsn",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "gemeentecode",
    "languages",
    "interpreter_needed",
)
PERSON_OPTIONAL_COLUMNS = frozenset({"bsn"})
INVOLVEMENT_COLUMNS = (
    "family_ref",
    "organisation",
    "professional_email",
    "role",
    "domains",
    "legal_basis",
    "start_date",
    "coordinator",
)

ROLE_SYNONYMS: dict[str, str] = {
    **{role: role for role in MemberRole.values},
    "ouder": MemberRole.PARENT,
    "kind": MemberRole.CHILD,
    "ongeboren": MemberRole.UNBORN,
    "stiefouder": MemberRole.STEP_PARENT,
    "voogd": MemberRole.GUARDIAN,
    "overig": MemberRole.OTHER,
}
GENDER_SYNONYMS: dict[str, str] = {
    "": "",
    "f": "f",
    "v": "f",
    "vrouw": "f",
    "female": "f",
    "m": "m",
    "man": "m",
    "male": "m",
    "x": "x",
    "anders": "x",
    "other": "x",
    "onbekend": "",
    "unknown": "",
}
TRUE_VALUES = frozenset({"ja", "yes", "true", "1"})
FALSE_VALUES = frozenset({"nee", "no", "false", "0", ""})

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_POSTCODE = re.compile(r"[1-9]\d{3}[A-Z]{2}")
_UNUSED_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_SAFE_DOMAIN_WORD = re.compile(r"[a-z_ -]{1,40}")
_IN_CHUNK = 1000  # keeps IN (...) lists well below SQLite's variable limit

FAMILY_NAME_PREFIX = "Gezin"  # the family's name is Dutch data, not interface text


# --- the report -----------------------------------------------------------------


@dataclass(frozen=True)
class ImportSource:
    """One file to import: the name used in the report and its raw bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Problem:
    """A rejected row (or file) or a warning: where, which field (None: the whole row), why."""

    file: str
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        if self.field:
            return _("%(file)s line %(line)d, field %(field)s: %(reason)s") % {
                "file": self.file,
                "line": self.line,
                "field": self.field,
                "reason": self.reason,
            }
        return _("%(file)s line %(line)d: %(reason)s") % {
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
        }


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


# --- reading CSV ----------------------------------------------------------------


class FileUnreadable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass
class _CsvRow:
    line: int
    cells: dict[str, str]


@dataclass
class _CsvFile:
    name: str
    rows: list[_CsvRow] = field(default_factory=list)
    data_lines: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileUnreadable(
            1,
            _(
                "The file is saved as UTF-16 (Unicode text). Save it as 'CSV UTF-8' "
                "and import it again."
            ),
        )
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise FileUnreadable(
            line,
            _(
                "The file is not UTF-8: line %(line)d contains a character that is not valid "
                "UTF-8 (the file was probably saved as Latin-1 or Windows-1252). Save it as "
                "'CSV UTF-8' and import it again; nothing from this file was imported."
            )
            % {"line": line},
        ) from None


def _physical_lines(text: str) -> list[str]:
    # Split on line ends only: str.splitlines() would also split on characters such as
    # U+2028 that may legitimately appear inside a cell.
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def _sniff_delimiter(header: str) -> str:
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return ";" if outside_quotes.count(";") > outside_quotes.count(",") else ","


def read_csv(
    source: ImportSource, *, columns: Iterable[str], optional: frozenset[str] = frozenset()
) -> _CsvFile:
    """Read a CSV file into rows of trimmed cells keyed by lower-case column name.

    Raises ``FileUnreadable`` for problems with the file as a whole. Problems with one
    line (broken quotes, a wrong number of cells) are reported in ``problems`` and the
    line is skipped. A cell cannot contain a line break: every line is parsed on its own,
    so one unclosed quote costs one row instead of swallowing the rest of the file."""
    columns = tuple(columns)
    result = _CsvFile(name=source.name)
    lines = _physical_lines(_decode(source.content))
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None:
        raise FileUnreadable(1, _("The file is empty; the first line must name the columns."))
    delimiter = None
    # Excel writes a "sep=;" line before the header when asked to.
    if lines[index].strip().lower().startswith("sep=") and len(lines[index].strip()) == 5:
        delimiter = lines[index].strip()[4]
        index += 1
        if index >= len(lines) or not lines[index].strip():
            raise FileUnreadable(index + 1, _("The line after 'sep=' must name the columns."))
    header_line = lines[index]
    delimiter = delimiter or _sniff_delimiter(header_line)
    try:
        header = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=delimiter))]
    except csv.Error:
        raise FileUnreadable(index + 1, _("The quotes in the header line do not match.")) from None
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise FileUnreadable(
                index + 1,
                _("The column %(column)s appears more than once in the header.") % {"column": name},
            )
        seen.add(name)
    missing = [c for c in columns if c not in seen and c not in optional]
    if missing and len(missing) == len([c for c in columns if c not in optional]):
        raise FileUnreadable(
            index + 1,
            _(
                "The first line must be the header with the column names; none of the "
                "expected columns was found (%(columns)s)."
            )
            % {"columns": ", ".join(columns)},
        )
    if missing:
        raise FileUnreadable(
            index + 1,
            ngettext(
                "The column %(columns)s is missing; nothing from this file was imported.",
                "The columns %(columns)s are missing; nothing from this file was imported.",
                len(missing),
            )
            % {"columns": ", ".join(missing)},
        )
    for name in header:
        if name not in columns:
            result.warnings.append(
                Problem(
                    source.name,
                    index + 1,
                    name or None,
                    _("This column is not part of the format and was ignored."),
                )
            )
    for number, line in enumerate(lines[index + 1 :], start=index + 2):
        if not line.strip():
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter, strict=True))
        except csv.Error:
            result.data_lines += 1
            result.problems.append(
                Problem(
                    source.name,
                    number,
                    None,
                    _(
                        "The quotes in this line do not match. Put a cell in double quotes, "
                        'write a quote inside it as two quotes (""), and keep a cell on one line.'
                    ),
                )
            )
            continue
        if not any(c.strip() for c in cells):
            continue  # a line of only separators, as spreadsheets leave behind
        result.data_lines += 1
        if len(cells) != len(header):
            result.problems.append(
                Problem(
                    source.name,
                    number,
                    None,
                    _("This line has %(found)d cells where the header has %(expected)d.")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        result.rows.append(
            _CsvRow(
                number,
                {n: c.strip() for n, c in zip(header, cells, strict=True) if n in columns},
            )
        )
    return result


# --- parsing cells ----------------------------------------------------------------


class _Invalid(Exception):
    """A cell that cannot be used; the message is the reason (never the cell's content)."""


def parse_date(raw: str) -> date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY``; empty is None."""
    if not raw:
        return None
    iso = _ISO_DATE.fullmatch(raw)
    dutch = _DUTCH_DATE.fullmatch(raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dutch:
            return date(int(dutch[3]), int(dutch[2]), int(dutch[1]))
    except ValueError:
        raise _Invalid(_("This date does not exist.")) from None
    raise _Invalid(_("Write a date as YYYY-MM-DD (e.g. 2015-03-28) or DD-MM-YYYY (28-03-2015)."))


def parse_bool(raw: str) -> bool:
    """ja/nee, yes/no, true/false, 1/0; empty is no."""
    value = raw.lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise _Invalid(_("Use ja or nee (also yes/no, true/false, 1/0), or leave it empty."))


def parse_role(raw: str) -> str:
    role = ROLE_SYNONYMS.get(raw.lower().replace("-", "_").replace(" ", "_"))
    if role is None:
        raise _Invalid(
            _("Unknown role; use one of %(roles)s (or ouder, kind, ongeboren, stiefouder, voogd).")
            % {"roles": ", ".join(MemberRole.values)}
        )
    return str(role)


def parse_gender(raw: str) -> str:
    gender = GENDER_SYNONYMS.get(raw.lower())
    if gender is None:
        raise _Invalid(_("Use f (or v), m or x, or leave it empty."))
    return gender


def parse_languages(raw: str) -> list[str]:
    codes: list[str] = []
    for code in re.split(r"[;,\s]+", raw.lower()):
        if not code:
            continue
        if not _LANGUAGE_CODE.fullmatch(code):
            raise _Invalid(
                _("Use language codes such as nl, ar or ti, separated by ';', ',' or spaces.")
            )
        if code not in codes:
            codes.append(code)
    return codes


def parse_postcode(raw: str) -> str:
    """Normalised to ``1234AB``; empty stays empty."""
    compact = raw.replace(" ", "").upper()
    if not compact:
        return ""
    if not _POSTCODE.fullmatch(compact) or compact[4:] in _UNUSED_POSTCODE_LETTERS:
        raise _Invalid(_("This is not a Dutch postcode; write it as 1234 AB."))
    return compact


def parse_house_number(raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 100000:
        raise _Invalid(
            _("A house number is a whole number; put letters and additions in house_number_suffix.")
        )
    return int(raw)


def normalise_gemeentecode(raw: str) -> str:
    """``344``, ``0344`` and ``GM0344`` all mean 0344 (spreadsheets drop leading zeros)."""
    code = raw.upper().removeprefix("GM")
    if not code.isdigit() or len(code) > 4:
        raise _Invalid(_("A gemeentecode is four digits, e.g. 0344 for Utrecht."))
    return code.zfill(4)


def parse_legal_basis(raw: str) -> str:
    value = raw.lower()
    if value not in LegalBasis.values:
        raise _Invalid(
            _("Unknown legal basis; use one of %(values)s.")
            % {"values": ", ".join(LegalBasis.values)}
        )
    return value


def parse_domain_list(raw: str) -> list[str]:
    try:
        return parse_domains(raw)
    except ValueError as exc:
        unknown = [u.strip() for u in str(exc).split(",")]
        # Only repeat words that look like a domain: the cell might hold anything.
        if all(_SAFE_DOMAIN_WORD.fullmatch(u) for u in unknown):
            reason = _("Unknown life domains: %(unknown)s.") % {"unknown": ", ".join(unknown)}
        else:
            reason = _("Unknown life domains.")
        values = _("Use %(values)s.") % {"values": ", ".join(sorted(ALL_DOMAINS))}
        raise _Invalid(f"{reason} {values}") from None


class _Cells:
    """Reads the cells of one row, collecting a reason per field instead of stopping."""

    def __init__(self, row: _CsvRow) -> None:
        self.row = row
        self.errors: list[tuple[str | None, str]] = []

    def fail(self, field: str | None, reason: str) -> None:
        self.errors.append((field, reason))

    def has_error(self, field: str) -> bool:
        return any(f == field for f, _reason in self.errors)

    def text(self, column: str, *, max_length: int, required: bool = False) -> str:
        value = self.row.cells.get(column, "")
        if _CONTROL_CHARACTERS.search(value):
            self.fail(column, _("Remove the control characters (such as tabs) from this cell."))
            return ""
        if required and not value:
            self.fail(column, _("This field is required."))
        elif len(value) > max_length:
            self.fail(
                column,
                _("At most %(max)d characters (this cell has %(length)d).")
                % {"max": max_length, "length": len(value)},
            )
            return ""
        return value

    def parse(self, column: str, parser, *, max_length: int = 100, required: bool = False):
        raw = self.text(column, max_length=max_length, required=required)
        if self.has_error(column):
            return None
        try:
            return parser(raw)
        except _Invalid as exc:
            self.fail(column, str(exc))
            return None


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# --- parsed rows ------------------------------------------------------------------


@dataclass(frozen=True)
class _Address:
    street: str
    house_number: int | None
    house_number_suffix: str
    postcode: str
    city: str
    municipality: Municipality | None

    def key(self) -> tuple:
        return (
            self.street,
            self.house_number,
            self.house_number_suffix,
            self.postcode,
            self.city,
            self.municipality.pk if self.municipality else None,
        )

    @classmethod
    def of(cls, family: Family) -> _Address:
        return cls(
            family.street,
            family.house_number,
            family.house_number_suffix,
            family.postcode,
            family.city,
            family.municipality,
        )

    def first_difference(self, other: _Address) -> str:
        names = ("street", "house_number", "house_number_suffix", "postcode", "city")
        for name, mine, theirs in zip(names, self.key(), other.key(), strict=False):
            if mine != theirs:
                return name
        return "gemeentecode"

    def apply_to(self, family: Family) -> None:
        family.street = self.street
        family.house_number = self.house_number
        family.house_number_suffix = self.house_number_suffix
        family.postcode = self.postcode
        family.city = self.city
        family.municipality = self.municipality


@dataclass
class _PersonRow:
    line: int
    family_ref: str
    person_ref: str
    role: str
    data: PersonData
    pseudonym: str | None
    address: _Address

    def signature(self) -> tuple:
        """The person's own details: the same person must have the same on every line."""
        d = self.data
        return (
            d.surname.strip(),
            d.prefix.strip(),
            d.given_names.strip(),
            d.birth_date,
            d.gender,
            self.pseudonym,
            tuple(d.languages),
            d.interpreter_needed,
        )


@dataclass
class _InvolvementRow:
    line: int
    family_ref: str
    organisation: Organisation
    professional: Professional | None
    role: str
    domains: list[str]
    legal_basis: str
    start_date: date
    coordinator: bool
    reference: str


def involvement_reference(
    *, family_ref: str, organisation: Organisation, professional: Professional | None, role: str
) -> str:
    """The key that makes re-importing an involvement idempotent.

    Ids rather than names, so that renaming an organisation or changing a professional's
    email address in Rits does not turn the next import into a second involvement."""
    prof = professional.pk if professional else ""
    key = f"{family_ref}|{organisation.pk}|{prof}|{role.casefold()}"
    max_length = _max_length(Involvement, "reference")
    if len(key) > max_length:
        key = f"{family_ref}|sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def _person_state(person: Person) -> tuple:
    return (
        person.reference,
        person.surname,
        person.prefix,
        person.given_names,
        person.birth_date,
        person.gender,
        list(person.languages or []),
        person.interpreter_needed,
        person.bsn_pseudonym,
    )


def _involvement_state(involvement: Involvement) -> tuple:
    return (
        involvement.organisation_id,
        involvement.professional_id,
        involvement.role,
        involvement.legal_basis,
        sorted(involvement.domains or []),
        involvement.start_date,
        involvement.is_coordinator,
    )


def _family_name(rows: list[_PersonRow]) -> str:
    head = next((r for r in rows if r.role in ADULT_ROLES), rows[0])
    prefix, surname = head.data.prefix.strip(), head.data.surname.strip()
    # Dutch spelling: without given names in front, the prefix takes a capital ("Van Dijk").
    name = f"{prefix[:1].upper()}{prefix[1:]} {surname}" if prefix else surname
    return f"{FAMILY_NAME_PREFIX} {name}"[: _max_length(Family, "name")]


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = list(values)
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


# --- the import ---------------------------------------------------------------------


@dataclass
class _FamilyGroup:
    ref: str
    persons: list[_PersonRow] = field(default_factory=list)
    involvements: list[_InvolvementRow] = field(default_factory=list)


@dataclass
class _Outcome:
    """What one family's transaction did; merged into the import's state only on commit."""

    family: Family | None = None
    family_status: str = ""
    person_status: dict[int, str] = field(default_factory=dict)
    involvement_status: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    involvements: list[Involvement] = field(default_factory=list)
    coordinator: Involvement | None = None
    coordinator_changed: bool = False
    seen_persons: dict[str, tuple[int, str, tuple]] = field(default_factory=dict)
    touched: list[Any] = field(default_factory=list)  # existing objects changed in memory
    persons_created: list[int] = field(default_factory=list)
    persons_updated: list[int] = field(default_factory=list)
    members_added: list[int] = field(default_factory=list)
    roles_changed: list[int] = field(default_factory=list)
    involvements_created: list[int] = field(default_factory=list)
    involvements_updated: list[int] = field(default_factory=list)
    timeline: list[tuple[str, str]] = field(default_factory=list)


class _Import:
    def __init__(self, *, actor: Actor, user, dry_run: bool, today: date) -> None:
        self.actor = actor
        self.user = user
        self.dry_run = dry_run
        self.today = today
        self.rejected: list[Problem] = []
        self.warnings: list[Problem] = []
        self.families: dict[str, Family] = {}
        self.persons: dict[str, Person] = {}
        self.persons_by_pseudonym: dict[str, Person] = {}
        self.memberships: dict[tuple[int, int], Membership] = {}
        self.involvements: dict[str, Involvement] = {}
        self.coordinators: dict[int, Involvement] = {}
        self.seen_persons: dict[str, tuple[int, str, tuple]] = {}
        self.person_status: dict[int, str] = {}
        self.involvement_status: dict[int, str] = {}
        self.family_counts = FamilySummary()
        self.person_file = ""
        self.involvement_file = ""

    # -- parsing ----------------------------------------------------------------------

    def parse_persons(self, csv_file: _CsvFile) -> list[_PersonRow]:
        self.person_file = csv_file.name
        self.municipalities = {m.code: m for m in Municipality.objects.all()}
        rows = []
        for raw in csv_file.rows:
            cells = _Cells(raw)
            row = self._parse_person(cells)
            if cells.errors:
                self._reject(csv_file.name, raw.line, cells.errors)
            else:
                rows.append(row)
        return rows

    def _parse_person(self, cells: _Cells) -> _PersonRow:
        family_ref = cells.text(
            "family_ref", max_length=_max_length(Family, "reference"), required=True
        )
        person_ref = cells.text(
            "person_ref", max_length=_max_length(Person, "reference"), required=True
        )
        role = cells.parse("role", parse_role, required=True)
        data = PersonData(
            surname=cells.text("surname", max_length=_max_length(Person, "surname"), required=True),
            prefix=cells.text("prefix", max_length=_max_length(Person, "prefix")),
            given_names=cells.text("given_names", max_length=_max_length(Person, "given_names")),
            birth_date=cells.parse("birth_date", parse_date),
            gender=cells.parse("gender", parse_gender) or "",
            bsn=cells.text("bsn", max_length=20),
            languages=cells.parse("languages", parse_languages, max_length=200) or [],
            interpreter_needed=bool(cells.parse("interpreter_needed", parse_bool)),
            reference=person_ref,
        )
        code = cells.parse("gemeentecode", normalise_gemeentecode)
        municipality = None
        if code:
            municipality = self.municipalities.get(code)
            if municipality is None:
                cells.fail(
                    "gemeentecode", _("Unknown gemeentecode: no municipality with this code.")
                )
        address = _Address(
            street=cells.text("street", max_length=_max_length(Family, "street")),
            house_number=cells.parse("house_number", parse_house_number),
            house_number_suffix=cells.text(
                "house_number_suffix", max_length=_max_length(Family, "house_number_suffix")
            ),
            postcode=cells.parse("postcode", parse_postcode) or "",
            city=cells.text("city", max_length=_max_length(Family, "city")),
            municipality=municipality,
        )
        try:
            # The person rules of the interface (11-proef, dates, names); the rules that
            # need the family run again when the family is written.
            validate_person(data, role=role or "", family=None, today=self.today)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if cells.has_error(name) or (name == "birth_date" and role is None):
                    continue  # already reported; or depends on the role, which is wrong
                for message in messages:
                    cells.fail(name, message)
        pseudonym = pseudonymise_bsn(data.bsn) if data.bsn and not cells.errors else None
        return _PersonRow(
            cells.row.line, family_ref, person_ref, role or "", data, pseudonym, address
        )

    def parse_involvements(self, csv_file: _CsvFile) -> list[_InvolvementRow]:
        self.involvement_file = csv_file.name
        names = {r.cells.get("organisation", "") for r in csv_file.rows} - {""}
        organisations: dict[str, Organisation] = {}
        for chunk in _chunks(names):
            organisations.update({o.name: o for o in Organisation.objects.filter(name__in=chunk)})
        emails = {r.cells.get("professional_email", "").lower() for r in csv_file.rows} - {""}
        professionals: dict[str, Professional] = {}
        for chunk in _chunks(emails):
            found = (
                Professional.objects.annotate(email_lower=Lower("user__email"))
                .filter(email_lower__in=chunk)
                .select_related("user", "organisation")
            )
            professionals.update({p.email_lower: p for p in found})
        self._organisations, self._professionals = organisations, professionals
        self._suggestions: dict[str, str | None] = {}
        rows = []
        for raw in csv_file.rows:
            cells = _Cells(raw)
            row = self._parse_involvement(cells)
            if cells.errors or row is None:
                self._reject(csv_file.name, raw.line, cells.errors)
            else:
                rows.append(row)
        return rows

    def _parse_involvement(self, cells: _Cells) -> _InvolvementRow | None:
        family_ref = cells.text(
            "family_ref", max_length=_max_length(Family, "reference"), required=True
        )
        name = cells.text(
            "organisation", max_length=_max_length(Organisation, "name"), required=True
        )
        organisation = self._organisations.get(name) if name else None
        if name and organisation is None:
            cells.fail("organisation", self._unknown_organisation(name))
        email = cells.text("professional_email", max_length=254).lower()
        professional = self._professionals.get(email) if email else None
        if email and professional is None:
            cells.fail("professional_email", _("No professional with this email address in Rits."))
        elif professional is not None and organisation is not None:
            if professional.organisation_id != organisation.pk:
                cells.fail(
                    "professional_email",
                    _("This professional works for another organisation (%(organisation)s).")
                    % {"organisation": professional.organisation.name},
                )
        role = cells.text("role", max_length=_max_length(Involvement, "role"), required=True)
        domains = cells.parse("domains", parse_domain_list, max_length=1000) or []
        legal_basis = cells.parse("legal_basis", parse_legal_basis, required=True)
        start_date = cells.parse("start_date", parse_date, required=True)
        if start_date and start_date > self.today:
            cells.fail("start_date", _("The start date cannot be in the future."))
        coordinator = bool(cells.parse("coordinator", parse_bool))
        if coordinator and not email and not cells.has_error("professional_email"):
            cells.fail(
                "professional_email",
                _("A coordinator is one professional: fill in their email address."),
            )
        if cells.errors or organisation is None:
            return None
        return _InvolvementRow(
            line=cells.row.line,
            family_ref=family_ref,
            organisation=organisation,
            professional=professional,
            role=role,
            domains=domains,
            legal_basis=legal_basis,
            start_date=start_date,
            coordinator=coordinator,
            reference=involvement_reference(
                family_ref=family_ref,
                organisation=organisation,
                professional=professional,
                role=role,
            ),
        )

    def _unknown_organisation(self, name: str) -> str:
        if name not in self._suggestions:
            match = Organisation.objects.filter(name__iexact=name).values_list("name", flat=True)
            self._suggestions[name] = match.first()
        suggestion = self._suggestions[name]
        if suggestion:
            return _(
                "No organisation with exactly this name; did you mean '%(name)s'? "
                "Names must match exactly."
            ) % {"name": suggestion}
        return _("No organisation with this name in Rits.")

    def _reject(self, file: str, line: int, errors: list[tuple[str | None, str]]) -> None:
        for name, reason in errors:
            self.rejected.append(Problem(file, line, name, reason))

    # -- loading what exists -------------------------------------------------------

    def load_existing(self, persons: list[_PersonRow], involvements: list[_InvolvementRow]) -> None:
        """Everything the rows refer to, in a few queries instead of a few per row."""
        refs = {r.family_ref for r in persons} | {r.family_ref for r in involvements}
        for chunk in _chunks(refs):
            for family in Family.objects.filter(reference__in=chunk).select_related("municipality"):
                self.families[family.reference] = family
        found: dict[int, Person] = {}
        for chunk in _chunks({r.person_ref for r in persons}):
            found.update({p.pk: p for p in Person.objects.filter(reference__in=chunk)})
        for chunk in _chunks({r.pseudonym for r in persons if r.pseudonym}):
            found.update({p.pk: p for p in Person.objects.filter(bsn_pseudonym__in=chunk)})
        for person in found.values():
            if person.reference:
                self.persons[person.reference] = person
            if person.bsn_pseudonym:
                self.persons_by_pseudonym[person.bsn_pseudonym] = person
        family_ids = [f.pk for f in self.families.values()]
        for start in range(0, len(family_ids), _IN_CHUNK):
            ids = family_ids[start : start + _IN_CHUNK]
            for m in Membership.objects.filter(family_id__in=ids):
                self.memberships[(m.family_id, m.person_id)] = m
        loaded: dict[int, Involvement] = {}
        related = ("organisation", "professional__user")
        for chunk in _chunks({r.reference for r in involvements}):
            query = Involvement.objects.filter(reference__in=chunk).select_related(*related)
            loaded.update({i.pk: i for i in query})
        for start in range(0, len(family_ids), _IN_CHUNK):
            ids = family_ids[start : start + _IN_CHUNK]
            active = Q(family_id__in=ids, is_coordinator=True, end_date__isnull=True)
            for involvement in Involvement.objects.filter(active).select_related(*related):
                involvement = loaded.setdefault(involvement.pk, involvement)
                self.coordinators[involvement.family_id] = involvement
        self.involvements = {i.reference: i for i in loaded.values() if i.reference}

    # -- writing -------------------------------------------------------------------

    def run(self, persons: list[_PersonRow], involvements: list[_InvolvementRow]) -> None:
        groups: dict[str, _FamilyGroup] = {}
        for row in persons:
            groups.setdefault(row.family_ref, _FamilyGroup(row.family_ref)).persons.append(row)
        for row in involvements:
            groups.setdefault(row.family_ref, _FamilyGroup(row.family_ref)).involvements.append(row)
        # Timeline texts are stored, so they are written in the region's language rather
        # than in whatever language the administrator's browser asked for.
        with translation.override(settings.LANGUAGE_CODE):
            for group in groups.values():
                self._import_family(group)

    def _import_family(self, group: _FamilyGroup) -> None:
        out = _Outcome()
        try:
            with transaction.atomic():
                self._write_family(group, out)
        except IntegrityError:
            # Someone changed the same records while we were importing. Nothing of this
            # family was written; importing the file again will pick it up.
            for obj in out.touched:
                obj.refresh_from_db()
            reason = _(
                "This family could not be saved because it was changed at the same time; "
                "nothing of this family was imported. Import the file again."
            )
            rejected = {(p.file, p.line) for p in out.problems}
            for rows, file in (
                (group.persons, self.person_file),
                (group.involvements, self.involvement_file),
            ):
                for row in rows:
                    if (file, row.line) not in rejected:
                        self.rejected.append(Problem(file, row.line, None, reason))
            self.rejected.extend(out.problems)
            self.warnings.extend(out.warnings)
            return
        self._merge(out)

    def _merge(self, out: _Outcome) -> None:
        self.rejected.extend(out.problems)
        self.warnings.extend(out.warnings)
        if out.family is not None:
            self.families[out.family.reference] = out.family
        if out.family_status:
            setattr(
                self.family_counts,
                out.family_status,
                getattr(self.family_counts, out.family_status) + 1,
            )
        for person in out.persons:
            self.persons[person.reference] = person
            if person.bsn_pseudonym:
                self.persons_by_pseudonym[person.bsn_pseudonym] = person
        for m in out.memberships:
            self.memberships[(m.family_id, m.person_id)] = m
        for involvement in out.involvements:
            self.involvements[involvement.reference] = involvement
        if out.coordinator_changed and out.family is not None:
            if out.coordinator is None:
                self.coordinators.pop(out.family.pk, None)
            else:
                self.coordinators[out.family.pk] = out.coordinator
        self.seen_persons.update(out.seen_persons)
        self.person_status.update(out.person_status)
        self.involvement_status.update(out.involvement_status)

    def _write_family(self, group: _FamilyGroup, out: _Outcome) -> None:
        family = self.families.get(group.ref)
        address = group.persons[0].address if group.persons else None
        for row in group.persons[1:]:
            if row.address.key() != address.key():
                first = group.persons[0].line
                out.warnings.append(
                    Problem(
                        self.person_file,
                        row.line,
                        row.address.first_difference(address),
                        _(
                            "The address differs from line %(line)d of the same family; "
                            "the address on line %(line)d was used."
                        )
                        % {"line": first},
                    )
                )
        if family is not None:
            out.family = family
            out.family_status = "unchanged"
            if address is not None and address.key() != _Address.of(family).key():
                out.touched.append(family)
                address.apply_to(family)
                family.save()
                out.family_status = "updated"
        for row in group.persons:
            self._write_person(row, group, out)
        family = out.family
        if family is None:
            reason = (
                _("This family was not imported: all its rows in the persons file were rejected.")
                if group.persons
                else _("No family with this family_ref in Rits or in the persons file.")
            )
            for row in group.involvements:
                out.problems.append(Problem(self.involvement_file, row.line, "family_ref", reason))
            return
        out.coordinator = self.coordinators.get(family.pk)
        # Rows that stop someone being coordinator go first, so that handing over
        # coordination in one file does not depend on the order of its lines.
        ordered = sorted(group.involvements, key=lambda r: (r.coordinator, r.line))
        seen: dict[str, int] = {}
        for row in ordered:
            if row.reference in seen:
                out.problems.append(
                    Problem(
                        self.involvement_file,
                        row.line,
                        "role",
                        _(
                            "Line %(line)d already registers this organisation and professional "
                            "in this role for this family."
                        )
                        % {"line": seen[row.reference]},
                    )
                )
                continue
            seen[row.reference] = row.line
            self._write_involvement(row, family, out)
        self._record(family, group, out)

    def _ensure_family(self, group: _FamilyGroup, out: _Outcome) -> Family:
        if out.family is None:
            family = Family(reference=group.ref, name=_family_name(group.persons))
            group.persons[0].address.apply_to(family)
            family.save()
            out.family, out.family_status = family, "created"
        return out.family

    def _write_person(self, row: _PersonRow, group: _FamilyGroup, out: _Outcome) -> None:
        def reject(name: str | None, reason: str) -> None:
            out.problems.append(Problem(self.person_file, row.line, name, reason))

        earlier = out.seen_persons.get(row.person_ref) or self.seen_persons.get(row.person_ref)
        if earlier is not None:
            line, family_ref, signature = earlier
            if family_ref == row.family_ref:
                reject(
                    "person_ref",
                    _("This person_ref already appears on line %(line)d for this family.")
                    % {"line": line},
                )
                return
            if signature != row.signature():
                reject(
                    "person_ref",
                    _(
                        "This person also appears on line %(line)d (another family) with other "
                        "details; give a person the same details on every line."
                    )
                    % {"line": line},
                )
                return
        person = self.persons.get(row.person_ref)
        holder = self.persons_by_pseudonym.get(row.pseudonym) if row.pseudonym else None
        claimed = False
        if holder is not None and (person is None or holder.pk != person.pk):
            if person is None and not holder.reference:
                # Added by hand before the import (without a reference): the same BSN is
                # the same person, so the import takes them over instead of duplicating.
                person, claimed = holder, True
            else:
                reject(
                    "bsn",
                    _("Another person in Rits (person_ref %(ref)s) already has this BSN.")
                    % {"ref": holder.reference}
                    if holder.reference
                    else _("Another person in Rits already has this BSN."),
                )
                return
        family = out.family
        try:
            # A claimed person has no reference yet, so the duplicate check would take
            # them for someone else with the same name and date of birth.
            data = replace(row.data, reference=None) if claimed else row.data
            validate_person(data, role=row.role, family=family, today=self.today)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    reject(name, message)
            return
        family = self._ensure_family(group, out)
        status = "unchanged"
        if person is None:
            person = _apply_person(Person(), row.data)
            status = "created"
        else:
            before = _person_state(person)
            out.touched.append(person)
            _apply_person(person, row.data)
            if _person_state(person) != before:
                status = "updated"
        if status != "unchanged":
            try:
                person.full_clean(
                    exclude=["bsn_encrypted", "bsn_pseudonym"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                if person.pk:
                    person.refresh_from_db()
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        reject("person_ref" if name == "reference" else name, message)
                return
            person.save()
            (out.persons_created if status == "created" else out.persons_updated).append(person.pk)
        membership = self.memberships.get((family.pk, person.pk)) if person.pk else None
        if membership is None:
            membership = Membership.objects.create(family=family, person=person, role=row.role)
            out.memberships.append(membership)
            out.members_added.append(person.pk)
            status = "created"
            if out.family_status != "created":
                out.timeline.append(
                    (
                        "member_added",
                        _("%(name)s added as %(role)s (import)")
                        % {
                            "name": person.full_name,
                            "role": membership.get_role_display().lower(),
                        },
                    )
                )
        elif membership.role != row.role:
            out.touched.append(membership)
            membership.role = row.role
            membership.save(update_fields=["role"])
            out.roles_changed.append(person.pk)
            if status == "unchanged":
                status = "updated"
        out.persons.append(person)
        out.person_status[row.line] = status
        out.seen_persons[row.person_ref] = (row.line, row.family_ref, row.signature())

    def _write_involvement(self, row: _InvolvementRow, family: Family, out: _Outcome) -> None:
        def reject(name: str, reason: str) -> None:
            out.problems.append(Problem(self.involvement_file, row.line, name, reason))

        existing = self.involvements.get(row.reference)
        if existing is not None and existing.family_id != family.pk:
            reject("family_ref", _("This involvement belongs to another family in Rits."))
            return
        current = out.coordinator
        if (
            row.coordinator
            and current is not None
            and (existing is None or current.pk != existing.pk)
        ):
            who = current.organisation.name
            if current.professional is not None:
                who = f"{current.professional.name}, {who}"
            reject(
                "coordinator",
                _(
                    "This family already has a coordinator (%(who)s). One family has one "
                    "coordinator: end the other coordination in Rits first, or mark one "
                    "line only."
                )
                % {"who": who},
            )
            return
        if existing is not None and existing.end_date and row.start_date > existing.end_date:
            reject("start_date", _("This involvement has ended in Rits before this start date."))
            return
        involvement = existing or Involvement(family=family, reference=row.reference)
        before = _involvement_state(involvement) if existing else None
        involvement.organisation = row.organisation
        involvement.professional = row.professional
        involvement.role = row.role
        involvement.legal_basis = row.legal_basis
        involvement.domains = row.domains
        involvement.start_date = row.start_date
        involvement.is_coordinator = row.coordinator
        if existing is None:
            status = "created"
        elif _involvement_state(involvement) != before:
            status = "updated"
            out.touched.append(involvement)
        else:
            status = "unchanged"
        if status != "unchanged":
            involvement.save()
            if status == "created":
                out.involvements_created.append(involvement.pk)
                out.timeline.append(("involvement_started", self._involvement_text(involvement)))
            else:
                out.involvements_updated.append(involvement.pk)
        active = involvement.is_coordinator and involvement.end_date is None
        if active and (current is None or current.pk != involvement.pk):
            out.coordinator, out.coordinator_changed = involvement, True
        elif not active and current is not None and current.pk == involvement.pk:
            out.coordinator, out.coordinator_changed = None, True
        out.involvements.append(involvement)
        out.involvement_status[row.line] = status

    @staticmethod
    def _involvement_text(involvement: Involvement) -> str:
        values = {"organisation": involvement.organisation.name, "role": involvement.role}
        if involvement.professional is not None:
            values["organisation"] = (
                f"{involvement.organisation.name} ({involvement.professional.name})"
            )
        if involvement.is_coordinator:
            return _("Involvement registered: %(organisation)s as %(role)s, coordinator") % values
        return _("Involvement registered: %(organisation)s as %(role)s") % values

    def _record(self, family: Family, group: _FamilyGroup, out: _Outcome) -> None:
        """The timeline events for what was created and one audit event for the family."""
        if out.family_status == "created":
            count = len(out.memberships)
            out.timeline.insert(
                0,
                (
                    "family_imported",
                    ngettext(
                        "Family imported with %(count)d member",
                        "Family imported with %(count)d members",
                        count,
                    )
                    % {"count": count},
                ),
            )
        for kind, description in out.timeline:
            record_event(family=family, kind=kind, description=description, actor_user=self.user)
        changed_persons = sorted(
            set(out.persons_created + out.persons_updated + out.members_added + out.roles_changed)
        )
        if self.dry_run or not (
            out.family_status in {"created", "updated"}
            or changed_persons
            or out.involvements_created
            or out.involvements_updated
        ):
            return
        log_event(
            action=AuditAction.IMPORT,
            actor=self.actor,
            object_type="family",
            object_id=family.pk,
            family_id=family.pk,
            person_ids=changed_persons,
            # Ids and what happened to them; never names, BSNs or other cell contents.
            detail={
                "family": out.family_status,
                "persons_created": out.persons_created,
                "persons_updated": out.persons_updated,
                "members_added": out.members_added,
                "roles_changed": out.roles_changed,
                "involvements_created": out.involvements_created,
                "involvements_updated": out.involvements_updated,
            },
        )

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
    user=None,
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
            report.rejected.append(Problem(source.name, exc.line, None, exc.reason))
            files.append(None)
    if report.unreadable:
        return report
    person_file, involvement_file = files
    job = _Import(actor=actor, user=user, dry_run=dry_run, today=today or timezone.localdate())
    for csv_file in (person_file, involvement_file):
        if csv_file is not None:
            job.rejected.extend(csv_file.problems)
            job.warnings.extend(csv_file.warnings)
    person_rows = job.parse_persons(person_file)
    involvement_rows = job.parse_involvements(involvement_file) if involvement_file else []
    if dry_run:
        with transaction.atomic():
            job.load_existing(person_rows, involvement_rows)
            job.run(person_rows, involvement_rows)
            transaction.set_rollback(True)
    else:
        job.load_existing(person_rows, involvement_rows)
        job.run(person_rows, involvement_rows)
    report.families = job.family_counts
    report.rejected = sorted(job.rejected, key=_problem_order(persons, involvements))
    report.warnings = sorted(job.warnings, key=_problem_order(persons, involvements))
    job.summarise(report.persons, person_file, job.person_status)
    if involvement_file is not None and report.involvements is not None:
        job.summarise(report.involvements, involvement_file, job.involvement_status)
    return report


def _problem_order(persons: ImportSource, involvements: ImportSource | None):
    def key(problem: Problem) -> tuple[int, int]:
        return (0 if problem.file == persons.name else 1, problem.line)

    return key
