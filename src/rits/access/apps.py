from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "rits.access"

    def ready(self) -> None:
        from rits.access.rules import Ground, emergency_grants
        from rits.access.sources import register_grant_source

        register_grant_source(Ground.EMERGENCY, emergency_grants)

        from rits.components.registry import register_nav, register_start_page

        # Emergency access is not in the menu: it is offered where a search finds no
        # family of one's own ("My families"), and reviewed from the privacy workspace.
        register_nav(
            "privacy",
            order=60,
            label=_("Privacy workspace"),
            url_name="access:privacy",
            roles=("privacy_officer",),
            current_on=("access:privacy", "access:review-list", "access:access-log"),
        )
        register_start_page("privacy_officer", "access:privacy")
