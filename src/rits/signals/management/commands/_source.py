"""Finding the signal source a command acts for."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from rits.core.intake import reading
from rits.organisations.models import Organisation
from rits.signals.intake import clients


def find_source(value: str) -> Organisation:
    """An organisation of a signal-source kind, by id or by exact name (case-insensitive)."""
    # A name from the command line may hold any bytes (as surrogates): no organisation's.
    text = reading.storable_text(value, 200)
    if value.isascii() and value.isdigit() and len(value) <= 18:
        organisation = Organisation.objects.filter(pk=int(value)).first()
    elif text == value.strip():
        matches = list(Organisation.objects.filter(name__iexact=text)[:2])
        organisation = matches[0] if len(matches) == 1 else None
    else:
        organisation = None
    if organisation is None:
        raise CommandError(
            _("No organisation %(source)s: give its id or its exact name.") % {"source": text}
        )
    if not organisation.is_signal_source:
        raise CommandError(clients.not_a_signal_source_reason(organisation))
    return organisation
