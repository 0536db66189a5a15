from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The family's own pages (``/mijn/``): family members and their network, logged in as
    citizens, see their plan on the grounds this app registers in ``rits.access``."""

    name = "rits.portal"
    verbose_name = _("Family portal")

    def ready(self) -> None:
        from rits.access.principals import register_principal_resolver
        from rits.access.sources import register_grant_source
        from rits.portal import grants

        register_principal_resolver(grants.citizen_principal)
        for ground in grants.CITIZEN_GROUNDS:
            register_grant_source(ground, grants.citizen_grants)
