"""Registries through which apps compose the shared pages without the page's own app
importing them: the family page's panels, the sections of "My families" and the main
menu. Each app fills them in its ``AppConfig.ready``; a page asks for what is
registered, in order.

A panel's context function reads through its own app's selector, with the grant the
page already holds (so a panel never decides access itself), and returns ``None`` when
it has nothing to show for this reader: the panel is then left out."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Panel:
    name: str
    order: int
    template: str
    context: Callable[..., dict | None]


@dataclass(frozen=True)
class ShownPanel:
    """A panel as one page shows it: its template and the context it returned."""

    name: str
    template: str
    context: dict


class PanelRegistry:
    def __init__(self, page: str):
        self.page = page
        self._panels: dict[str, Panel] = {}

    def register(self, name: str, *, order: int, template: str, context: Callable) -> None:
        """Register (or replace, by name) a panel; ``context`` is called with keyword
        arguments that the page documents and returns a dict, or ``None`` to hide it."""
        self._panels[name] = Panel(name, order, template, context)

    def unregister(self, name: str) -> None:
        self._panels.pop(name, None)

    def names(self) -> list[str]:
        return [p.name for p in sorted(self._panels.values(), key=lambda p: (p.order, p.name))]

    def shown(self, **kwargs: Any) -> list[ShownPanel]:
        """The panels to show, in order, each with the context it returned."""
        shown = []
        for panel in sorted(self._panels.values(), key=lambda p: (p.order, p.name)):
            context = panel.context(**kwargs)
            if context is not None:
                shown.append(ShownPanel(panel.name, panel.template, context))
        return shown


# The family page (families overview): context(grant=, request=, overview=), where
# ``overview`` is the page's own audited read (families.selectors.FamilyOverview: the
# family, its members, involvements, network and timeline as the grant allows).
family_panels = PanelRegistry("family")
# The "My families" page: context(request=).
my_families_panels = PanelRegistry("my_families")


def register_panel(name: str, *, order: int, template: str, context: Callable) -> None:
    """A panel on the family page; see ``family_panels``."""
    family_panels.register(name, order=order, template=template, context=context)


def register_my_families_panel(name: str, *, order: int, template: str, context: Callable) -> None:
    """A section of the "My families" page (above the search); see ``my_families_panels``."""
    my_families_panels.register(name, order=order, template=template, context=context)


# --- the main menu --------------------------------------------------------------------


def _always(professional) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    name: str
    order: int
    label: Any  # a lazy translation
    url_name: str
    # Who sees the item: called with the logged-in user's Professional (or None).
    visible: Callable[[Any], bool] = _always
    # The views (namespace:name) on which the item is the current page.
    current_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShownNavItem:
    label: str
    href: str
    current: bool


_nav: dict[str, NavItem] = {}


def register_nav(
    name: str,
    *,
    order: int,
    label,
    url_name: str,
    visible: Callable[[Any], bool] = _always,
    current_on: tuple[str, ...] = (),
) -> None:
    """A main-menu item; ``current_on`` defaults to the item's own view."""
    _nav[name] = NavItem(name, order, label, url_name, visible, current_on or (url_name,))


def unregister_nav(name: str) -> None:
    _nav.pop(name, None)


def nav_for(request, professional) -> list[ShownNavItem]:
    """The menu items this professional sees, in order, the current page marked."""
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    return [
        ShownNavItem(str(item.label), reverse(item.url_name), here in item.current_on)
        for item in sorted(_nav.values(), key=lambda i: (i.order, i.name))
        if item.visible(professional)
    ]
