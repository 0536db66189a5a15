from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "rits.scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        # Each app registers its daily jobs in its own ``jobs.py``.
        autodiscover_modules("jobs")
