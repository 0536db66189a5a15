"""Reading and checking signal deliveries: the file format of ``docs/signal-format.md``.

Three doors share these rules: a CSV file, a JSON array (both through
:func:`read_rows`) and one JSON object (``POST /api/v1/signals``, through
:func:`parse_signal`). Reading is streamed: the content arrives as an iterable of byte
chunks and is decoded and split as it comes, so a 200 MB file is never held in memory
more than a chunk at a time.

A file is read twice. The first pass (:func:`check_file`) only decides whether the file
can be read at all: the encoding, the header (CSV) or the syntax (JSON). A file that
cannot be read is refused as a whole, before a single row is accepted. The second pass
(:func:`read_rows`) yields the rows, each checked on its own: a bad row is reported with
its line, field and reason and the other rows go on.

A reason never contains the content of a cell: a BSN in the wrong column must not end
up in a report or a log. Text is kept exactly as written (HTML, formulas, any script);
it is never interpreted here, and pages escape it when they show it."""

from __future__ import annotations

import csv
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rits.core.bsn import is_valid_bsn, looks_like_bsn, normalise_bsn
from rits.core.intake.cells import (
    Invalid,
    parse_amount,
    parse_bool,
    parse_date,
    parse_house_number,
    parse_postcode,
)
from rits.core.intake.reading import (
    FileUnreadable,
    JsonArray,
    Problem,
    decode,
    lines,
    sniff_delimiter,
)
from rits.signals.models import BatchFormat, SignalType
from rits.signals.types import RISK_CODES

COLUMNS = (
    "reference",
    "signal_type",
    "signal_date",
    "since",
    "amount_eur",
    "crisis",
    "bsn",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "house_number_suffix",
    "city",
    "risk_code",
    "note",
)
# A CSV header must name these; the other columns may be left out.
REQUIRED_COLUMNS = ("reference", "signal_type", "signal_date")
# ... and one of these, or no row could say whom it is about: a BSN, or a name (see
# ``identifies_someone``).
IDENTIFYING_COLUMNS = ("bsn", "surname", "given_names")

MAX_LENGTHS = {
    "reference": 100,
    "surname": 200,
    "prefix": 20,
    "given_names": 200,
    "house_number_suffix": 10,
    "city": 100,
    "note": 2000,
}
# Longer lines cannot hold a valid row (the longest cells together are under 3,000
# characters); refusing them early keeps one broken line from costing much memory.
MAX_LINE_CHARS = 10_000
MAX_JSON_ITEM_CHARS = 100_000

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# A lone surrogate is no character: text that holds one is not valid Unicode, cannot be
# written as UTF-8 and is refused by the database. It arrives as a JSON escape
# ("\ud800") or as the bytes of one (ED A0 80, which ``decode`` lets through for this).
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Either of the two: a text that cannot be used as it is (the quick check of a row).
_UNFIT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# In a note (from JSON) a line break is text; other control characters are not.
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,39}")

_SIGNAL_TYPES = frozenset(SignalType.values)


# --- problems -------------------------------------------------------------------------


# --- decoding and lines -----------------------------------------------------------------


# --- CSV ------------------------------------------------------------------------------------


class RawRow(NamedTuple):
    """One row as read: its line and its cells by column name (a JSON object's values
    may be numbers, booleans or null). A named tuple: one is made per row, and that is
    several times cheaper than a frozen dataclass."""

    line: int
    cells: Mapping[str, Any]


@dataclass
class FileShape:
    """What the first pass learnt: enough to read the rows in the second."""

    format: str
    header_line: int = 0
    header: list[str] = field(default_factory=list)
    delimiter: str = ","
    warnings: list[Problem] = field(default_factory=list)


def _safe_name(name: str, position: int) -> str:
    # A header cell is only repeated when it looks like a column name: the "header" may
    # be a line of someone's data.
    if _SAFE_NAME.fullmatch(name) and not name.strip(" .-").isdigit():
        return name
    return _("column %(number)d") % {"number": position}


