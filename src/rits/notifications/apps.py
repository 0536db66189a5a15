from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "rits.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Each app declares the kinds of notice it sends in its own ``notices.py``
        # (rits.notifications.kinds.register), so a notification renders in the reader's
        # language whichever page asks first.
        autodiscover_modules("notices")
