from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "rits.families"

    def ready(self) -> None:
        from rits.access.rules import Ground
        from rits.access.sources import register_grant_source
        from rits.families.grants import involvement_grants

        for ground in (Ground.COORDINATOR, Ground.INVOLVEMENT, Ground.TEAM):
            register_grant_source(ground, involvement_grants)

        from rits.components.registry import CASEWORK, register_my_work, register_nav
        from rits.families import panels

        panels.register()
        register_nav(
            "my_families",
            order=10,
            label=_("My families"),
            url_name="families:my-families",
            roles=CASEWORK,
        )
        register_my_work("not_looked_at", order=40, lines=panels.my_work)
