"""Reads of access itself: the emergency accesses to review, and a family's access log
(who looked at or changed the file, in plain words)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from rits.access.models import EmergencyAccess
from rits.access.reads import reading
from rits.access.rules import Grant, Ground, access_log_grant, require_role
from rits.audit import catalogue
from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor
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
    catalogue.log(
        "access.emergency_list_viewed",
        actor=Actor.for_user(user),
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


# --- the access log: who looked at or changed a family's file ---------------------------

ACCESS_LOG_PAGE = 50

# On what ground, in plain words (an audit row keeps the ground's code).
GROUNDS = {
    Ground.COORDINATOR: _("as the family's coordinator"),
    Ground.INVOLVEMENT: _("through their involvement with the family"),
    Ground.TEAM: _("through their team"),
    Ground.EMERGENCY: _("with emergency access"),
    Ground.PRIVACY_OFFICER: _("as privacy officer"),
    "duplicate_review": _("to review a possible double record"),
}


@dataclass(frozen=True)
class AccessLogLine:
    """One row of the access log as the page shows it: who, for which organisation and
    in which role, did what (a sentence from the event catalogue) on what ground."""

    occurred_at: datetime
    who: str
    organisation: str
    role: str
    what: str
    ground: str


def _role(role: str) -> str:
    if role == "system":
        return str(_("Rits itself"))
    if role in ProfessionalRole.values:
        return str(ProfessionalRole(role).label)
    return role


def _line(event: AuditEvent) -> AccessLogLine:
    return AccessLogLine(
        occurred_at=event.occurred_at,
        who=event.user_display,
        organisation=event.organisation_name,
        role=_role(event.role),
        what=catalogue.access_sentence(event.action, event.object_type),
        ground=str(GROUNDS.get(event.ground, event.ground)),
    )


@dataclass(frozen=True)
class AccessLog:
    grant: Grant
    page: Page  # of AccessLogLine


def family_access_log(*, user, family_id: int | str, page: int | str | None = 1) -> AccessLog:
    """Who saw or changed this family's data, newest first, one page of
    ``ACCESS_LOG_PAGE`` at a time (a page number that is no page gives the nearest
    one). For the family's coordinator and a privacy officer; reading it is logged."""
    with reading(user, family_id, what="access.log_viewed", resolve=access_log_grant) as read:
        events = AuditEvent.objects.filter(family_id=read.grant.family.pk).order_by(
            "-occurred_at", "-id"
        )
        if read.grant.ground != Ground.PRIVACY_OFFICER:
            # Refused attempts at this family are the privacy officer's to follow up.
            events = events.exclude(action=AuditAction.REFUSED)
        shown = Paginator(events, ACCESS_LOG_PAGE).get_page(page)
        shown.object_list = [_line(e) for e in shown.object_list]
        read.detail = {"page": shown.number}
    return AccessLog(read.grant, shown)
