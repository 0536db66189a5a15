"""The family's timeline events about work items: raised, a status changed, escalated.

Every timeline write of the worklist is here and goes through the families' one bulk
writer, as a code plus parameters rendered when read. The code is the kind's
``event_prefix`` with what happened (``signal.alert_raised``, ``signal.alert_dismissed``,
...), declared in the catalogue of the kind's app; each event is in the life domain of its
kind, so only who may see that domain sees it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rits.families.services import TimelineEntry, record_timeline
from rits.worklist.kinds import kind_for


def _entry(kind_code: str, family_id: int, what: str, params: dict, actor_id=None):
    kind = kind_for(kind_code)
    return TimelineEntry(
        family_id=family_id,
        code=f"{kind.event_prefix}_{what}",
        params={"rule": kind_code, **params},
        domain=kind.domain,
        actor_id=actor_id,
    )


def items_raised(created: Sequence, now: datetime) -> None:
    """One event per new item (``created``: drafts), in bulk."""
    record_timeline(
        (
            _entry(
                d.kind,
                d.family_id,
                "raised",
                {"reason_code": d.reason_code, "reason_params": d.reason_params},
            )
            for d in created
        ),
        at=now,
    )


def status_changed(item, what: str, params: dict, *, user) -> None:
    """``what``: acknowledged, acted_on, acted_on_agreement, dismissed or reopened."""
    record_timeline([_entry(item.kind, item.family_id, what, params, actor_id=user.pk)])


def items_escalated(rows: Sequence[tuple[str, int, object]], now: datetime) -> None:
    """One event per escalated item (``rows``: kind, family id, due date)."""
    record_timeline(
        (
            _entry(kind, family_id, "escalated", {"due": due.isoformat()})
            for kind, family_id, due in rows
        ),
        at=now,
    )
