"""Dutch cell parsers: the intake toolkit's second half.

One reading of a date, a yes-or-no, a postcode, a house number and an amount for every
intake format (the family import, the signal intake, the coming iJw messages), so that a
value accepted in one file is accepted in the other. A parser returns the value or
raises ``Invalid`` with the reason, which never quotes the cell (a BSN in the wrong
column must not end up in a report). The hot path of the signal intake calls these per
cell: the usual shapes are checked first and cheaply."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MAX_AMOUNT = Decimal("9999999999.99")
EARLIEST_DATE = date(1900, 1, 1)
# The union of what the family import and the signal intake accepted before they shared
# this parser (docs/import-format.md, docs/signal-format.md).
TRUE_VALUES = frozenset({"ja", "j", "yes", "y", "true", "1"})
FALSE_VALUES = frozenset({"nee", "n", "no", "false", "0", ""})

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DUTCH_DATE = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
UNUSED_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
# "1.234,56" / "1234,56" (Dutch) and "1,234.56" / "1234.56": a separator followed by
# exactly three digits groups thousands, one followed by one or two digits is decimal.
_AMOUNT_DUTCH = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?")
_AMOUNT_ENGLISH = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
# Digits with one or two decimals after a point or a comma, no thousands: read alike by
# both patterns above.
_AMOUNT_PLAIN = re.compile(r"[0-9]{1,10}(?:[.,][0-9]{1,2})?")
_CENT = Decimal("0.01")


class Invalid(Exception):
    """A value that cannot be used; the message is the reason (never the value)."""


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
            raise Invalid(
                _("Write a date as YYYY-MM-DD (e.g. 2026-03-28) or DD-MM-YYYY (28-03-2026).")
            )
    except ValueError:
        raise Invalid(_("This date does not exist.")) from None
    if value < EARLIEST_DATE:
        raise Invalid(_("This date is before 1900."))
    return value


def parse_amount(raw: Any) -> Decimal | None:
    """Euros: ``1234.56``, ``1.234,56``, ``1234,56``, ``1,234.56`` or a JSON number; at
    most two decimals, never negative; empty is None."""
    if raw.__class__ is str and _AMOUNT_PLAIN.fullmatch(raw):
        # The usual notation; at most ten digits before the separator: never too large.
        return Decimal(raw.replace(",", ".")).quantize(_CENT)
    if isinstance(raw, bool):
        raise Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    if isinstance(raw, int | float):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56.")) from None
        if not value.is_finite():
            raise Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    else:
        text = str(raw).replace(" ", "").replace("\u00a0", "")
        text = text.removeprefix("€").removeprefix("EUR").removeprefix("eur")
        if not text:
            return None
        if text[:1] in ("-", "\u2212") or text.endswith("-"):
            raise Invalid(_("An amount cannot be negative."))
        text = text.removeprefix("+")
        if _AMOUNT_DUTCH.fullmatch(text):
            value = Decimal(text.replace(".", "").replace(",", "."))
        elif _AMOUNT_ENGLISH.fullmatch(text):
            value = Decimal(text.replace(",", ""))
        else:
            raise Invalid(_("Write an amount in euros, e.g. 1234.56 or 1.234,56."))
    if value < 0:
        raise Invalid(_("An amount cannot be negative."))
    try:
        cents = value.quantize(_CENT)
    except InvalidOperation:
        # More digits than a Decimal holds (28): far above the largest amount.
        raise Invalid(_("This amount is too large.")) from None
    if value != cents:
        raise Invalid(_("An amount has at most two decimals."))
    if value > MAX_AMOUNT:
        raise Invalid(_("This amount is too large."))
    return cents


def parse_bool(raw: Any) -> bool:
    """ja/nee, j/n, yes/no, y/n, true/false, 1/0 (any case, or a JSON boolean); empty is
    no. The one reading of a yes-or-no cell in every intake format."""
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise Invalid(_("Use true or false (also ja/nee, j/n, yes/no, y/n, 1/0), or leave it empty."))


def parse_postcode(raw: str) -> str:
    """Normalised to ``1234AB``; empty stays empty."""
    compact = raw.replace(" ", "").upper()
    if not compact:
        return ""
    if not _POSTCODE.fullmatch(compact) or compact[4:] in UNUSED_POSTCODE_LETTERS:
        raise Invalid(_("This is not a Dutch postcode; write it as 1234 AB."))
    return compact


def parse_house_number(raw: str) -> int | None:
    if not raw:
        return None
    # ASCII digits only, as [0-9]+ (str.isdigit alone also takes e.g. "²").
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 100000:
        raise Invalid(
            _("A house number is a whole number; put letters and additions in house_number_suffix.")
        )
    return int(raw)
