from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "rits.audit"

    def ready(self) -> None:
        # Every app's ``events.py`` declares its events in the catalogue.
        autodiscover_modules("events")
