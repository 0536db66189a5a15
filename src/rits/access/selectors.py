"""Reads of access itself: the emergency accesses to review, and a family's access log
(who looked at or changed the file, in plain words)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
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
from rits.core.listing import Order, Sorting, SortKey, page_of
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


ACCESS_LOG_SORTING = Sorting(
    {
        "when": SortKey(_("When"), ("occurred_at",)),
        "who": SortKey(_("Who"), ("user_display", "occurred_at")),
        "organisation": SortKey(_("On behalf of"), ("organisation_name", "occurred_at")),
    },
    default="-when",
)

# At most this many lines in one export: beyond it the privacy officer narrows the
# filters (the export says so in its last line).
ACCESS_LOG_EXPORT_LIMIT = 10_000


@dataclass(frozen=True)
class AccessLog:
    grant: Grant
    page: Page  # of AccessLogLine
    order: Order


def access_log_kinds(grant: Grant) -> list[tuple[str, str]]:
    """The kinds of event a reader may filter the log on: the refused attempts only for a
    privacy officer (the coordinator does not see them)."""
    return [
        (value, label)
        for value, label in AuditAction.choices
        if value != AuditAction.REFUSED or grant.ground == Ground.PRIVACY_OFFICER
    ]


def _log_events(grant: Grant, filters: dict | None, order: Order) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(family_id=grant.family.pk)
    if grant.ground != Ground.PRIVACY_OFFICER:
        # Refused attempts at this family are the privacy officer's to follow up.
        events = events.exclude(action=AuditAction.REFUSED)
    filters = filters or {}
    if filters.get("person"):
        events = events.filter(user_display__icontains=filters["person"])
    if filters.get("organisation"):
        events = events.filter(organisation_name__icontains=filters["organisation"])
    if filters.get("date_from"):
        events = events.filter(occurred_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(occurred_at__date__lte=filters["date_to"])
    if filters.get("kind"):
        events = events.filter(action=filters["kind"])
    return events.order_by(*ACCESS_LOG_SORTING.order_by(order))


def access_log_grant_for(*, user, family_id: int | str) -> Grant:
    """Who may read this family's access log (its coordinator, a privacy officer); for
    anyone else the family is not found. Reading nothing, it leaves no event but a refusal."""
    return access_log_grant(user, family_id)


def family_access_log(
    *,
    user,
    family_id: int | str,
    page: int | str | None = 1,
    filters: dict | None = None,
    sort: str | None = None,
    grant: Grant | None = None,
) -> AccessLog:
    """Who saw or changed this family's data, newest first (or as ``sort`` names, a key
    of :data:`ACCESS_LOG_SORTING`), filtered by ``filters`` (person, organisation,
    date_from, date_to, kind), one page of ``ACCESS_LOG_PAGE`` at a time (a page number
    that is no page gives the nearest one). For the family's coordinator and a privacy
    officer; reading it is logged. A constant number of queries however many lines."""
    order = ACCESS_LOG_SORTING.choose(sort)
    with reading(
        user, family_id, what="access.log_viewed", grant=grant, resolve=access_log_grant
    ) as read:
        shown = page_of(_log_events(read.grant, filters, order), page, ACCESS_LOG_PAGE)
        shown.object_list = [_line(e) for e in shown.object_list]
        read.detail = {"page": shown.number, "filtered": sorted(filters or {})}
    return AccessLog(read.grant, shown, order)


@dataclass(frozen=True)
class AccessLogExport:
    grant: Grant
    lines: list[AccessLogLine]
    total: int  # how many lines match; more than ``lines`` when the export was capped


def family_access_log_export(
    *, user, family_id: int | str, filters: dict | None = None, sort: str | None = None
) -> AccessLogExport:
    """The filtered access log of a family, all pages (at most
    ``ACCESS_LOG_EXPORT_LIMIT`` lines), for a privacy officer only: anyone who may not
    read the log gets "not found", the coordinator is refused (they read it on the
    page). The export is audited ("access.log_exported")."""
    grant = access_log_grant(user, family_id)
    if grant.ground != Ground.PRIVACY_OFFICER:
        raise PermissionDenied(_("Only a privacy officer can export the access log."))
    order = ACCESS_LOG_SORTING.choose(sort)
    with reading(user, what="access.log_exported", grant=grant) as read:
        events = _log_events(grant, filters, order)
        total = events.count()
        lines = [_line(e) for e in events[:ACCESS_LOG_EXPORT_LIMIT]]
        read.detail = {"lines": len(lines), "total": total, "filtered": sorted(filters or {})}
    return AccessLogExport(grant, lines, total)
