from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AdministrationConfig(AppConfig):
    name = "rits.administration"
    default = True


class RitsAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with Rits's own site as ``admin.site``."""

    default = False
    default_site = "rits.administration.site.RitsAdminSite"
