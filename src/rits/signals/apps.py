from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "rits.signals"
    verbose_name = _("Signals")

    def ready(self) -> None:
        from rits.signals import schema  # noqa: F401  (registers the OpenAPI extension)
