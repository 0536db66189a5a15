"""``manage.py issue_signal_token --source <organisation> --name <what it is for>``."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from rits.audit.services import Actor
from rits.signals.intake import clients
from rits.signals.management.commands._source import find_source


class Command(BaseCommand):
    help = (
        "Issue an API key with which a signal source delivers signals "
        "(Authorization: Token <key>). The key is shown once; only its hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, help="The organisation: id or exact name.")
        parser.add_argument("--name", required=True, help="What the key is for.")

    def handle(self, *args, **options) -> None:
        organisation = find_source(options["source"])
        token, plaintext = clients.issue_token(
            organisation=organisation,
            name=options["name"],
            actor=Actor.system("issue_signal_token command"),
        )
        self.stdout.write(
            _(
                "API key for %(organisation)s (%(name)s), shown only now; revoke it with "
                "`manage.py revoke_signal_token %(prefix)s`:"
            )
            % {"organisation": organisation.name, "name": token.name, "prefix": token.prefix}
        )
        self.stdout.write(plaintext)
