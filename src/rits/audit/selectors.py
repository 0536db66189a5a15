from django.db.models import QuerySet

from rits.access.rules import Grant, access_log_grant
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
