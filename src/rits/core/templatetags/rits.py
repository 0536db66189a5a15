from datetime import date

from django import template
from django.conf import settings
from django.utils import timezone

from rits.core import durations, languages

register = template.Library()


@register.filter
def age(birth_date: date | None) -> int | None:
    return age_on(birth_date, timezone.localdate())


def age_on(birth_date: date | None, today: date) -> int | None:
    """Full years on ``today`` (None without a date of birth)."""
    if not birth_date:
        return None
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@register.filter
def language_name(code: str) -> str:
    """The language's name in the reader's language ("Tigrinya" on a Dutch page)."""
    return languages.name_in_reader_language(code)


@register.filter
def own_language_name(code: str) -> str:
    """The language's name in itself ("ትግርኛ"), or "" when it is the same as the name in the
    reader's language: templates show it with ``lang`` set, for screen readers."""
    own = languages.own_name(code)
    return "" if own.casefold() == languages.name_in_reader_language(code).casefold() else own


@register.filter
def in_words(days: int) -> str:
    """A number of days said in words: 183 is "half a year" (rits.core.durations)."""
    return durations.in_words(days)


@register.simple_tag
def professional_languages() -> list[tuple[str, str]]:
    """The professionals' language switch: ``PROFESSIONAL_LANGUAGES`` (the portal's own
    switch lists the portal's), each with its name from ``LANGUAGES``."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in settings.PROFESSIONAL_LANGUAGES if code in names]
