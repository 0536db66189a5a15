"""Dates and times as the reader reads them: in the region's local time (TIME_ZONE, or
the zone a request activated) and in the active language. Used by the ``{% date %}``
component and by Python code that puts a time into a message (the emergency banner)."""

from datetime import date, datetime

from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

# Numeric styles read the same in every language; "long" names the month in the
# reader's language (Django's DATE_FORMAT for it).
STYLES = {
    "date": "d-m-Y",
    "datetime": "d-m-Y H:i",
    "seconds": "d-m-Y H:i:s",
    "time": "H:i",
}


def local(value: date | datetime) -> date | datetime:
    """An aware datetime in local time; a naive one or a date as it is."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def machine_value(value: date | datetime) -> str:
    """The ``datetime`` attribute of ``<time>``: ISO 8601, a time with its UTC offset."""
    value = local(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def human_value(value: date | datetime, style: str = "date") -> str:
    value = local(value)
    if style == "long":
        return formats.date_format(value, "DATE_FORMAT")
    if style == "long_datetime":
        return formats.date_format(value, "DATETIME_FORMAT")
    if style not in STYLES:
        raise ValueError(f"unknown date style {style!r}; one of {sorted(STYLES)} or 'long'")
    return dateformat.format(value, STYLES[style])


def time_element(value: date | datetime, style: str = "date") -> SafeString:
    """``<time datetime="…">…</time>``: what ``{% date %}`` renders."""
    return format_html(
        '<time datetime="{}">{}</time>', machine_value(value), human_value(value, style)
    )
