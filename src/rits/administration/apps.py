from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


def _is_administrator(professional) -> bool:
    return professional is not None and professional.has_role("administrator")


class AdministrationConfig(AppConfig):
    name = "rits.administration"
    default = True

    def ready(self) -> None:
        from rits.components.registry import register_nav

        register_nav(
            "administration",
            order=90,
            label=_("Administration"),
            url_name="admin:index",
            visible=_is_administrator,
        )


class RitsAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with Rits's own site as ``admin.site``."""

    default = False
    default_site = "rits.administration.site.RitsAdminSite"
