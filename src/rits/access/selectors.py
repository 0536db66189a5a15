from django.db.models import QuerySet

from rits.access.models import EmergencyAccess
from rits.access.rules import require_role
from rits.organisations.models import ProfessionalRole


def emergency_accesses_for_review(*, user, reviewed: bool = False) -> QuerySet[EmergencyAccess]:
    """The review list for a privacy officer: who broke the glass, for which family, why."""
    require_role(user, ProfessionalRole.PRIVACY_OFFICER)
    return (
        EmergencyAccess.objects.filter(reviewed_at__isnull=not reviewed)
        .select_related(
            "professional__user", "professional__organisation", "family", "reviewed_by__user"
        )
        .order_by("-started_at")
    )


def emergency_access_for_review(*, user, pk: int) -> EmergencyAccess:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(emergency_accesses_for_review(user=user, reviewed=False), pk=pk)
