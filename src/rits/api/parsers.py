"""The API's JSON parser: every text in a body checked once, for every endpoint."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from rits.core.params import contains_bsn, text_problem


class ReadableJSONParser(JSONParser):
    """DRF's JSON parser, but a body nested too deeply for Python's decoder to read (a
    ``RecursionError``) is a parse error (400) rather than a server error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None


class CheckedJSONParser(ReadableJSONParser):
    """The API's default parser: a lone surrogate ("\\ud800"), a NUL or another control
    character in any key or string is refused with a 400 naming where it is, before a
    serializer or the database sees it."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        problem = first_bad_text(data)
        if problem is not None:
            where, reason = problem
            raise ValidationError({where or "non_field_errors": [reason]})
        return data


def first_bad_text(data) -> tuple[str, str] | None:
    """Where in a parsed JSON document the first text that is not valid is, and why.
    Walked without recursion: the document may be deep."""
    pending = [("", data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            reason = text_problem(value)
            if reason is not None:
                return where, reason
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = text_problem(key)
                if reason is not None:
                    # the key itself cannot be shown: it is what is wrong
                    return where, reason
                # a key is named where it is wrong, but never a BSN used as a key
                shown = "(key)" if contains_bsn(key) else key
                pending.append((f"{where}.{shown}" if where else shown, item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None
