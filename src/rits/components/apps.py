from django.apps import AppConfig


class ComponentsConfig(AppConfig):
    """The UI components (inclusion tags) and the registries through which apps compose
    the shared pages: the family page's panels, the "My families" page and the menu.
    It knows no domain: the apps register into it in their ``AppConfig.ready``."""

    name = "rits.components"