def _check_header(numbered: Iterator[tuple[int, str]]) -> FileShape:
    shape = FileShape(format=BatchFormat.CSV)
    number, line = next(((n, x) for n, x in numbered if x.strip()), (0, ""))
    if not number:
        raise FileUnreadable(1, _("The file is empty; the first line must name the columns."))
    delimiter = None
    stripped = line.strip()
    # Excel writes a "sep=;" line before the header when asked to.
    if stripped.lower().startswith("sep=") and len(stripped) == 5:
        delimiter = stripped[4]
        number, line = next(numbered, (number + 1, ""))
        if not line.strip():
            raise FileUnreadable(number, _("The line after 'sep=' must name the columns."))
    delimiter = delimiter or sniff_delimiter(line)
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        raise FileUnreadable(number, _("The quotes in the header line do not match.")) from None
    header = [c.strip().lower() for c in cells]
    known = set(header) & set(COLUMNS)
    if not known:
        raise FileUnreadable(
            number,
            _(
                "The first line must be the header with the column names; none of the "
                "expected columns was found (%(columns)s)."
            )
            % {"columns": ", ".join(COLUMNS)},
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in known]
    if missing:
        raise FileUnreadable(
            number,
            ngettext(
                "The column %(columns)s is missing; nothing from this file was accepted.",
                "The columns %(columns)s are missing; nothing from this file was accepted.",
                len(missing),
            )
            % {"columns": ", ".join(missing)},
        )
    if not known & set(IDENTIFYING_COLUMNS):
        raise FileUnreadable(
            number,
            _(
                "The file needs a bsn column or a name column (surname or given_names), or "
                "no row can say whom it is about; nothing from this file was accepted."
            ),
        )
    for name in known:
        if header.count(name) > 1:
            raise FileUnreadable(
                number,
                _("The column %(column)s appears more than once in the header.") % {"column": name},
            )
    for position, name in enumerate(header, start=1):
        if name not in COLUMNS:
            shape.warnings.append(
                Problem(
                    number,
                    _safe_name(name, position),
                    _("This column is not part of the format and was ignored."),
                )
            )
    shape.header_line = number
    shape.header = header
    shape.delimiter = delimiter
    return shape


def _csv_rows(chunks: Iterable[bytes], shape: FileShape) -> Iterator[RawRow | Problem]:
    numbered = enumerate(
        lines(decode(chunks, lone_surrogates=True), max_chars=MAX_LINE_CHARS), start=1
    )
    for number, _line in numbered:
        if number == shape.header_line:
            break
    header = shape.header
    width = len(header)
    delimiter = shape.delimiter
    # Columns that are not part of the format were warned about and are left out here.
    positions = [i for i, name in enumerate(header) if name in COLUMNS]
    names = [header[i] for i in positions]
    every_column = len(positions) == width
    reference_at = header.index("reference")
    for number, line in numbered:
        if not line or line.isspace():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield Problem(
                number,
                None,
                _("This line is longer than %(max)d characters.") % {"max": MAX_LINE_CHARS},
                _reference_in_broken(line[:MAX_LINE_CHARS], delimiter, reference_at),
            )
            continue
        # A control character (even NUL) is reported for the cell it is in, by the checks
        # of the row: the csv module splits such a line as any other.
        if '"' in line or "\r" in line:
            # Quotes (and a carriage return, which csv treats as a line end) need the
            # csv module; a line without either splits exactly as it would split it.
            try:
                cells = next(csv.reader([line], delimiter=delimiter, strict=True))
            except csv.Error:
                yield Problem(
                    number,
                    None,
                    _(
                        "The quotes in this line do not match. Put a cell in double quotes, "
                        'write a quote inside it as two quotes (""), and keep a cell on one '
                        "line."
                    ),
                    _reference_in_broken(line, delimiter, reference_at),
                )
                continue
            if not any(c.strip() for c in cells):
                continue  # a line of only separators, as spreadsheets leave behind
        else:
            cells = line.split(delimiter)
            # Only separators (and white space) left: a line spreadsheets leave behind.
            if not cells[0] or cells[0].isspace():
                rest = line.replace(delimiter, "")
                if not rest or rest.isspace():
                    continue
        if len(cells) != width:
            yield Problem(
                number,
                None,
                _("This line has %(found)d cells where the header has %(expected)d.")
                % {"found": len(cells), "expected": width},
                # Which cell is missing or extra cannot be known; the reference is the
                # cell in its column (the source's own, never a BSN).
                reportable_reference(cells[reference_at]) if reference_at < len(cells) else "",
            )
            continue
        if not every_column:
            cells = [cells[i] for i in positions]
        yield RawRow(number, dict(zip(names, cells, strict=True)))


