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

import codecs
import csv
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rits.families.bsn import is_valid_bsn, looks_like_bsn, normalise_bsn
from rits.signals.models import RISK_CODES, BatchFormat, SignalType

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
# ... and one of these, or no row could say whom it is about.
IDENTIFYING_COLUMNS = ("bsn", "surname")

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
MAX_AMOUNT = Decimal("9999999999.99")
EARLIEST_DATE = date(1900, 1, 1)

TRUE_VALUES = frozenset({"ja", "yes", "true", "1", "j", "y"})
FALSE_VALUES = frozenset({"nee", "no", "false", "0", "n", ""})

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# A lone surrogate is no character: text that holds one is not valid Unicode, cannot be
# written as UTF-8 and is refused by the database. It arrives as a JSON escape
# ("\ud800") or as the bytes of one (ED A0 80, which ``decode`` lets through for this).
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# Either of the two: a text that cannot be used as it is (the quick check of a row).
_UNFIT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# In a note (from JSON) a line break is text; other control characters are not.
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_UNUSED_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
_DIGITS = re.compile(r"[0-9]+")
# "1.234,56" / "1234,56" (Dutch) and "1,234.56" / "1234.56": a separator followed by
# exactly three digits groups thousands, one followed by one or two digits is decimal.
_AMOUNT_DUTCH = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?")
_AMOUNT_ENGLISH = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
# Digits with one or two decimals after a point or a comma, no thousands: read alike by
# both patterns above.
_AMOUNT_PLAIN = re.compile(r"[0-9]{1,10}(?:[.,][0-9]{1,2})?")
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,39}")

UTF8_BOM = b"\xef\xbb\xbf"
_SIGNAL_TYPES = frozenset(SignalType.values)


# --- problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A rejected row (``field`` None: the whole row) or a warning about the file.

    ``line`` is the line in a CSV file (the header is line 1) or the position of the
    object in a JSON array (the first is 1)."""

    line: int
    field: str | None
    reason: str
    reference: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reference": self.reference,
            "field": self.field,
            "reason": self.reason,
        }


class FileUnreadable(Exception):
    """The file as a whole cannot be read; nothing from it is accepted."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def storable_text(value: str, max_length: int) -> str:
    """A text that is not a row's (a file name, a key's name) as it can be stored: without
    control characters and lone surrogates (which the database refuses or cannot
    encode), stripped, cut to ``max_length``."""
    return _UNFIT_TEXT.sub("", value).strip()[:max_length]


def sniff_format(head: bytes) -> str:
    """JSON when the content starts with ``[`` or ``{`` (after a BOM and white space)."""
    text = head.removeprefix(UTF8_BOM).lstrip()
    return BatchFormat.JSON if text[:1] in (b"[", b"{") else BatchFormat.CSV


# --- decoding and lines -----------------------------------------------------------------


