"""The kinds of work item, as the domains register them (signals: one per rule; later
the regional table's follow-ups, funding's deadlines, transitions' 16½ reminders).

A kind says what the worklist cannot know itself: its title, the life domains its items
are about (who besides the assignee sees them: whoever may see the family and one of
those domains, ``rits.access.sees_work_item``), whether a team lead may read its reason
for a family nobody in the team may see yet, whether its items are a crisis, how its
events are named in the audit log and on the timeline, and, optionally, the details an
inbox line shows (the signals behind an alert), loaded in bulk for a page of lines, and
what the agreement an item leads to could say (the act page's first text).

Reasons are stored as a code plus plain-JSON parameters and rendered here at read time,
in the reader's language: each kind registers the renderers of its reason codes. Rows
copied from before (stored Dutch and English sentences) carry ``legacy.text``.

Registered in the domains' ``AppConfig.ready``; the worklist imports no domain."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import get_language

# The longest reason an inbox shows, as the stored sentences were.
REASON_LENGTH = 500
LEGACY_TEXT = "legacy.text"

# The details of a page of lines: work items in, a list per work item id out.
DetailLoader = Callable[[Sequence], dict[int, list]]


@dataclass(frozen=True)
class WorkItemKind:
    code: str
    title: object  # a (lazy) translatable string
    domains: tuple[str, ...] = ()
    # Its reason names no one: a team lead may read it without family data.
    reason_names_no_one: bool = False
    crisis: bool = False
    # How its events are named: the audit log's object type, the timeline's kinds
    # (``<event_prefix>_raised``, ``_acknowledged``, ...).
    audit_type: str = "work_item"
    event_prefix: str = "work_item"
    details: DetailLoader | None = None
    # The template that shows a line's details (``line.details``) on its inbox card.
    details_template: str = ""
    # The template that sums up a line's details above a form about it (act, dismiss).
    summary_template: str = ""
    # What the agreement in the plan could say when someone acts on an item (called
    # with its ``selectors.WorkItemLine``); without it, or when it returns "", the
    # worklist suggests a follow-up of the item.
    suggest_action: Callable[..., str] | None = None

    @property
    def domain(self) -> str:
        """The life domain of its timeline events (empty: the household's)."""
        return self.domains[0] if self.domains else ""


def _legacy_text(params: dict) -> str:
    language = (get_language() or "nl")[:2]
    return str(params.get(language) or params.get("nl") or "")


_KINDS: dict[str, WorkItemKind] = {}
_REASONS: dict[str, Callable[[dict], str]] = {LEGACY_TEXT: _legacy_text}


def register_kind(kind: WorkItemKind, reasons: dict[str, Callable[[dict], str]]) -> None:
    """Register ``kind`` and the renderers of its reason codes (params → one sentence in
    the active language). Registering the same code twice replaces it (a reload)."""
    _KINDS[kind.code] = kind
    _REASONS.update(reasons)


def kind_for(code: str) -> WorkItemKind:
    """The registered kind of ``code``; an unknown code (a kind whose app is gone) is a
    kind about no domain, titled by its code, so that its items stay readable to the
    coordinator and nobody else."""
    return _KINDS.get(code) or WorkItemKind(code=code, title=code)


def kinds() -> Iterable[WorkItemKind]:
    return _KINDS.values()


def render_reason(code: str, params: dict) -> str:
    """The reason in the active language; an unknown code renders empty (nothing to
    show rather than a code)."""
    render = _REASONS.get(code)
    return str(render(params or {}))[:REASON_LENGTH] if render else ""