def _reference_in_broken(line: str, delimiter: str, position: int) -> str:
    """The reference of a line that cannot be split strictly (its quotes do not match, or
    it is cut short), when the cells before the trouble hold it; else empty."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=False), [])
    except csv.Error:  # e.g. a carriage return in an unquoted cell
        return ""
    # After the trouble (a quote left open, the cut) one cell takes the rest of the line:
    # only a cell before the last one is whole, and a quote or separator in it shows it
    # is not a cell as written.
    if position >= len(cells) - 1:
        return ""
    cell = cells[position]
    if '"' in cell or delimiter in cell:
        return ""
    return reportable_reference(cell)


# --- JSON ------------------------------------------------------------------------------------


def _json_rows(chunks: Iterable[bytes]) -> Iterator[RawRow | Problem]:
    for position, item in enumerate(
        JsonArray(decode(chunks, lone_surrogates=True), max_item_chars=MAX_JSON_ITEM_CHARS), start=1
    ):
        if not isinstance(item, dict):
            yield Problem(position, None, _("Each item of the array must be an object."))
            continue
        yield RawRow(position, item)


# --- the two passes ----------------------------------------------------------------------


def check_file(chunks: Iterable[bytes], fmt: str) -> FileShape:
    """The first pass: raise ``FileUnreadable`` when the file cannot be read as a whole
    (encoding, header, JSON syntax, no rows at all); else what the second pass needs."""
    if fmt == BatchFormat.CSV:
        numbered = enumerate(
            lines(decode(chunks, lone_surrogates=True), max_chars=MAX_LINE_CHARS), start=1
        )
        shape = _check_header(numbered)
        has_rows = False
        for _number, line in numbered:  # reading on checks the encoding of the whole file
            has_rows = has_rows or bool(line.strip(" ,;\t\"'"))
        if not has_rows:
            raise FileUnreadable(shape.header_line + 1, _("The file has a header but no signals."))
        return shape
    shape = FileShape(format=BatchFormat.JSON)
    unknown: dict[str, int] = {}
    items = 0
    for position, item in enumerate(
        JsonArray(decode(chunks, lone_surrogates=True), max_item_chars=MAX_JSON_ITEM_CHARS), start=1
    ):
        items += 1
        if isinstance(item, dict):
            for key in item:
                if key not in COLUMNS and key not in unknown and len(unknown) < 50:
                    unknown[key] = position
    if not items:
        raise FileUnreadable(1, _("The array is empty: there are no signals in it."))
    for number, (key, position) in enumerate(unknown.items(), start=1):
        shape.warnings.append(
            Problem(
                position,
                _safe_name(key, number),
                _("This field is not part of the format and was ignored."),
            )
        )
    return shape


def unknown_field_warnings(data: Mapping[str, Any], *, line: int) -> list[Problem]:
    """A warning for each key of one JSON object that is not part of the format."""
    return [
        Problem(
            line,
            _safe_name(key, number),
            _("This field is not part of the format and was ignored."),
        )
        for number, key in enumerate((k for k in data if k not in COLUMNS), start=1)
    ]


def read_rows(chunks: Iterable[bytes], shape: FileShape) -> Iterator[RawRow | Problem]:
    """The second pass: every row (CSV line or JSON object), or a problem for a line that
    could not be split into cells."""
    if shape.format == BatchFormat.CSV:
        return _csv_rows(chunks, shape)
    return _json_rows(chunks)


# --- one row ---------------------------------------------------------------------------------


class SignalData(NamedTuple):
    """A checked row. ``bsn`` is the plain number, only until it is pseudonymised when
    the signal is stored. A named tuple: one is made per row, cheaply."""

    line: int
    reference: str
    signal_type: str
    signal_date: date
    since: date | None
    amount_eur: Decimal | None
    crisis: bool
    bsn: str
    surname: str
    prefix: str
    given_names: str
    birth_date: date | None
    postcode: str
    house_number: int | None
    house_number_suffix: str
    city: str
    risk_code: str
    note: str


def parse_signal_type(raw: str) -> str:
    value = raw.lower()
    if value not in _SIGNAL_TYPES:
        raise Invalid(
            _("Unknown signal type; use one of %(types)s.")
            % {"types": ", ".join(SignalType.values)}
        )
    return value


def parse_risk_code(raw: str) -> str:
    value = raw.lower()
    if value and value not in _RISK_CODES:
        raise Invalid(_("A risk category is one letter from a to l."))
    return value


def parse_bsn(raw: str) -> str:
    if not raw:
        return ""
    # Nine ASCII digits need no normalising (the usual case).
    bsn = raw if len(raw) == 9 and raw.isascii() and raw.isdigit() else normalise_bsn(raw)
    # Only ASCII digits: is_valid_bsn cannot read digits such as "²", and a BSN written
    # in other digits would get another pseudonym than the same number in 0-9.
    if not bsn.isascii() or not is_valid_bsn(bsn):
        raise Invalid(_("This is not a valid BSN (it fails the 11-proef)."))
    return bsn


def parse_reference(raw: str) -> str:
    """The source's own id of the signal, as written; never a BSN (it would be stored and
    repeated in every report as the reference)."""
    if looks_like_bsn(raw):
        raise Invalid(
            _(
                "A reference may not be a BSN (nor look like one: nine digits that pass the "
                "11-proef). Use your own case or invoice number, e.g. HUUR-2026-0001, and "
                "put the BSN in the bsn field."
            )
        )
    return raw


def reportable_reference(value: Any) -> str:
    """The reference as a report may repeat it: never a BSN, never a control character,
    always valid Unicode."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    text = str(value).strip()
    if (
        not text
        or len(text) > MAX_LENGTHS["reference"]
        or _UNFIT_TEXT.search(text)
        or looks_like_bsn(text)
    ):
        return ""
    return text


