"""Numbers and text from a request, checked before they reach the database.

A number in a request is ASCII digits only and within a range: ``int()`` also takes
" 7", "+7", "1_000" and other scripts' digits ("١٢"), and the database refuses a number
beyond its bigint with a server error. A text is valid Unicode without NUL or other
control characters: a lone surrogate ("\\ud800", possible in JSON) cannot be encoded for
the database, and PostgreSQL refuses NUL in text with a server error.

Three ways in, one rule: :func:`parse_int` and :func:`check_text` (raise
:class:`BadParameter`), :func:`query_int` and :func:`query_text` for DRF views (raise a
``ValidationError`` naming the parameter), and the form field :class:`RequestIntegerField`
and validator :func:`validate_text` for Django forms."""

import re
from urllib.parse import unquote_plus

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.core.bsn import is_valid_bsn, normalise_bsn

# The largest number the database holds (bigint): no id, offset or count goes beyond it.
MAX_ID = 2**63 - 1

# C0 controls and DEL, but tab, newline and carriage return, which text areas send.
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\t", "\n", "\r"}


class BadParameter(ValueError):
    """A request parameter that is not what it must be; ``str()`` says why, readably."""

    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason


def _range_reason(minimum: int, maximum: int) -> str:
    if maximum >= MAX_ID:
        return _("A whole number of %(min)d or more, in digits 0-9.") % {"min": minimum}
    return _("A whole number from %(min)d to %(max)d, in digits 0-9.") % {
        "min": minimum,
        "max": maximum,
    }


def parse_int(value: object, *, name: str, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """``value`` as a whole number from ``minimum`` to ``maximum`` (default: an id)."""
    text = value if isinstance(value, str) else str(value)
    # Longer than any bigint: refused before int() spends time on a million digits.
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise BadParameter(name, _range_reason(minimum, maximum))
    number = int(text)
    if not minimum <= number <= maximum:
        raise BadParameter(name, _range_reason(minimum, maximum))
    return number


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored or searched as text, or None when it can."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("Contains characters that are not valid text (a lone surrogate).")
    if not _CONTROL.isdisjoint(value):
        return _("Contains control characters (such as NUL), which text may not contain.")
    return None


def check_text(value: str, *, name: str) -> str:
    """``value`` when it is valid Unicode without NUL or control characters."""
    reason = text_problem(value)
    if reason is not None:
        raise BadParameter(name, reason)
    return value


# --- DRF ---------------------------------------------------------------------------


def _drf_error(exc: BadParameter):
    from rest_framework.exceptions import ValidationError

    return ValidationError({exc.name: [exc.reason]})


def query_int(
    request, name: str, *, default: int | None = None, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """Query parameter ``name`` as a number in range, ``default`` when absent or empty;
    a DRF ``ValidationError`` (400, naming the parameter) otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_int(raw, name=name, minimum=minimum, maximum=maximum)
    except BadParameter as exc:
        raise _drf_error(exc) from None


def query_text(request, name: str, *, default: str = "", max_length: int | None = None) -> str:
    """Query parameter ``name`` as checked text (see :func:`check_text`)."""
    raw = request.query_params.get(name, default)
    try:
        check_text(raw, name=name)
    except BadParameter as exc:
        raise _drf_error(exc) from None
    if max_length is not None and len(raw) > max_length:
        raise _drf_error(BadParameter(name, _("At most %(max)d characters.") % {"max": max_length}))
    return raw


# --- Django forms ------------------------------------------------------------------


def validate_text(value: str) -> None:
    """A form validator: refuses lone surrogates, NUL and other control characters."""
    reason = text_problem(value)
    if reason is not None:
        raise DjangoValidationError(reason, code="invalid_text")


class RequestIntegerField(forms.IntegerField):
    """A whole number typed or sent in a form: ASCII digits only, within a range (by
    default an id). Django's IntegerField takes other scripts' digits, and no upper
    bound unless told."""

    default_error_messages = {"invalid": gettext_lazy("Enter a whole number in digits 0-9.")}

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_ID, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


# --- BSNs in URLs ------------------------------------------------------------------

# A run of digits, possibly grouped by spaces, dots or dashes, as a BSN is written.
_DIGIT_RUN = re.compile(r"\d[\d .\-]{6,}\d")


def _is_bsn_run(run: str) -> bool:
    digits = normalise_bsn(run)
    if is_valid_bsn(digits):
        return True
    # a longer run may hold one: every window of nine digits
    return len(digits) > 9 and any(is_valid_bsn(digits[i : i + 9]) for i in range(len(digits) - 8))


def contains_bsn(text: str) -> bool:
    """Whether ``text`` has a BSN in it (nine or eight digits, possibly grouped, that pass
    the 11-proef), anywhere: then it must not be echoed into a page or a URL."""
    return any(_is_bsn_run(run) for run in _DIGIT_RUN.findall(text))


BSN_MASK = "•••••••••"


def mask_bsn(text: str) -> str:
    """``text`` with every BSN in it replaced by dots: what a form may echo back of a text
    that was refused for holding one, so that the rest of what was written is not lost."""
    return _DIGIT_RUN.sub(lambda m: BSN_MASK if _is_bsn_run(m.group()) else m.group(), text)


def without_bsn_query(url: str) -> str:
    """``url`` without its query string when that contains a BSN or text that is not
    valid (see :func:`check_text`): for a ``next`` URL put into a form or a redirect."""
    path, sep, query = url.partition("?")
    if not sep:
        return url
    decoded = unquote_plus(query)
    if contains_bsn(decoded) or text_problem(decoded) is not None:
        return path
    return url
