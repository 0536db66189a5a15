from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "rits.organisations"
    verbose_name = "Organisations"
