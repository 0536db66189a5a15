"""Writes in the access domain: break-the-glass and its review."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rits.access.models import EmergencyAccess
from rits.access.rules import Ground, find_family_for_emergency, professional_for, require_role
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.bsn import is_valid_bsn, normalise_bsn, pseudonymise_bsn
from rits.organisations.models import ProfessionalRole


@transaction.atomic
def request_emergency_access(
    *, user, reason: str, bsn: str = "", reference: str = ""
) -> EmergencyAccess | None:
    """Grant time-limited access to one family for a written reason. Every attempt is
    audited, found or not; a found family is listed for review."""
    professional = professional_for(user)
    bsn = normalise_bsn(bsn)
    pseudonym = pseudonymise_bsn(bsn) if bsn and is_valid_bsn(bsn) else None
    family = find_family_for_emergency(bsn_pseudonym=pseudonym, reference=reference.strip() or None)
    catalogue.log(
        "access.emergency_used",
        actor=Actor.for_user(user),
        object_id=family.pk if family else "",
        family_id=family.pk if family else None,
        ground=Ground.EMERGENCY,
        detail={"reason": reason, "found": family is not None},
    )
    if family is None:
        return None
    now = timezone.now()
    return EmergencyAccess.objects.create(
        professional=professional,
        family=family,
        reason=reason,
        started_at=now,
        expires_at=now + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )


@transaction.atomic
def review_emergency_access(
    *, user, emergency: EmergencyAccess, justified: bool, note: str
) -> EmergencyAccess:
    reviewer = require_role(user, ProfessionalRole.PRIVACY_OFFICER)
    emergency.reviewed_by = reviewer
    emergency.reviewed_at = timezone.now()
    emergency.review_justified = justified
    emergency.review_note = note
    emergency.save(update_fields=["reviewed_by", "reviewed_at", "review_justified", "review_note"])
    catalogue.log(
        "access.emergency_reviewed",
        actor=Actor.for_user(user),
        object_id=emergency.pk,
        family_id=emergency.family_id,
        ground=Ground.PRIVACY_OFFICER,
        detail={"justified": justified},
    )
    return emergency
