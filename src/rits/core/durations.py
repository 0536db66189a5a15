"""A number of days said the way people say it: "half a year", not "183 days".

Settings keep their periods in days (they are counted in days); a screen or a letter says the
period in words. Round numbers of years, months and weeks are named as such; anything else
stays a number of days, so nothing is rounded into something it is not.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

YEAR = 365
HALF_YEAR = 183
MONTH = 30


def in_words(days: int) -> str:
    days = int(days)
    if days >= YEAR and _close(days, YEAR):
        years = round(days / YEAR)
        return (
            _("a year")
            if years == 1
            else ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
        )
    if abs(days - HALF_YEAR) <= 1:
        return _("half a year")
    if 28 <= days < 335 and _close(days, MONTH, slack_per_unit=1):
        months = round(days / MONTH)
        return (
            _("a month")
            if months == 1
            else ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
        )
    if days >= 7 and days % 7 == 0:
        weeks = days // 7
        return (
            _("a week")
            if weeks == 1
            else ngettext("%(n)d week", "%(n)d weeks", weeks) % {"n": weeks}
        )
    return _("a day") if days == 1 else ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _close(days: int, unit: int, slack_per_unit: int = 0) -> bool:
    """Whether days is a whole number of units, allowing a day per unit (months are 28 to 31
    days; 730 days are two years) and one leap day per year."""
    units = round(days / unit)
    if units < 1:
        return False
    slack = units * slack_per_unit if slack_per_unit else units // 4 + 1
    return abs(days - units * unit) <= slack
