"""Finding the signal source a command acts for."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from rits.organisations.models import Organisation


def find_source(value: str) -> Organisation:
    """An organisation by id or by exact name (case-insensitive)."""
    if value.isdigit():
        organisation = Organisation.objects.filter(pk=int(value)).first()
    else:
        matches = list(Organisation.objects.filter(name__iexact=value.strip())[:2])
        organisation = matches[0] if len(matches) == 1 else None
    if organisation is None:
        raise CommandError(
            _("No organisation %(source)s: give its id or its exact name.") % {"source": value}
        )
    return organisation
