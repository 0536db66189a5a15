"""``manage.py activate_linkage_model <version>``: choose the linkage model linking uses."""

from django.core.management.base import BaseCommand, CommandError

from rits.audit.services import Actor
from rits.signals.linking import model_versions
from rits.signals.linking.model import LinkageModelUnavailable
from rits.signals.models import LinkageModel


class Command(BaseCommand):
    help = (
        "Make a version of the linkage model the one linking uses from its next run "
        "(audited). The committed default's version (e.g. default-1) activates the default. "
        "Without a version: list the versions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("version", nargs="?", default="")

    def handle(self, *args, version: str, **options) -> None:
        if not version:
            active = model_versions.active_version()
            for m in LinkageModel.objects.order_by("-created_at", "-id"):
                mark = "*" if m.version == active else " "
                self.stdout.write(f"{mark} {m.version}  {m.origin}  {m.created_at:%Y-%m-%d %H:%M}")
            self.stdout.write(f"active: {active}")
            return
        try:
            model = model_versions.activate_model(
                version, actor=Actor.system("activate_linkage_model command")
            )
        except (model_versions.UnknownModelVersion, LinkageModelUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"linkage model {model.version} is active")
