from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rits.access"

    def ready(self) -> None:
        from rits.access.rules import Ground, emergency_grants
        from rits.access.sources import register_grant_source

        register_grant_source(Ground.EMERGENCY, emergency_grants)