# Per column of the format, in its order: the most characters a cell may have.
_COMMON_LIMIT = 100
_LIMITS = tuple(MAX_LENGTHS.get(name, _COMMON_LIMIT) for name in COLUMNS)
_SHORT_LIMITS = tuple((i, limit) for i, limit in enumerate(_LIMITS) if limit < _COMMON_LIMIT)
_NO_CELLS = ("",) * len(COLUMNS)
_REQUIRED = frozenset(REQUIRED_COLUMNS)
_required = operator.itemgetter(*(COLUMNS.index(name) for name in REQUIRED_COLUMNS))
# A JSON number or boolean goes to the parser as it is (not as text) in these columns.
_TAKES_VALUES = frozenset({"amount_eur", "crisis"})
# A multi-line cell (from JSON): a line break is text there.
_MULTILINE = frozenset({"note"})
_RISK_CODES = frozenset(RISK_CODES)
# Problems about several fields together come after the problems of single fields.
_ROW_CHECKS = len(COLUMNS)


def _plain_texts(cells: Mapping[str, Any]) -> list[str] | None:
    """Every cell of the format as stripped text, in the order of ``COLUMNS``, when they
    all are: text without control characters, not too long, the required ones filled
    (as good as every row). Otherwise None, and ``_checked_texts`` finds out why."""
    values = list(map(cells.get, COLUMNS, _NO_CELLS))
    try:
        texts = list(map(str.strip, values))
    except TypeError:  # a JSON number, boolean, null, object or array
        return None
    if not all(_required(texts)):
        return None
    joined = "".join(texts)
    # isprintable() is False for every control character and surrogate (and for some
    # other characters, such as a no-break space): only then is the exact check needed.
    if not joined.isprintable() and _UNFIT_TEXT.search(joined):
        return None
    # A cell can only be longer than a common limit when the row is.
    if len(joined) > _COMMON_LIMIT and any(map(operator.gt, map(len, texts), _LIMITS)):
        return None
    for index, limit in _SHORT_LIMITS:
        if len(texts[index]) > limit:
            return None
    return texts


