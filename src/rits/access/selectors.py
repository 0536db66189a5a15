from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from rits.access.models import EmergencyAccess
from rits.access.rules import Ground, require_role
from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.organisations.models import ProfessionalRole


def _for_review(*, user, reviewed: bool) -> QuerySet[EmergencyAccess]:
    require_role(user, ProfessionalRole.PRIVACY_OFFICER)
    return (
        EmergencyAccess.objects.filter(reviewed_at__isnull=not reviewed)
        .select_related(
            "professional__user", "professional__organisation", "family", "reviewed_by__user"
        )
        .order_by("-started_at")
    )


def emergency_review_list(*, user, reviewed_limit: int = 50) -> tuple[list, list]:
    """The review list for a privacy officer: who broke the glass, for which family and
    why; pending first, then the most recent reviewed. Reading it is audited."""
    pending = list(_for_review(user=user, reviewed=False))
    done = list(_for_review(user=user, reviewed=True)[:reviewed_limit])
    log_event(
        action=AuditAction.VIEW,
        actor=Actor.for_user(user),
        object_type="emergency_access.list",
        ground=Ground.PRIVACY_OFFICER,
        detail={"family_ids": sorted({e.family_id for e in pending + done})},
    )
    return pending, done


def emergency_access_for_review(*, user, pk: int) -> EmergencyAccess:
    """One emergency access to review. For anyone but a privacy officer it is not found,
    like any object with an id that they may not see (404, never 403)."""
    try:
        pending = _for_review(user=user, reviewed=False)
    except PermissionDenied:
        raise Http404 from None
    return get_object_or_404(pending, pk=pk)
