"""Where a work item is handed on once it exists: after the transaction that raised or
escalated it commits, ``raised`` and ``escalated`` are sent with the items' ids (never
a name). Notifications (in-app, e-mail) connect here; the worklist knows none of them."""

from collections.abc import Sequence

from django.db import transaction
from django.dispatch import Signal

# Receivers get ``ids``: the work items' ids, in the order they were raised or escalated.
raised = Signal()
escalated = Signal()


def hand_on(event: Signal, ids: Sequence[int]) -> None:
    """Send ``event`` with ``ids`` when the current transaction commits (at once
    without one); nothing for no ids."""
    if ids:
        ids = list(ids)
        transaction.on_commit(lambda: event.send(sender=hand_on, ids=ids))
