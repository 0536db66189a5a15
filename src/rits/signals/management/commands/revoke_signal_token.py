"""``manage.py revoke_signal_token PREFIX``: stop a signal source's API key at once."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rits.audit.services import Actor
from rits.signals.intake import clients
from rits.signals.models import SignalSourceToken


class Command(BaseCommand):
    help = (
        "Revoke a signal source's API key, named by its first 16 characters (as printed "
        "when it was issued). It is refused from then on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", metavar="PREFIX", help="The key's first 16 characters.")

    def handle(self, *args, prefix: str, **options) -> None:
        # A prefix is ASCII ("rits_" and base64); anything else (a surrogate from the
        # command line) would only trouble the database.
        if not prefix.isascii() or not prefix.isprintable():
            raise CommandError(_("No active key starts with %(prefix)s.") % {"prefix": "?"})
        tokens = list(
            SignalSourceToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related(
                "organisation"
            )[:2]
        )
        if len(tokens) != 1:
            raise CommandError(
                _("No active key starts with %(prefix)s.") % {"prefix": prefix}
                if not tokens
                else _("More than one active key starts with %(prefix)s.") % {"prefix": prefix}
            )
        token = clients.revoke_token(
            token=tokens[0], actor=Actor.system("revoke_signal_token command")
        )
        self.stdout.write(
            _("Revoked %(prefix)s… of %(organisation)s (%(name)s).")
            % {"prefix": token.prefix, "organisation": token.organisation.name, "name": token.name}
        )
