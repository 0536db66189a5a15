"""Grant sources: each domain contributes the grounds it owns, and access answers from them.

A source answers two questions for a principal: which families may they see now
(``family_ids``), and on what ground, with which scope (``claims``, for one family or for
all). A source never builds a ``Grant`` itself: it returns a ``Claim`` and access turns it
into the grant, so that only access constructs grants. A new ground (a table's agenda, a
parent of a minor, an offer to my provider) is one ``register_grant_source`` call in its
app's ``AppConfig.ready`` plus its tests; ``grant_for``, ``visible_families`` and
``grants_by_family`` do not change."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Claim:
    """What a source found: on ``ground`` the principal sees ``family``, limited to
    ``domains`` and without the excluded persons and items."""

    family: Any  # rits.families.models.Family, with its municipality
    ground: str
    domains: frozenset[str]
    excluded_person_ids: frozenset[int] = frozenset()
    excluded_items: frozenset[tuple[str, int]] = frozenset()
    hidden_person_domains: frozenset[tuple[int, str]] = frozenset()


class GrantSource(Protocol):
    # The lower wins when two sources both give a family: one's own work comes before
    # break-the-glass, so that an involved professional is never recorded as an emergency.
    precedence: int

    def family_ids(self, principal, *, today: date) -> Iterable[int]: ...

    def claims(self, principal, *, today: date, family_id: int | None) -> dict[int, Claim]: ...


_sources: dict[str, GrantSource] = {}


def register_grant_source(ground: str, source: GrantSource) -> None:
    """Let ``source`` answer for ``ground`` (a source may own several grounds)."""
    if _sources.get(ground, source) is not source:
        raise ImproperlyConfigured(f"Ground {ground!r} already has a grant source.")
    _sources[ground] = source


def grant_sources() -> list[GrantSource]:
    """Every registered source once, the strongest ground first."""
    unique = {id(s): s for s in _sources.values()}.values()
    return sorted(unique, key=lambda s: s.precedence)


def registered_grounds() -> set[str]:
    return set(_sources)