def _checked_texts(cells: Mapping[str, Any], fails: list) -> list[Any]:
    """Cell by cell, the text of each (or the JSON number or boolean where a parser takes
    one), noting in ``fails`` why a cell cannot be used; such a cell is None."""
    texts: list[Any] = []
    for index, name in enumerate(COLUMNS):
        value = cells.get(name)
        if isinstance(value, bool | int | float) and name in _TAKES_VALUES:
            texts.append(value)
            continue
        if value is None:
            value = ""
        elif isinstance(value, bool):
            # Only crisis takes a boolean; anywhere else it is a mistake in the sender.
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        elif isinstance(value, str):
            value = value.strip()
        else:
            fails.append((index, name, _("This must be text, a number or empty.")))
            texts.append(None)
            continue
        controls = _CONTROL_CHARACTERS
        if name in _MULTILINE:
            value = value.replace("\r\n", "\n")
            controls = _CONTROL_EXCEPT_NEWLINE
        if _SURROGATES.search(value):
            fails.append(
                (
                    index,
                    name,
                    _(
                        "This field is not valid text: it holds a lone surrogate (such as "
                        "\\ud800), which is no character. Send text as UTF-8."
                    ),
                )
            )
            texts.append(None)
        elif controls.search(value):
            fails.append(
                (index, name, _("Remove the control characters (such as tabs) from this field."))
            )
            texts.append(None)
        elif not value and name in _REQUIRED:
            fails.append((index, name, _("This field is required.")))
            texts.append(None)
        elif len(value) > _LIMITS[index]:
            fails.append(
                (
                    index,
                    name,
                    _("At most %(max)d characters (this one has %(length)d).")
                    % {"max": _LIMITS[index], "length": len(value)},
                )
            )
            texts.append(None)
        else:
            texts.append(value)
    return texts


def _parsed(fails: list, index: int, parser: Callable[[Any], Any], value: Any) -> Any:
    """``parser(value)``, or None noting why not; an empty or unusable cell is None."""
    if value is None or value == "":
        return None
    try:
        return parser(value)
    except Invalid as exc:
        fails.append((index, COLUMNS[index], str(exc)))
        return None


def _parse_plain(t: list[str]) -> tuple:
    """The values of a row of plain text (see ``_plain_texts``), all at once; raises
    ``Invalid`` at the first bad one. The parsers are those of ``_parse_cells``."""
    return (
        parse_reference(t[0]),
        parse_signal_type(t[1]),
        parse_date(t[2]),
        parse_date(t[3]) if t[3] else None,
        parse_amount(t[4]) if t[4] else None,
        parse_bool(t[5]) if t[5] else None,
        parse_bsn(t[6]) if t[6] else None,
        t[7],
        t[8],
        t[9],
        parse_date(t[10]) if t[10] else None,
        parse_postcode(t[11]) if t[11] else None,
        parse_house_number(t[12]) if t[12] else None,
        t[13],
        t[14],
        parse_risk_code(t[15]) if t[15] else None,
        t[16],
    )


def _parse_cells(t: list[Any], fails: list) -> tuple:
    """The values of a row cell by cell, noting every bad one in ``fails`` (then None)."""
    return (
        _parsed(fails, 0, parse_reference, t[0]),
        _parsed(fails, 1, parse_signal_type, t[1]),
        _parsed(fails, 2, parse_date, t[2]),
        _parsed(fails, 3, parse_date, t[3]),
        _parsed(fails, 4, parse_amount, t[4]),
        _parsed(fails, 5, parse_bool, t[5]),
        _parsed(fails, 6, parse_bsn, t[6]),
        t[7],
        t[8],
        t[9],
        _parsed(fails, 10, parse_date, t[10]),
        _parsed(fails, 11, parse_postcode, t[11]),
        _parsed(fails, 12, parse_house_number, t[12]),
        t[13],
        t[14],
        _parsed(fails, 15, parse_risk_code, t[15]),
        t[16],
    )


def _has_problem(fails: list, *names: str | None) -> bool:
    return any(name in names for _index, name, _reason in fails)


_IDENTIFYING_FIELDS = (
    "bsn",
    "surname",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "city",
)


