"""Reads of access itself: the emergency accesses to review, and a family's access log
(who looked at or changed the file, in plain words)."""

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
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


# --- the privacy workspace ------------------------------------------------------------------

REFUSALS_PAGE = 50

# What was tried, in plain words (a refusal keeps the object type that was asked for).
TRIED = {
    "family": _("a family's file"),
    "family.access_log": _("a family's access log"),
}


@dataclass(frozen=True)
class RefusalLine:
    """One refused attempt as the privacy officer sees it: who, when, what was tried and
    of which family (its id and reference when the id was a family's; else the id as
    given, never more)."""

    occurred_at: datetime
    who: str
    organisation: str
    role: str
    tried: str
    family_id: int | None
    family_reference: str
    attempted: str


def refused_attempts(*, user, page: int | str | None = 1) -> Page:
    """Refused attempts to read a family's data (audit rows of action "refused"), newest
    first, one page of ``REFUSALS_PAGE``: for a privacy officer only (anyone else is
    refused: ``PermissionDenied``). Reading it is audited. Two queries a page (the rows,
    and the references of their families), however many rows."""
    require_role(user, ProfessionalRole.PRIVACY_OFFICER)
    shown = page_of(
        AuditEvent.objects.filter(action=AuditAction.REFUSED).order_by("-occurred_at", "-id"),
        page,
        REFUSALS_PAGE,
    )
    events = list(shown.object_list)
    family_ids = {e.family_id for e in events if e.family_id}
    references = dict(
        apps.get_model("families", "Family")
        .objects.filter(pk__in=family_ids)
        .values_list("pk", "reference")
    )
    shown.object_list = [
        RefusalLine(
            occurred_at=e.occurred_at,
            who=e.user_display,
            organisation=e.organisation_name,
            role=_role(e.role),
            tried=str(TRIED.get(e.object_type, e.object_type)),
            family_id=e.family_id,
            family_reference=references.get(e.family_id, ""),
            attempted=e.object_id,
        )
        for e in events
    ]
    catalogue.log(
        "access.refusals_viewed",
        actor=Actor.for_user(user),
        ground=Ground.PRIVACY_OFFICER,
        detail={"family_ids": sorted(family_ids), "page": shown.number},
    )
    return shown


def family_id_for_log(*, user, reference: str) -> int | None:
    """The family with this reference, for a privacy officer to open its access log
    (anyone else is refused); ``None`` when there is none. Only the id is read: the log
    page itself is the audited read."""
    require_role(user, ProfessionalRole.PRIVACY_OFFICER)
    return (
        apps.get_model("families", "Family")
        .objects.filter(reference__iexact=reference.strip())
        .values_list("pk", flat=True)
        .first()
    )


def pending_review_count(*, user) -> int:
    """How many emergency accesses wait for review (privacy officers only)."""
    return _for_review(user=user, reviewed=False).count()
