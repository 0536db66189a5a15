from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "rits.plans"

    def ready(self) -> None:
        from rits.plans import panels

        panels.register()
