"""The audit events of the worklist (see ``rits.audit.catalogue``): an item raised,
read, changed or escalated, and the inboxes read.

An item is audited under its kind's object type (``WorkItemKind.audit_type``): an
alert's rows are ``signal.alert``'s, declared by signals, so these events let their
writer name it; ``work_item`` is the object type of a kind that names none. The
timeline's events are the kinds' own (``<event_prefix>_raised``, ...)."""

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction

ITEM_CHANGED = _("changed a work item about the family")

declare(
    EventType(
        "work_item.raised",
        AuditAction.CREATE,
        "work_item",
        access_log=_("raised a work item about the family"),
        writer_names_object=True,
    ),
    EventType(
        "work_item.viewed",
        AuditAction.VIEW,
        "work_item",
        access_log=_("looked at a work item about the family"),
        writer_names_object=True,
    ),
    EventType(
        "work_item.changed",
        AuditAction.UPDATE,
        "work_item",
        access_log=ITEM_CHANGED,
        writer_names_object=True,
    ),
    EventType(
        "work_item.escalated",
        AuditAction.UPDATE,
        "work_item",
        access_log=ITEM_CHANGED,
        writer_names_object=True,
    ),
    EventType(
        "work_item.inbox_viewed",
        AuditAction.VIEW,
        "work_item.inbox",
        access_log=_("saw a work item about the family in their inbox"),
    ),
    EventType(
        "work_item.team_inbox_viewed",
        AuditAction.VIEW,
        "work_item.team_inbox",
        access_log=_("saw a work item about the family in their team's inbox"),
    ),
)
