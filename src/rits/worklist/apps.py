from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "rits.worklist"
    verbose_name = _("Worklist")

    def ready(self) -> None:
        from rits.components.registry import (
            CASEWORK,
            register_my_families_panel,
            register_my_work,
            register_nav,
            register_panel,
        )
        from rits.families.services import file_closed
        from rits.worklist import panels, services

        file_closed.connect(
            lambda sender, user, grant, **kwargs: services.dismiss_for_closed_file(
                user=user, grant=grant
            ),
            weak=False,
            dispatch_uid="worklist-file-closed",
        )

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
            roles=CASEWORK,
            current_on=("worklist:inbox", "worklist:inbox-team"),
        )
        # A team lead's own item for the team's work (the caseload is on the start page).
        register_nav(
            "team", order=25, label=_("Team"), url_name="worklist:inbox-team", roles=("team_lead",)
        )
        register_my_work("alerts", order=10, lines=panels.my_work)
        register_my_families_panel(
            "team_caseload",
            order=5,
            template="worklist/panels/team_caseload.html",
            context=panels.team_caseload,
        )