def _missing_identity(
    bsn: str | None,
    surname: str | None,
    given_names: str | None,
    birth_date: date | None,
    postcode: str | None,
    house_number: int | None,
    city: str | None,
) -> str:
    """Why the row cannot say whom it is about, or "" when it can.

    A BSN is enough. Without one, a name part (surname or given names) with one other
    piece that sets the person apart: a date of birth, or an address (a postcode, with or
    without a house number, or a house number with a city). That is what a linker can
    work with (a name at a postcode, given names with a date of birth); what is refused
    cannot point to anyone: a name alone, or a date of birth or an address without any
    name."""
    if bsn:
        return ""
    has_name = bool(surname or given_names)
    has_more = bool(birth_date or postcode or (house_number and city))
    if has_name and has_more:
        return ""
    if has_name:
        return _(
            "A name without a birth_date or an address cannot say whom the signal is "
            "about. Add a birth_date or an address (a postcode, or a house_number with a "
            "city), or a bsn."
        )
    if has_more:
        return _(
            "Without a name, a date of birth or an address cannot say whom the signal is "
            "about. Add a surname or given_names, or a bsn."
        )
    return _(
        "Say whom the signal is about: a bsn, or a name (surname or given_names) with a "
        "birth_date or an address (a postcode, or a house_number with a city)."
    )


def parse_signal(row: RawRow, *, today: date) -> tuple[SignalData | None, list[Problem]]:
    """Check one row. Returns the data, or None with every problem found (one per field,
    in the order of the columns, then those about several fields together).

    Runs for every row of every delivery, so it is written for speed: the cells are
    taken as text all at once, and only a row that is not plain text everywhere is
    looked at cell by cell. An empty cell is None from here on (empty text, no date);
    a cell with a problem is None too, its problem noted."""
    cells = row.cells
    fails: list[tuple[int, str | None, str]] = []
    texts = _plain_texts(cells)
    values = None
    if texts is not None:
        try:
            values = _parse_plain(texts)
        except Invalid:
            pass  # a bad value: the cell by cell pass below names each one
    if values is None:
        if texts is None:
            texts = _checked_texts(cells, fails)
        values = _parse_cells(texts, fails)
    (
        reference,
        signal_type,
        signal_date,
        since,
        amount,
        crisis,
        bsn,
        surname,
        prefix,
        given_names,
        birth_date,
        postcode,
        house_number,
        suffix,
        city,
        risk_code,
        note,
    ) = values

    if signal_date is not None and signal_date > today:
        fails.append((_ROW_CHECKS, "signal_date", _("This date is in the future.")))
    if since is not None and since > today:
        fails.append((_ROW_CHECKS, "since", _("This date is in the future.")))
    if birth_date is not None and birth_date > today:
        fails.append((_ROW_CHECKS, "birth_date", _("This date is in the future.")))
    if since and signal_date and since > signal_date and not _has_problem(fails, "since"):
        fails.append((_ROW_CHECKS, "since", _("'since' cannot be after the signal date.")))
    if signal_type == SignalType.RISK_REGISTRATION and not risk_code:
        if not _has_problem(fails, "risk_code"):
            fails.append(
                (
                    _ROW_CHECKS,
                    "risk_code",
                    _("A risk registration needs a risk category (a to l)."),
                )
            )
    elif signal_type and signal_type != SignalType.RISK_REGISTRATION and risk_code:
        fails.append((_ROW_CHECKS, "risk_code", _("Only a risk registration has a risk category.")))
    missing = _missing_identity(bsn, surname, given_names, birth_date, postcode, house_number, city)
    if missing and not _has_problem(fails, *_IDENTIFYING_FIELDS):
        fails.append((_ROW_CHECKS, None, missing))

    if fails:
        fails.sort(key=operator.itemgetter(0))  # stable: one field's problems keep their order
        shown = reportable_reference(cells.get("reference"))
        return None, [Problem(row.line, name, reason, shown) for _i, name, reason in fails]
    return (
        SignalData(
            row.line,
            reference,
            signal_type,
            signal_date,
            since,
            amount,
            bool(crisis),
            bsn or "",
            surname,
            prefix,
            given_names,
            birth_date,
            postcode or "",
            house_number,
            suffix,
            city,
            risk_code or "",
            note,
        ),
        [],
    )
