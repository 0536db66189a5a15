from django.db.models import QuerySet

from rits.access.rules import Grant, Ground, access_log_grant
from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor, log_event


def family_access_log(
    *, user, family_id: int | str, limit: int = 200
) -> tuple[Grant, list[AuditEvent]]:
    """Who saw or changed this family's data, newest first. Reading the log is itself logged."""
    grant = access_log_grant(user, family_id)
    events: QuerySet[AuditEvent] = AuditEvent.objects.filter(family_id=grant.family.pk).order_by(
        "-occurred_at", "-id"
    )
    if grant.ground != Ground.PRIVACY_OFFICER:
        # Refused attempts at this family are the privacy officer's to follow up.
        events = events.exclude(action=AuditAction.REFUSED)
    result = list(events[:limit])
    log_event(
        action=AuditAction.VIEW,
        actor=Actor.for_user(user),
        object_type="family.access_log",
        object_id=grant.family.pk,
        family_id=grant.family.pk,
        ground=grant.ground,
    )
    return grant, result
