"""The family's timeline events about work items: raised, a status changed, escalated.

Every timeline write of the worklist is here, in one place, so that it can move to the
families' one bulk writer (code and parameters) without touching the services. Each
event is in the life domain of its kind, so only who may see that domain sees it; the
system's events are in the region's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from rits.core.db import insert_rows
from rits.families.models import Family, FamilyEvent
from rits.families.services import record_event
from rits.worklist.kinds import kind_for, render_reason


def translation_of_region():
    """Timeline events written by the system are in the region's language."""
    return translation.override(settings.LANGUAGE_CODE)


def items_raised(created: Sequence, now: datetime) -> None:
    """One event per new item (``created``: drafts), in bulk: in the active language."""
    template = _("Alert: %(title)s. %(reason)s")
    kinds = {d.kind: kind_for(d.kind) for d in created}
    insert_rows(
        FamilyEvent,
        {
            "family_id": [d.family_id for d in created],
            "occurred_at": now,
            "kind": [f"{kinds[d.kind].event_prefix}_raised" for d in created],
            "description": [
                (
                    template
                    % {
                        "title": kinds[d.kind].title,
                        "reason": render_reason(d.reason_code, d.reason_params),
                    }
                )[:500]
                for d in created
            ],
            "domain": [kinds[d.kind].domain for d in created],
        },
    )


def status_changed(item, family: Family, description: str, *, user) -> None:
    kind = kind_for(item.kind)
    record_event(
        family=family,
        kind=f"{kind.event_prefix}_{item.status}",
        description=description,
        actor_user=user,
        domain=kind.domain,
    )


def items_escalated(rows: Sequence[tuple[str, int, object]], now: datetime) -> None:
    """One event per escalated item (``rows``: kind, family id, due date)."""
    with translation_of_region():
        FamilyEvent.objects.bulk_create(
            FamilyEvent(
                family_id=family_id,
                occurred_at=now,
                kind=f"{kind_for(kind).event_prefix}_escalated",
                description=(
                    _("Alert escalated to the team lead: %(title)s (due %(date)s)")
                    % {"title": kind_for(kind).title, "date": due.strftime("%d-%m-%Y")}
                )[:500],
                domain=kind_for(kind).domain,
            )
            for kind, family_id, due in rows
        )
