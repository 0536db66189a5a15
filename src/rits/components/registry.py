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


# --- the main menu and the start page, per role ----------------------------------------

# Who a menu item or a start page is for: a professional's role (the values of
# organisations.ProfessionalRole). SIGNAL_SOURCE: the staff of a signal source who only
# deliver its signals.
SIGNAL_SOURCE = "signal_delivery"
CASEWORK = ("coordinator", "professional", "team_lead")


def role_of(professional, user=None) -> str:
    """The role the start page follows: the professional's main role; a superuser
    without a professional administers."""
    if professional is None:
        return "administrator" if user is not None and user.is_superuser else ""
    return professional.role


def roles_of(professional, user=None) -> frozenset[str]:
    """The roles the menu follows: every role the professional holds (a team lead who
    also keeps a privacy officer's workspace sees both), see ``Professional.roles``."""
    if professional is None:
        return frozenset({role_of(None, user)} - {""})
    return professional.roles


def _always(professional) -> bool:
    return True


@dataclass(frozen=True)
class NavItem:
    name: str
    order: int
    label: Any  # a lazy translation
    url_name: str
    # For whom the item shows (see ``roles_of``).
    roles: frozenset[str]
    # A further condition, called with the logged-in user's Professional (or None).
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
    roles: tuple[str, ...] | frozenset[str],
    visible: Callable[[Any], bool] = _always,
    current_on: tuple[str, ...] = (),
) -> None:
    """A main-menu item for ``roles`` (see ``roles_of``); ``current_on`` defaults to the
    item's own view."""
    _nav[name] = NavItem(
        name, order, label, url_name, frozenset(roles), visible, current_on or (url_name,)
    )


def unregister_nav(name: str) -> None:
    _nav.pop(name, None)


def nav_items_for(role: str) -> list[str]:
    """The names of the items shown to ``role`` (before any further condition), in order."""
    return [
        i.name for i in sorted(_nav.values(), key=lambda i: (i.order, i.name)) if role in i.roles
    ]


def nav_for(request, professional) -> list[ShownNavItem]:
    """The menu items this professional sees, in order, one marked as the current page:
    the item whose own view this is, else the first that names this view."""
    match = getattr(request, "resolver_match", None)
    here = match.view_name if match else ""
    roles = roles_of(professional, getattr(request, "user", None))
    items = [
        item
        for item in sorted(_nav.values(), key=lambda i: (i.order, i.name))
        if not item.roles.isdisjoint(roles) and item.visible(professional)
    ]
    current = next((i for i in items if i.url_name == here), None) or next(
        (i for i in items if here in i.current_on), None
    )
    return [ShownNavItem(str(i.label), reverse(i.url_name), i is current) for i in items]


# The start page ("/") of a role that does not start at "My families": a view name.
_start: dict[str, str] = {}


def register_start_page(role: str, url_name: str) -> None:
    """Where ``role`` (see ``role_of``) starts instead of "My families"."""
    _start[role] = url_name


def start_page_for(professional, user=None) -> str | None:
    """The address this professional starts at, or ``None`` for "My families"."""
    url_name = _start.get(role_of(professional, user))
    return reverse(url_name) if url_name else None


# --- "My work" on the start page ---------------------------------------------------------


@dataclass(frozen=True)
class WorkCount:
    """One line of "My work": how many, of what, and where the list of them is."""

    label: str
    count: int
    href: str


_my_work: dict[str, tuple[int, Callable[..., list[WorkCount]]]] = {}


def register_my_work(name: str, *, order: int, lines: Callable[..., list[WorkCount]]) -> None:
    """Lines of the "My work" summary on the start page: ``lines(request=)`` returns the
    counts its app keeps for this reader (through its own, audited selectors)."""
    _my_work[name] = (order, lines)


def my_work_names() -> list[str]:
    return [n for n, _ in sorted(_my_work.items(), key=lambda kv: (kv[1][0], kv[0]))]


def my_work_for(request) -> list[WorkCount]:
    found = []
    for name in my_work_names():
        found.extend(_my_work[name][1](request=request))
    return found
