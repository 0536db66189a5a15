from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rits.api"

    def ready(self) -> None:
        from rits.api import schema  # noqa: F401  (registers the OpenAPI extensions)
