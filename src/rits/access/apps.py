from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_privacy_officer(professional) -> bool:
    return professional is not None and professional.has_role("privacy_officer")


class AccessConfig(AppConfig):
    name = "rits.access"

    def ready(self) -> None:
        from rits.access.rules import Ground, emergency_grants
        from rits.access.sources import register_grant_source

        register_grant_source(Ground.EMERGENCY, emergency_grants)

        from rits.components.registry import register_nav

        register_nav(
            "emergency_access",
            order=40,
            label=_("Emergency access"),
            url_name="access:emergency-access",
        )
        register_nav(
            "emergency_review",
            order=60,
            label=_("Review emergency access"),
            url_name="access:review-list",
            visible=_is_privacy_officer,
        )
