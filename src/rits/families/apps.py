from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "rits.families"

    def ready(self) -> None:
        from rits.access.rules import Ground
        from rits.access.sources import register_grant_source
        from rits.families.grants import involvement_grants

        for ground in (Ground.COORDINATOR, Ground.INVOLVEMENT, Ground.TEAM):
            register_grant_source(ground, involvement_grants)
