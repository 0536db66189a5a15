"""Reading the files and parsing their rows: from CSV bytes to checked rows.

``read_csv`` reads a file into trimmed cells; ``_RowParser`` turns the cells of each row
into a ``_PersonRow`` or an ``_InvolvementRow``, checking every row on its own (types,
allowed values, the person rules of :func:`rits.families.services.validate_person`).
The parser owns what parsing needs: the municipalities, organisations and
professionals the rows name (read once, in bulk) and the list of rejected rows. It
reads no family data and writes nothing; checks against families are the plan's."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from rits.families.importing.report import ImportSource, _problem
from rits.families.models import (
    Family,
    Involvement,
    LegalBasis,
    LivingSituation,
    MemberRole,
    Person,
)
from rits.families.services import PersonData, validate_person
from rits.organisations.models import Municipality, Organisation, Professional

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
    "living_situation",
)
PERSON_OPTIONAL_COLUMNS = frozenset({"bsn", "living_situation"})
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


LIVING_SITUATION_SYNONYMS: dict[str, str] = {
    **{value: value for value in LivingSituation.values},
    "thuis": LivingSituation.AT_HOME,
    "pleeggezin": LivingSituation.FOSTER_FAMILY,
    "residentieel": LivingSituation.RESIDENTIAL_CARE,
    "gezinshuis": LivingSituation.FAMILY_HOME,
    "zelfstandig": LivingSituation.INDEPENDENT,
    "elders": LivingSituation.ELSEWHERE,
}


def parse_living_situation(raw: str) -> str | None:
    """Where a member lives now; ``None`` when the cell is empty (a new member lives at
    home, an existing one stays where they live)."""
    if not raw:
        return None
    found = LIVING_SITUATION_SYNONYMS.get(raw.lower().replace("-", "_").replace(" ", "_"))
    if found is None:
        raise Invalid(
            _(
                "Unknown living situation; use one of %(values)s (or thuis, pleeggezin, "
                "residentieel, gezinshuis, zelfstandig, elders), or leave it empty."
            )
            % {"values": ", ".join(LivingSituation.values)}
        )
    return str(found)


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
    """``344``, ``0344`` and ``GM0344`` all mean 0344 (spreadsheets drop leading zeros);
    empty is no municipality (the value may be left out)."""
    if not raw:
        return ""
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
    living_situation: str | None = None  # None: not given (see parse_living_situation)

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


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    return batched(values, _IN_CHUNK)


# --- parsing rows -------------------------------------------------------------------


class _RowParser:
    """Parses the rows of the two files; a bad row goes to ``rejected`` and is skipped."""

    def __init__(self, *, today: date, professional: Professional | None) -> None:
        self.today = today
        self.professional = professional  # the importing user's, if any
        self.rejected: list[Problem] = []
        self.municipalities: dict[str, Municipality] = {}
        self._organisations: dict[str, Organisation] = {}
        self._professionals: dict[str, Professional] = {}
        self._suggestions: dict[str, str | None] = {}

    def parse_persons(self, csv_file: _CsvFile) -> list[_PersonRow]:
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
            cells.row.line,
            family_ref,
            person_ref,
            role or "",
            data,
            pseudonym,
            address,
            cells.parse("living_situation", parse_living_situation),
        )

    def parse_involvements(self, csv_file: _CsvFile) -> list[_InvolvementRow]:
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
