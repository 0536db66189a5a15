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
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rits.access.rules import visible_families
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.bsn import pseudonymise_bsn
from rits.core.db import batched
from rits.core.domains import ALL_DOMAINS, parse_domains
from rits.core.intake import reading
from rits.core.intake.cells import (
    Invalid,
    parse_bool,
    parse_date,
    parse_house_number,
    parse_postcode,
)
from rits.core.intake.reading import FileUnreadable, Problem
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    InvolvementApproval,
    LegalBasis,
    MemberRole,
    Membership,
    Person,
)
from rits.families.services import (
    PersonData,
    TimelineEntry,
    _apply_person,
    involvement_timeline,
    record_timeline,
    validate_person,
)
from rits.organisations.models import Municipality, Organisation, Professional, User

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

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# ASCII digits only: str.isdigit() and \d also accept digits such as "²" that int() refuses.
_DIGITS = re.compile(r"[0-9]+")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_SAFE_DOMAIN_WORD = re.compile(r"[a-z_ -]{1,40}")
_LEGAL_BASES = frozenset(LegalBasis.values)
_IN_CHUNK = 1000  # keeps IN (...) lists well below SQLite's variable limit

FAMILY_NAME_PREFIX = "Gezin"  # the family's name is Dutch data, not interface text


# --- the report -----------------------------------------------------------------


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