def decode(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 text from byte chunks, without a BOM. Raises ``FileUnreadable`` naming the
    line of the first byte that is not UTF-8."""
    pending = b""
    newlines = 0  # line ends in the bytes already decoded
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        data = pending + chunk
        if first:
            if len(data) < 3 and UTF8_BOM.startswith(data):
                pending = data
                continue
            first = False
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise FileUnreadable(
                    1,
                    _(
                        "The file is saved as UTF-16 (Unicode text). Save it as UTF-8 "
                        "('CSV UTF-8' in Excel) and send it again."
                    ),
                )
            data = data.removeprefix(UTF8_BOM)
        try:
            # "surrogatepass": the bytes of a lone surrogate become that surrogate, which
            # the row's checks refuse for its own field; any other byte that is not
            # UTF-8 refuses the file (it was saved in another encoding).
            text, consumed = codecs.utf_8_decode(data, "surrogatepass", False)
        except UnicodeDecodeError as exc:
            raise _not_utf8(newlines + data.count(b"\n", 0, exc.start) + 1) from None
        newlines += data.count(b"\n", 0, consumed)
        pending = data[consumed:]
        if text:
            yield text
    if pending:
        if first and UTF8_BOM.startswith(pending):
            return  # only (part of) a byte order mark
        try:
            text, _consumed = codecs.utf_8_decode(pending, "surrogatepass", True)
        except UnicodeDecodeError:
            raise _not_utf8(newlines + 1) from None
        yield text


def _not_utf8(line: int) -> FileUnreadable:
    return FileUnreadable(
        line,
        _(
            "The file is not UTF-8: line %(line)d contains a character that is not valid "
            "UTF-8 (the file was probably saved as Latin-1 or Windows-1252). Save it as "
            "UTF-8 ('CSV UTF-8' in Excel) and send it again; nothing from this file was "
            "accepted."
        )
        % {"line": line},
    )


def lines(texts: Iterable[str]) -> Iterator[str]:
    """Physical lines, split on line ends only (``\\n``, ``\\r\\n``, or ``\\r`` in a
    file that has no ``\\n`` at all). ``str.splitlines`` would also split on characters
    such as U+2028 that may appear inside a cell."""
    buffer = ""
    separator: str | None = None
    for text in texts:
        buffer += text
        if separator is None:
            if "\n" in buffer:
                separator = "\n"
            elif "\r" in buffer and not buffer.endswith("\r"):
                separator = "\r"
            else:
                buffer = _cut_overlong(buffer)
                continue
        *complete, buffer = buffer.split(separator)
        for line in complete:
            yield line.removesuffix("\r")
        buffer = _cut_overlong(buffer)
    if buffer:
        if separator is None and "\r" in buffer:
            yield from buffer.rstrip("\r").split("\r")
        else:
            yield buffer.removesuffix("\r")


def _cut_overlong(unfinished: str) -> str:
    # A line without an end in sight is refused as too long anyway; keeping all of it
    # would make every following chunk re-scan it (and hold it in memory).
    return unfinished[: MAX_LINE_CHARS + 1] if len(unfinished) > MAX_LINE_CHARS + 1 else unfinished


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


def _sniff_delimiter(header: str) -> str:
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return ";" if outside_quotes.count(";") > outside_quotes.count(",") else ","


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
    delimiter = delimiter or _sniff_delimiter(line)
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
                "The file needs a bsn or a surname column, or no row can say whom it is "
                "about; nothing from this file was accepted."
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
    numbered = enumerate(lines(decode(chunks)), start=1)
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


class _JsonArray:
    """The items of a JSON array, decoded one at a time from streamed text."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = iter(texts)
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._newlines = 0  # line ends in text already dropped from the buffer
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            text = next(self._texts)
        except StopIteration:
            self._eof = True
            return False
        self._newlines += self._buffer.count("\n", 0, self._pos)
        self._buffer = self._buffer[self._pos :] + text
        self._pos = 0
        return True

    def _line(self, pos: int) -> int:
        return self._newlines + self._buffer.count("\n", 0, pos) + 1

    def _peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def _syntax_error(self, pos: int | None = None) -> FileUnreadable:
        line = self._line(self._pos if pos is None else pos)
        return FileUnreadable(
            line,
            _(
                "This is not valid JSON (the problem is on line %(line)d). Send a JSON array "
                "of objects; nothing from this file was accepted."
            )
            % {"line": line},
        )

    def _too_deep(self) -> FileUnreadable:
        line = self._line(self._pos)
        return FileUnreadable(
            line,
            _(
                "This JSON is nested too deeply to be read (an item starting on line "
                "%(line)d). Send a JSON array of flat objects; nothing from this file was "
                "accepted."
            )
            % {"line": line},
        )

    def _value(self) -> Any:
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if len(self._buffer) - self._pos > MAX_JSON_ITEM_CHARS or not self._fill():
                    raise self._syntax_error(exc.pos) from None
                continue
            except RecursionError:
                # Arrays or objects nested hundreds deep: no signal is, and the decoder
                # cannot read them. The file's structure cannot be read: refused whole.
                raise self._too_deep() from None
            # A number at the end of the buffer may go on in the next chunk.
            if end == len(self._buffer) and not isinstance(value, dict | list) and self._fill():
                continue
            self._pos = end
            return value

    def __iter__(self) -> Iterator[Any]:
        if self._peek() != "[":
            if self._peek() == "":
                raise FileUnreadable(1, _("The file is empty; send a JSON array of objects."))
            raise FileUnreadable(
                self._line(self._pos),
                _("Send a JSON array of objects ([{...}, {...}]); nothing was accepted."),
            )
        self._pos += 1
        if self._peek() == "]":
            self._pos += 1
        else:
            while True:
                if self._peek() == "":
                    raise self._syntax_error()
                yield self._value()
                following = self._peek()
                self._pos += 1
                if following == "]":
                    break
                if following != ",":
                    raise self._syntax_error(self._pos - 1)
        if self._peek() != "":
            raise self._syntax_error()


def _json_rows(chunks: Iterable[bytes]) -> Iterator[RawRow | Problem]:
    for position, item in enumerate(_JsonArray(decode(chunks)), start=1):
        if not isinstance(item, dict):
            yield Problem(position, None, _("Each item of the array must be an object."))
            continue
        yield RawRow(position, item)


# --- the two passes ----------------------------------------------------------------------


def check_file(chunks: Iterable[bytes], fmt: str) -> FileShape:
    """The first pass: raise ``FileUnreadable`` when the file cannot be read as a whole
    (encoding, header, JSON syntax, no rows at all); else what the second pass needs."""
    if fmt == BatchFormat.CSV:
        numbered = enumerate(lines(decode(chunks)), start=1)
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
    for position, item in enumerate(_JsonArray(decode(chunks)), start=1):
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


class _Invalid(Exception):
    """A value that cannot be used; the message is the reason (never the value)."""


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


def parse_date(raw: str) -> date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY``; empty is None."""
    if not raw:
        return None
    if len(raw) == 10:
        # The usual shapes first, through the C parser, which takes only ASCII digits in
        # exactly this layout; anything it refuses gets the full check for its reason.
        if raw[4] == "-" and raw[7] == "-":
            iso = raw
        elif raw[2] == "-" and raw[5] == "-":
            iso = f"{raw[6:]}-{raw[3:5]}-{raw[:2]}"
        else:
            iso = ""
        if iso:
            try:
                value = date.fromisoformat(iso)
            except ValueError:
                pass
            else:
                if value >= EARLIEST_DATE:
                    return value
    iso_match = _ISO_DATE.fullmatch(raw)
    dutch = _DUTCH_DATE.fullmatch(raw)
    try:
        if iso_match:
            value = date(int(iso_match[1]), int(iso_match[2]), int(iso_match[3]))
        elif dutch:
            value = date(int(dutch[3]), int(dutch[2]), int(dutch[1]))
        else:
            raise _Invalid(
                _("Write a date as YYYY-MM-DD (e.g. 2026-03-28) or DD-MM-YYYY (28-03-2026).")
            )
    except ValueError:
        raise _Invalid(_("This date does not exist.")) from None
    if value < EARLIEST_DATE:
        raise _Invalid(_("This date is before 1900."))
    return value


def parse_amount(raw: Any) -> Decimal | None:
    """Euros: ``1234.56``, ``1.234,56``, ``1234,56``, ``1,234.56`` or a JSON number; at
    most two decimals, never negative; empty is None."""
    if raw.__class__ is str and _AMOUNT_PLAIN.fullmatch(raw):
        # The usual notation; at most ten digits before the separator: never too large.
        return Decimal(raw.replace(",", ".")).quantize(_CENT)
    if isinstance(raw, bool):
        raise _Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    if isinstance(raw, int | float):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise _Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56.")) from None
        if not value.is_finite():
            raise _Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    else:
        text = str(raw).replace(" ", "").replace("\u00a0", "")
        text = text.removeprefix("€").removeprefix("EUR").removeprefix("eur")
        if not text:
            return None
        if text[:1] in ("-", "\u2212") or text.endswith("-"):
            raise _Invalid(_("An amount cannot be negative."))
        text = text.removeprefix("+")
        if _AMOUNT_DUTCH.fullmatch(text):
            value = Decimal(text.replace(".", "").replace(",", "."))
        elif _AMOUNT_ENGLISH.fullmatch(text):
            value = Decimal(text.replace(",", ""))
        else:
            raise _Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    if value < 0:
        raise _Invalid(_("An amount cannot be negative."))
    try:
        cents = value.quantize(_CENT)
    except InvalidOperation:
        # More digits than a Decimal holds (28): far above the largest amount.
        raise _Invalid(_("This amount is too large.")) from None
    if value != cents:
        raise _Invalid(_("An amount has at most two decimals."))
    if value > MAX_AMOUNT:
        raise _Invalid(_("This amount is too large."))
    return cents


def parse_bool(raw: Any) -> bool:
    """ja/nee, yes/no, true/false, 1/0 (or a JSON boolean); empty is no."""
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise _Invalid(_("Use true or false (also ja/nee, yes/no, 1/0), or leave it empty."))


def parse_signal_type(raw: str) -> str:
    value = raw.lower()
    if value not in _SIGNAL_TYPES:
        raise _Invalid(
            _("Unknown signal type; use one of %(types)s.")
            % {"types": ", ".join(SignalType.values)}
        )
    return value


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
    # ASCII digits only, as [0-9]+ (str.isdigit alone also takes e.g. "²").
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 100000:
        raise _Invalid(
            _("A house number is a whole number; put letters and additions in house_number_suffix.")
        )
    return int(raw)


def parse_risk_code(raw: str) -> str:
    value = raw.lower()
    if value and value not in _RISK_CODES:
        raise _Invalid(_("A risk category is one letter from a to l."))
    return value


def parse_bsn(raw: str) -> str:
    if not raw:
        return ""
    # Nine ASCII digits need no normalising (the usual case).
    bsn = raw if len(raw) == 9 and raw.isascii() and raw.isdigit() else normalise_bsn(raw)
    # Only ASCII digits: is_valid_bsn cannot read digits such as "²", and a BSN written
    # in other digits would get another pseudonym than the same number in 0-9.
    if not bsn.isascii() or not is_valid_bsn(bsn):
        raise _Invalid(_("This is not a valid BSN (it fails the 11-proef)."))
    return bsn


def parse_reference(raw: str) -> str:
    """The source's own id of the signal, as written; never a BSN (it would be stored and
    repeated in every report as the reference)."""
    if looks_like_bsn(raw):
        raise _Invalid(
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
_CENT = Decimal("0.01")
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
    except _Invalid as exc:
        fails.append((index, COLUMNS[index], str(exc)))
        return None


def _parse_plain(t: list[str]) -> tuple:
    """The values of a row of plain text (see ``_plain_texts``), all at once; raises
    ``_Invalid`` at the first bad one. The parsers are those of ``_parse_cells``."""
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
        except _Invalid:
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
    identified = bsn or (surname and (birth_date or (postcode and house_number)))
    if not identified and not _has_problem(
        fails, "bsn", "surname", "birth_date", "postcode", "house_number"
    ):
        fails.append(
            (
                _ROW_CHECKS,
                None,
                _(
                    "Say whom the signal is about: a bsn, or a surname with a birth_date or "
                    "with a postcode and house_number."
                ),
            )
        )

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
