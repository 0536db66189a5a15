"""Reading a delivered file, whatever it holds: the intake toolkit's first half.

Shared by the family import (``families/importing/``), the signal intake
(``signals/intake/parsing.py``) and the coming iJw messages: decoding (a BOM, UTF-8 only, the
line of the first byte that is not), physical lines, the CSV delimiter, streamed JSON
arrays, and the per-row report (``Problem``) and ``FileUnreadable`` for a file refused
as a whole. Each format's own rules (columns, header checks, row checks) stay with it.
The cell parsers are in ``cells.py``."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

UTF8_BOM = b"\xef\xbb\xbf"
# A text that cannot be stored as it is: control characters and lone surrogates.
_UNFIT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


# --- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A rejected row (``field`` None: the whole row), a warning, or a file that cannot
    be read: where, which field, why, and (where the format has one) the row's own
    reference. A reason never quotes a cell: a BSN in the wrong column must not end up
    in a report or a log.

    ``line`` is the line in a CSV file (the header is line 1) or the position of the
    object in a JSON array (the first is 1); ``file`` names the file where one report
    covers several (the family import)."""

    line: int
    field: str | None
    reason: str
    reference: str = ""
    file: str = ""

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
    return "json" if text[:1] in (b"[", b"{") else "csv"


# --- decoding and lines -----------------------------------------------------------------


def decode(chunks: Iterable[bytes], *, lone_surrogates: bool = False) -> Iterator[str]:
    """UTF-8 text from byte chunks, without a BOM. Raises ``FileUnreadable`` naming the
    line of the first byte that is not UTF-8 (a file saved as Windows-1252 or Latin-1),
    or for a file saved as UTF-16.

    With ``lone_surrogates`` the bytes of a lone surrogate (ED A0 80) become that
    surrogate, for a reader that refuses it in its own field (the signal intake) instead
    of refusing the whole file."""
    errors = "surrogatepass" if lone_surrogates else "strict"
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
                        "('CSV UTF-8' in Excel) and try again; nothing from this file was "
                        "taken in."
                    ),
                )
            data = data.removeprefix(UTF8_BOM)
        try:
            # Any byte that is not UTF-8 refuses the file: it was saved in another
            # encoding (see ``lone_surrogates`` for the one exception).
            text, consumed = codecs.utf_8_decode(data, errors, False)
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
            text, _consumed = codecs.utf_8_decode(pending, errors, True)
        except UnicodeDecodeError:
            raise _not_utf8(newlines + 1) from None
        yield text


def _not_utf8(line: int) -> FileUnreadable:
    return FileUnreadable(
        line,
        _(
            "The file is not UTF-8: line %(line)d contains a character that is not valid "
            "UTF-8 (the file was probably saved as Latin-1 or Windows-1252). Save it as "
            "UTF-8 ('CSV UTF-8' in Excel) and try again; nothing from this file was "
            "taken in."
        )
        % {"line": line},
    )


def lines(texts: Iterable[str], *, max_chars: int | None = None) -> Iterator[str]:
    """Physical lines, split on line ends only (``\\n``, ``\\r\\n``, or ``\\r`` in a
    file that has no ``\\n`` at all). ``str.splitlines`` would also split on characters
    such as U+2028 that may appear inside a cell.

    With ``max_chars`` a line longer than that is cut to ``max_chars + 1`` characters
    while it is read (the reader refuses it as too long anyway): one line without an end
    in sight then costs neither memory nor re-scanning every following chunk."""
    keep = max_chars + 1 if max_chars is not None else None
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
                buffer = buffer[:keep] if keep and len(buffer) > keep else buffer
                continue
        *complete, buffer = buffer.split(separator)
        for line in complete:
            yield line.removesuffix("\r")
        buffer = buffer[:keep] if keep and len(buffer) > keep else buffer
    if buffer:
        if separator is None and "\r" in buffer:
            yield from buffer.rstrip("\r").split("\r")
        else:
            yield buffer.removesuffix("\r")


# --- CSV and JSON ---------------------------------------------------------------------------


def sniff_delimiter(header: str) -> str:
    """``;`` when the header line has more of them than commas (outside quotes), else ``,``."""
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return ";" if outside_quotes.count(";") > outside_quotes.count(",") else ","


class JsonArray:
    """The items of a JSON array, decoded one at a time from streamed text; an item
    longer than ``max_item_chars`` is a syntax error (it cannot be a row)."""

    def __init__(self, texts: Iterable[str], *, max_item_chars: int = 100_000) -> None:
        self._max_item_chars = max_item_chars
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
                if len(self._buffer) - self._pos > self._max_item_chars or not self._fill():
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
