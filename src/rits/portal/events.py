"""The portal's events (see ``rits.audit.catalogue``): what family members and their
network read and do in ``/mijn/``. Each read names its ground (self, parent_of_minor,
network_agreement, mentor) in the audit row, as every read of family data does."""

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction

declare(
    EventType(
        "portal.plan_viewed",
        AuditAction.VIEW,
        "portal.plan",
        access_log=_("looked at the plan in the family portal"),
    ),
    EventType(
        "portal.involved_viewed",
        AuditAction.VIEW,
        "portal.involved",
        access_log=_("looked at who is involved, in the family portal"),
    ),
    EventType(
        "portal.coming_up_viewed",
        AuditAction.VIEW,
        "portal.coming_up",
        access_log=_("looked at what is coming up, in the family portal"),
    ),
    EventType(
        "portal.access_log_viewed",
        AuditAction.VIEW,
        "portal.access_log",
        access_log=_("looked at who looked at the file, in the family portal"),
    ),
)
