from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "rits.worklist"
    verbose_name = _("Worklist")

    def ready(self) -> None:
        from rits.components.registry import register_nav, register_panel
        from rits.worklist import panels

        # The family page's open items and the inbox in the menu, for every kind of work
        # item (the pages call them alerts, as the coordinators do).
        register_panel(
            "alerts",
            order=25,
            template="worklist/panels/open_items.html",
            context=panels.open_items,
        )
        register_nav(
            "alerts",
            order=20,
            label=_("Alerts"),
            url_name="worklist:inbox",
            current_on=("worklist:inbox", "worklist:inbox-team"),
        )
