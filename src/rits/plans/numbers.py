"""Whole numbers read from a request, for the plan's pages and API.

``int()`` reads more than a person types into a number field: other scripts' digits
(``int("٣") == 3``) and, through ``str.isdigit``, signs it then cannot read (``"²"``).
Here a number is ASCII digits only and lies within what its column holds; anything else
is an ordinary invalid value, never a server error. The rule itself is
``rits.core.params.parse_int``; this module gives the plan's forms and API their shapes of it."""

from django import forms
from rest_framework import serializers

from rits.core.params import MAX_ID, BadParameter, parse_int

MAX_REVISION = 2**31 - 1  # Plan.revision and PlanVersion.number are 32-bit columns


def whole_number(raw, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from ``minimum`` to ``maximum``; None when it is not
    one (other digits than 0-9, a sign, a fraction, too big)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if minimum <= raw <= maximum else None
    try:
        return parse_int(str(raw).strip(), name="", minimum=minimum, maximum=maximum)
    except BadParameter:
        return None


class WholeNumberFormField(forms.IntegerField):
    """A form's ``IntegerField`` that reads ASCII digits only."""

    def to_python(self, value):
        if value not in self.empty_values and not str(value).strip().isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class WholeNumberField(serializers.IntegerField):
    """The API's ``IntegerField`` that reads ASCII digits only (JSON numbers, or
    strings of 0-9)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            self.fail("invalid")
        return super().to_internal_value(data)