# --- reading CSV ----------------------------------------------------------------


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
    lines = list(reading.lines(reading.decode([source.content])))
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
    delimiter = delimiter or reading.sniff_delimiter(header_line)
    try:
        header = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=delimiter))]
    except csv.Error:
        raise FileUnreadable(index + 1, _("The quotes in the header line do not match.")) from None
    seen = set(header)
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
    # Only now that the first line is known to be a header may its names be repeated:
    # the first line of a file without a header is a person's data.
    for name in seen:
        if name and header.count(name) > 1:
            raise FileUnreadable(
                index + 1,
                _("The column %(column)s appears more than once in the header.") % {"column": name},
            )
    for name in header:
        if name not in columns:
            result.warnings.append(
                _problem(
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
                _problem(
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
                _problem(
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


def parse_role(raw: str) -> str:
    role = ROLE_SYNONYMS.get(raw.lower().replace("-", "_").replace(" ", "_"))
    if role is None:
        raise Invalid(
            _("Unknown role; use one of %(roles)s (or ouder, kind, ongeboren, stiefouder, voogd).")
            % {"roles": ", ".join(MemberRole.values)}
        )
    return str(role)


def parse_gender(raw: str) -> str:
    gender = GENDER_SYNONYMS.get(raw.lower())
    if gender is None:
        raise Invalid(_("Use f (or v), m or x, or leave it empty."))
    return gender


def parse_languages(raw: str) -> list[str]:
    codes: list[str] = []
    for code in re.split(r"[;,\s]+", raw.lower()):
        if not code:
            continue
        if not _LANGUAGE_CODE.fullmatch(code):
            raise Invalid(
                _("Use language codes such as nl, ar or ti, separated by ';', ',' or spaces.")
            )
        if code not in codes:
            codes.append(code)
    return codes


def normalise_gemeentecode(raw: str) -> str:
    """``344``, ``0344`` and ``GM0344`` all mean 0344 (spreadsheets drop leading zeros)."""
    code = raw.upper().removeprefix("GM")
    if not _DIGITS.fullmatch(code) or len(code) > 4:
        raise Invalid(_("A gemeentecode is four digits, e.g. 0344 for Utrecht."))
    return code.zfill(4)


def parse_legal_basis(raw: str) -> str:
    value = raw.lower()
    if value not in _LEGAL_BASES:
        raise Invalid(
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
        raise Invalid(f"{reason} {values}") from None


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

    def parse(
        self,
        column: str,
        parser: Callable[[str], Any],
        *,
        max_length: int = 100,
        required: bool = False,
    ) -> Any:
        raw = self.text(column, max_length=max_length, required=required)
        if self.has_error(column):
            return None
        try:
            return parser(raw)
        except Invalid as exc:
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
    return batched(values, _IN_CHUNK)


# --- the import ---------------------------------------------------------------------

# Families are written in batches: per batch one transaction, a few bulk statements and
# one audit event per family. A batch that runs into a conflict is retried one family
# per transaction, so that a conflict costs only the family it is about. The batch is
# small enough that the audit chains it locks are free again within a moment.
BATCH_FAMILIES = 100

ADDRESS_FIELDS = ["street", "house_number", "house_number_suffix", "postcode", "city"]
PERSON_FIELDS = [
    "reference",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "gender",
    "languages",
    "interpreter_needed",
    "bsn_pseudonym",
    "bsn_encrypted",
]
INVOLVEMENT_FIELDS = [
    "organisation",
    "professional",
    "role",
    "legal_basis",
    "domains",
    "start_date",
    "is_coordinator",
]


class _Layered:
    """A mapping with uncommitted changes on top: when a batch is rolled back, what the
    import knows goes back to what the database has."""

    def __init__(self) -> None:
        self.base: dict = {}
        self.top: dict = {}

    def get(self, key, default=None):
        if key in self.top:
            return self.top[key]
        return self.base.get(key, default)

    def __setitem__(self, key, value) -> None:
        self.top[key] = value

    def commit(self) -> None:
        self.base.update(self.top)
        self.top = {}

    def discard(self) -> None:
        self.top = {}


@dataclass
class _FamilyGroup:
    ref: str
    persons: list[_PersonRow] = field(default_factory=list)
    involvements: list[_InvolvementRow] = field(default_factory=list)


@dataclass
class _Plan:
    """What importing one family's rows writes: decided in memory, then written in bulk."""

    group: _FamilyGroup
    family: Family | None = None
    family_status: str = ""
    new_persons: list[Person] = field(default_factory=list)
    changed_persons: list[Person] = field(default_factory=list)
    new_memberships: list[Membership] = field(default_factory=list)
    changed_memberships: list[Membership] = field(default_factory=list)
    new_involvements: list[Involvement] = field(default_factory=list)
    changed_involvements: list[Involvement] = field(default_factory=list)
    touched: list[Any] = field(default_factory=list)  # loaded objects changed in memory
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    person_status: dict[int, str] = field(default_factory=dict)
    involvement_status: dict[int, str] = field(default_factory=dict)
    # Timeline events, made when they are written (a new family has its id only then);
    # an event without a domain carries no free text from the files.
    timeline: list[Callable[[], TimelineEntry]] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return self.family_status in {"created", "updated"} or any(
            (
                self.new_persons,
                self.changed_persons,
                self.new_memberships,
                self.changed_memberships,
                self.new_involvements,
                self.changed_involvements,
            )
        )


class _Import:
    def __init__(self, *, actor: Actor, user: User | None, dry_run: bool, today: date) -> None:
        self.actor = actor
        self.user = user
        self.dry_run = dry_run
        self.today = today
        self.rejected: list[Problem] = []
        self.warnings: list[Problem] = []
        self.families = _Layered()  # family_ref -> Family
        self.persons = _Layered()  # person_ref -> Person
        self.pseudonyms = _Layered()  # BSN pseudonym -> Person
        self.seen = _Layered()  # person_ref -> (line, family_ref, signature) of an imported row
        self.members = _Layered()  # family_ref -> [Membership with its person]
        self.involvements = _Layered()  # involvement reference -> Involvement
        self.coordinators = _Layered()  # family_ref -> active coordinating Involvement or None
        self.person_status: dict[int, str] = {}
        self.involvement_status: dict[int, str] = {}
        self.family_counts = FamilySummary()
        self.person_file = ""
        self.involvement_file = ""
        self.professional = getattr(user, "professional", None) if user is not None else None

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
        if professional is not None and self.professional is not None:
            if professional.pk == self.professional.pk:
                cells.fail(
                    "professional_email",
                    _(
                        "An import cannot register an involvement for yourself: access to a "
                        "family is given by its coordinator, not by the one who imports."
                    ),
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
            self.rejected.append(_problem(file, line, name, reason))

    # -- loading what exists -------------------------------------------------------

    def load_existing(self, persons: list[_PersonRow], involvements: list[_InvolvementRow]) -> None:
        """Everything the rows refer to, in a few queries instead of a few per row.

        One object per database row: a person reached by reference, by BSN and as a
        family member is the same object, so that a change made for one row is seen by
        the next."""
        refs = {r.family_ref for r in persons} | {r.family_ref for r in involvements}
        # A dry run knows only the families the importing user may see (and their
        # members): every other family is planned as new, so that its report reads the
        # same for an existing reference as for a new one.
        shown = self._visible_family_ids() if self.dry_run else None
        families: dict[int, Family] = {}
        for chunk in _chunks(refs):
            for family in Family.objects.filter(reference__in=chunk).select_related("municipality"):
                if shown is not None and family.pk not in shown:
                    continue
                families[family.pk] = family
                self.families.base[family.reference] = family
        found: dict[int, Person] = {}
        persons_qs = Person.objects.all()
        if shown is not None:
            persons_qs = persons_qs.filter(memberships__family_id__in=shown).distinct()
        for chunk in _chunks({r.person_ref for r in persons}):
            found.update({p.pk: p for p in persons_qs.filter(reference__in=chunk)})
        for chunk in _chunks({r.pseudonym for r in persons if r.pseudonym}):
            found.update({p.pk: p for p in persons_qs.filter(bsn_pseudonym__in=chunk)})
        family_ids = list(families)
        memberships: list[Membership] = []
        for chunk in _chunks(family_ids):
            memberships += Membership.objects.filter(family_id__in=chunk).order_by("id")
        # Members the rows do not name (added by hand, or left out of this file).
        for chunk in _chunks({m.person_id for m in memberships} - found.keys()):
            found.update({p.pk: p for p in Person.objects.filter(pk__in=chunk)})
        for membership in memberships:
            membership.person = found[membership.person_id]
            membership.family = families[membership.family_id]
            self.members.base.setdefault(membership.family.reference, []).append(membership)
        for person in found.values():
            if person.reference:
                self.persons.base[person.reference] = person
            if person.bsn_pseudonym:
                self.pseudonyms.base[person.bsn_pseudonym] = person
        # Organisations and professionals are not joined in: the rows already have them,
        # and compare by id; a name is only needed for a rare message.
        # All involvements, also those waiting for approval or rejected: a re-import
        # finds them by reference, and a waiting coordinator is a coordinator.
        loaded: dict[int, Involvement] = {}
        involvements_qs = Involvement.all_objects.all()
        if shown is not None:
            involvements_qs = involvements_qs.filter(family_id__in=shown)
        for chunk in _chunks({r.reference for r in involvements}):
            loaded.update({i.pk: i for i in involvements_qs.filter(reference__in=chunk)})
        for chunk in _chunks(family_ids):
            held = Involvement.all_objects.holding_the_coordination().filter(family_id__in=chunk)
            for involvement in held:
                involvement = loaded.setdefault(involvement.pk, involvement)
                self.coordinators.base[families[involvement.family_id].reference] = involvement
        self.involvements.base = {i.reference: i for i in loaded.values() if i.reference}

    def _visible_family_ids(self) -> set[int]:
        if self.user is None or self.professional is None:
            return set()  # the command line: no one's own caseload
        return set(visible_families(self.user).values_list("pk", flat=True))

    def _layers(self) -> tuple[_Layered, ...]:
        return (
            self.families,
            self.persons,
            self.pseudonyms,
            self.seen,
            self.members,
            self.involvements,
            self.coordinators,
        )

    def _members(self, family_ref: str) -> list[Membership]:
        """The family's members, as a list this batch may add to (copied on first use)."""
        if family_ref not in self.members.top:
            self.members.top[family_ref] = list(self.members.base.get(family_ref, []))
        return self.members.top[family_ref]

    # -- running -------------------------------------------------------------------

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
        plans = [self._plan_family(group) for group in groups]
        try:
            with transaction.atomic():
                self._write(plans)
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
        for layer in self._layers():
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
        for layer in self._layers():
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
            (group.persons, self.person_file),
            (group.involvements, self.involvement_file),
        ):
            for row in rows:
                if (file, row.line) not in already:
                    self.rejected.append(_problem(file, row.line, None, reason))
        self.rejected.extend(plan.problems)
        self.warnings.extend(plan.warnings)

    # -- deciding what to write ------------------------------------------------------

    def _plan_family(self, group: _FamilyGroup) -> _Plan:
        plan = _Plan(group)
        address = group.persons[0].address if group.persons else None
        for row in group.persons[1:]:
            if row.address.key() != address.key():
                first = group.persons[0].line
                plan.warnings.append(
                    _problem(
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
        family = self.families.get(group.ref)
        if family is not None:
            plan.family, plan.family_status = family, "unchanged"
            if address is not None and address.key() != _Address.of(family).key():
                plan.touched.append(family)
                address.apply_to(family)
                family.updated_at = timezone.now()
                plan.family_status = "updated"
        for row in group.persons:
            self._plan_person(row, plan)
        if plan.family is None:
            reason = (
                _("This family was not imported: all its rows in the persons file were rejected.")
                if group.persons
                else _("No family with this family_ref in Rits or in the persons file.")
            )
            for row in group.involvements:
                plan.problems.append(
                    _problem(self.involvement_file, row.line, "family_ref", reason)
                )
            return plan
        # Rows that stop someone being coordinator go first, so that handing over
        # coordination in one file does not depend on the order of its lines.
        seen: dict[str, int] = {}
        for row in sorted(group.involvements, key=lambda r: (r.coordinator, r.line)):
            if row.reference in seen:
                plan.problems.append(
                    _problem(
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
            self._plan_involvement(row, plan)
        if plan.family_status == "created":
            count = len(plan.new_memberships)
            plan.timeline.insert(
                0,
                lambda: TimelineEntry(plan.family.pk, "family.created_by_import", {"count": count}),
            )
        return plan

    def _ensure_family(self, plan: _Plan) -> Family:
        if plan.family is None:
            group = plan.group
            family = Family(reference=group.ref, name=_family_name(group.persons))
            group.persons[0].address.apply_to(family)
            plan.family, plan.family_status = family, "created"
            self.families[group.ref] = family
        return plan.family

    def _plan_person(self, row: _PersonRow, plan: _Plan) -> None:
        def reject(name: str | None, reason: str) -> None:
            plan.problems.append(_problem(self.person_file, row.line, name, reason))

        earlier = self.seen.get(row.person_ref)
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
        holder = self.pseudonyms.get(row.pseudonym) if row.pseudonym else None
        if holder is not None and holder is not person:
            if person is None and not holder.reference:
                # Added by hand before the import (without a reference): the same BSN is
                # the same person, so the import takes them over instead of duplicating.
                person = holder
            else:
                reject(
                    "bsn",
                    _("Another person in Rits (person_ref %(ref)s) already has this BSN.")
                    % {"ref": holder.reference}
                    if holder.reference
                    else _("Another person in Rits already has this BSN."),
                )
                return
        members = self._members(row.family_ref) if plan.family is not None else []
        try:
            validate_person(
                row.data,
                role=row.role,
                family=plan.family,
                today=self.today,
                # A person is never in conflict with themselves (a re-import, a takeover).
                members=[m for m in members if m.person is not person],
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    reject(name, message)
            return
        planned = self._plan_person_details(row, person, plan, reject)
        if planned is None:
            return
        status, person = planned
        family = self._ensure_family(plan)
        members = self._members(row.family_ref)
        membership = next((m for m in members if m.person is person), None)
        if membership is None:
            membership = Membership(family=family, person=person, role=row.role)
            members.append(membership)
            plan.new_memberships.append(membership)
            if plan.family_status != "created":
                plan.timeline.append(
                    lambda: TimelineEntry(
                        plan.family.pk,
                        "family.member_imported",
                        {"name": person.full_name, "role": membership.role},
                    )
                )
            status = "created"
        elif membership.role != row.role:
            plan.touched.append(membership)
            membership.role = row.role
            plan.changed_memberships.append(membership)
            status = "updated" if status == "unchanged" else status
        self.persons[row.person_ref] = person
        if person.bsn_pseudonym:
            self.pseudonyms[person.bsn_pseudonym] = person
        self.seen[row.person_ref] = (row.line, row.family_ref, row.signature())
        plan.person_status[row.line] = status

    def _plan_person_details(
        self, row: _PersonRow, person: Person | None, plan: _Plan, reject
    ) -> tuple[str, Person] | None:
        """Create or update the person; None when the result does not pass the model."""
        if person is None:
            person, status = _apply_person(Person(), row.data), "created"
        else:
            before = _person_state(person)
            _apply_person(person, row.data)
            status = "unchanged" if _person_state(person) == before else "updated"
            if status == "unchanged":
                return status, person
            if person._state.adding:
                # Created for another family in this batch, with the same details (the
                # signature check above); it is written once, by that family.
                return "unchanged", person
            plan.touched.append(person)
        try:
            person.full_clean(
                exclude=["bsn_encrypted", "bsn_pseudonym"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            if status == "updated":
                person.refresh_from_db()
            for name, messages in exc.message_dict.items():
                for message in messages:
                    reject("person_ref" if name == "reference" else name, message)
            return None
        (plan.new_persons if status == "created" else plan.changed_persons).append(person)
        return status, person

    def _plan_involvement(self, row: _InvolvementRow, plan: _Plan) -> None:
        def reject(name: str, reason: str) -> None:
            plan.problems.append(_problem(self.involvement_file, row.line, name, reason))

        family = plan.family
        existing = self.involvements.get(row.reference)
        if existing is not None and existing.family_id != family.pk:
            reject("family_ref", _("This involvement belongs to another family in Rits."))
            return
        current = self.coordinators.get(row.family_ref)
        if row.coordinator and current is not None and current is not existing:
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
        if existing is not None:
            plan.touched.append(involvement)
        involvement.organisation = row.organisation
        involvement.professional = row.professional
        involvement.role = row.role
        involvement.legal_basis = row.legal_basis
        involvement.domains = row.domains
        involvement.start_date = row.start_date
        involvement.is_coordinator = row.coordinator
        if existing is None:
            status = "created"
            plan.new_involvements.append(involvement)
            if plan.family_status != "created":
                # An involvement on a family that already exists gives access to it:
                # not before the family's coordinator or a privacy officer approves.
                involvement.approval = InvolvementApproval.PENDING
                plan.warnings.append(
                    _problem(
                        self.involvement_file,
                        row.line,
                        None,
                        _(
                            "This family was already in Rits: the involvement waits for the "
                            "approval of its coordinator or a privacy officer, and gives no "
                            "access until then."
                        ),
                    )
                )
            else:
                plan.timeline.append(
                    lambda: involvement_timeline(involvement)._replace(family_id=plan.family.pk)
                )
        elif _involvement_state(involvement) != before:
            status = "updated"
            plan.changed_involvements.append(involvement)
        else:
            status = "unchanged"
        # The open-ended coordination, as ``holding_the_coordination`` reads it.
        if involvement.is_coordinator and involvement.end_date is None:
            self.coordinators[row.family_ref] = involvement
        elif current is involvement:
            self.coordinators[row.family_ref] = None
        self.involvements[row.reference] = involvement
        plan.involvement_status[row.line] = status

    # -- writing -------------------------------------------------------------------

    def _write(self, plans: list[_Plan]) -> None:
        """Write a batch of plans: bulk statements, then one audit event per family."""

        if self.dry_run:
            # Nothing is kept, and everything was checked while planning. Not writing
            # also keeps a dry run from telling an existing reference from a new one
            # (a family it cannot see is planned as new; see load_existing).
            return

        def every(name: str) -> list:
            return [obj for plan in plans for obj in getattr(plan, name)]

        Family.objects.bulk_create([p.family for p in plans if p.family_status == "created"])
        updated = [p.family for p in plans if p.family_status == "updated"]
        if updated:
            Family.objects.bulk_update(updated, [*ADDRESS_FIELDS, "municipality", "updated_at"])
        Person.objects.bulk_create(every("new_persons"))
        if changed := every("changed_persons"):
            Person.objects.bulk_update(changed, PERSON_FIELDS)
        Membership.objects.bulk_create(every("new_memberships"))
        if changed := every("changed_memberships"):
            Membership.objects.bulk_update(changed, ["role"])
        # Coordination that ends is written before coordination that starts: one
        # family has one active coordinator, also between two statements.
        changed = every("changed_involvements")
        for part in (
            [i for i in changed if not i.is_coordinator],
            [i for i in changed if i.is_coordinator],
        ):
            if part:
                Involvement.all_objects.bulk_update(part, INVOLVEMENT_FIELDS)
        Involvement.all_objects.bulk_create(every("new_involvements"))
        actor_id = self.user.pk if self.user is not None else None
        record_timeline(
            entry()._replace(actor_id=actor_id) for plan in plans for entry in plan.timeline
        )
        for plan in plans:
            if plan.changes:
                self._audit(plan)

    def _audit(self, plan: _Plan) -> None:
        def ids(objects) -> list[int]:
            return sorted({o.pk for o in objects})

        members_added = ids(m.person for m in plan.new_memberships)
        roles_changed = ids(m.person for m in plan.changed_memberships)
        persons_created = ids(plan.new_persons)
        persons_updated = ids(plan.changed_persons)
        catalogue.log(
            "family.imported",
            actor=self.actor,
            object_id=plan.family.pk,
            family_id=plan.family.pk,
            person_ids=sorted({*members_added, *roles_changed, *persons_created, *persons_updated}),
            # Ids and what happened to them; never names, BSNs or other cell contents.
            detail={
                "family": plan.family_status,
                "persons_created": persons_created,
                "persons_updated": persons_updated,
                "members_added": members_added,
                "roles_changed": roles_changed,
                "involvements_created": ids(plan.new_involvements),
                "involvements_pending": ids(
                    i for i in plan.new_involvements if i.approval == InvolvementApproval.PENDING
                ),
                "involvements_updated": ids(plan.changed_involvements),
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
