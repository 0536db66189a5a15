"""The events of access itself: refused reads, emergency access and its review, and
reading the access log (see ``rits.audit.catalogue``)."""

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import ANY_OBJECT, EventType, declare
from rits.audit.models import AuditAction

declare(
    # The object type is what was tried: a family, its plan, its access log.
    EventType(
        "access.refused",
        AuditAction.REFUSED,
        ANY_OBJECT,
        access_log=_("tried to open the family's file and was refused"),
    ),
    EventType(
        "access.emergency_used",
        AuditAction.EMERGENCY_ACCESS,
        "family",
        access_log=_("opened the family's file with emergency access"),
    ),
    EventType(
        "access.emergency_reviewed",
        AuditAction.UPDATE,
        "emergency_access",
        access_log=_("reviewed an emergency access to the family's file"),
    ),
    EventType(
        "access.emergency_list_viewed",
        AuditAction.VIEW,
        "emergency_access.list",
        access_log=_("looked at the list of emergency accesses"),
    ),
    EventType(
        "access.log_viewed",
        AuditAction.VIEW,
        "family.access_log",
        access_log=_("looked at who looked at this file"),
    ),
)
declare(
    EventType(
        "access.log_exported",
        AuditAction.EXPORT,
        "family.access_log",
        access_log=_("exported who looked at this file"),
    ),
)
declare(
    EventType(
        "access.refusals_viewed",
        AuditAction.VIEW,
        "access.refusals",
        access_log=_("looked at the list of refused attempts"),
    ),
)
