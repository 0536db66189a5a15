"""Reading work items: the coordinator's inbox (``my_inbox``), the team's
(``team_inbox``) and one item (``item_for_user``), each through ``rits.access`` and
audited, over every registered kind.

Who sees an item: whoever may see its family (``grant_for``) and the life domains of its
kind, so someone who lost access sees nothing. A team lead additionally sees, without
any family data, the items of their team about families nobody in the team may see yet
(escalated items, the concern match): the kind, the due date and who it is assigned to,
and the reason only when it names no one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.access.rules import (
    Grant,
    grants_by_family,
    is_team_lead,
    professional_for,
    sees_team_line_without_family,
)
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.listing import Order, Sorting, SortKey, page_of
from rits.families.models import Family, Involvement
from rits.organisations.models import Professional, Team
from rits.worklist.kinds import kind_for, kinds
from rits.worklist.models import WorkItem, WorkItemStatus
from rits.worklist.services import (
    UNRESOLVED,
    audit_item,
    item_and_grant,
    may_change_status,
    sees_item,
)

# The most items one inbox page or API answer shows (the most urgent first).
INBOX_LIMIT = 200
# Status filters of the inbox: "active" (open or acknowledged) by default.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "active": UNRESOLVED,
    "open": (WorkItemStatus.OPEN,),
    "acknowledged": (WorkItemStatus.ACKNOWLEDGED,),
    "acted_on": (WorkItemStatus.ACTED_ON,),
    "dismissed": (WorkItemStatus.DISMISSED,),
    "all": tuple(WorkItemStatus.values),
}


@dataclass
class WorkItemLine:
    """One item as the reader may see it. ``visible`` False: a team lead's view of an
    item about a family nobody in the team may see — the kind, the due date and who it
    is assigned to, no family data. ``details``: what its kind shows of what is behind
    it (the signals behind an alert)."""

    item: WorkItem
    title: str
    visible: bool
    reason: str
    due_date: date
    overdue: bool
    status: str
    status_label: str
    escalated: bool
    assignee: str
    family: Family | None = None
    details: list = field(default_factory=list)
    can_change: bool = False
    can_reopen: bool = False

    @property
    def id(self) -> int:
        return self.item.pk

    @property
    def details_template(self) -> str:
        return kind_for(self.item.kind).details_template

    @property
    def crisis(self) -> bool:
        return kind_for(self.item.kind).crisis or any(
            getattr(d, "crisis", False) for d in self.details
        )


@dataclass
class Inbox:
    lines: list[WorkItemLine]
    today: date
    status: str
    team: Team | None = None
    is_team_lead: bool = False
    page: Page | None = None  # when read a page at a time (the pages; the API reads one list)
    order: Order | None = None


def _line(item: WorkItem, grant: Grant | None, today: date) -> WorkItemLine:
    visible = grant is not None and sees_item(grant, item.kind)
    kind = kind_for(item.kind)
    line = WorkItemLine(
        item=item,
        title=str(kind.title),
        visible=visible,
        reason=item.reason if visible or kind.reason_names_no_one else "",
        due_date=item.due_date,
        overdue=item.status in UNRESOLVED and item.due_date < today,
        status=item.status,
        status_label=item.get_status_display(),
        escalated=item.escalated_at is not None,
        assignee=item.assigned_to.name if item.assigned_to_id else "",
    )
    if visible:
        line.family = grant.family
        may_change = grant.can_write and may_change_status(grant, item)
        line.can_change = may_change and item.status in UNRESOLVED
        line.can_reopen = may_change and item.status != WorkItemStatus.OPEN
    return line


def _with_details(lines: list[WorkItemLine]) -> list[WorkItemLine]:
    """What each visible line's kind shows of what is behind it: one load per loader for
    the whole page, not one per line."""
    by_loader = defaultdict(list)
    for line in lines:
        loader = kind_for(line.item.kind).details
        if line.visible and loader is not None:
            by_loader[loader].append(line)
    for loader, wanted in by_loader.items():
        found = loader([line.item for line in wanted])
        for line in wanted:
            line.details = found.get(line.id, [])
    return lines


def _statuses(status: str) -> tuple[str, ...]:
    if status not in STATUS_FILTERS:
        raise ValidationError(
            {"status": _("Choose one of: %s.") % ", ".join(STATUS_FILTERS)}, code="invalid"
        )
    return STATUS_FILTERS[status]


# How an inbox page may be sorted: the most urgent first (escalated, then by due date)
# by default. A whitelist: the reader names a key, never a field.
INBOX_PAGE = 25
INBOX_SORTING = Sorting(
    {
        "urgency": SortKey(gettext_lazy("Most urgent first"), ("urgency", "due_date")),
        "due": SortKey(gettext_lazy("Due date"), ("due_date",)),
        "created": SortKey(gettext_lazy("Date received"), ("created_at",)),
    },
    default="urgency",
)


def _items(condition: Q, statuses: tuple[str, ...], order: Order | None = None):
    return (
        WorkItem.objects.filter(condition, status__in=statuses)
        .select_related("assigned_to__user")
        .annotate(
            urgency=Case(
                When(escalated_at__isnull=False, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by(*INBOX_SORTING.order_by(order or INBOX_SORTING.default))
    )


def _visible_items(grants: dict[int, Grant]) -> Q:
    """The items a reader sees with their family: of a family they may see, of a kind
    whose life domains their grant covers (as ``sees_item``), in the query itself so
    that a page holds a page of lines. Families are grouped by the kinds they show."""
    by_kinds: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for family_id, grant in grants.items():
        shown = tuple(sorted(k.code for k in kinds() if sees_item(grant, k.code)))
        if shown:
            by_kinds[shown].append(family_id)
    condition = Q(pk__in=[])
    for shown, family_ids in by_kinds.items():
        condition |= Q(family_id__in=family_ids, kind__in=shown)
    return condition


def _audit_list(user, lines: list[WorkItemLine], *, code: str) -> None:
    if not lines:
        return
    catalogue.log(
        code,
        actor=Actor.for_user(user),
        detail={
            "family_ids": sorted({ln.family.pk for ln in lines if ln.visible}),
            "work_item_ids": [ln.id for ln in lines],
        },
    )


def _inbox(
    user,
    status: str,
    *,
    code: str,
    scope: Callable[[Professional, dict[int, Grant], bool], Q],
    team_only: bool = False,
    only_visible: Callable[[Professional], bool] = lambda professional: False,
    page: int | str | None = None,
    sort: str | None = None,
    kind: str = "",
) -> Inbox:
    """An inbox: the items ``scope`` selects (given the reader, their grants by family
    and whether they lead a team), only those the reader sees with their family when
    ``only_visible`` says so, as lines, with their details, audited as ``code``.
    ``page``: one page of ``INBOX_PAGE`` in the order ``sort`` names (a key of
    :data:`INBOX_SORTING`); without it the first ``INBOX_LIMIT``, the most urgent first
    (the API). ``kind``: only items of that kind. A constant number of queries however
    many items; ``team_only``: nothing for a reader without a team."""
    statuses = _statuses(status)
    order = INBOX_SORTING.choose(sort)
    professional = professional_for(user)
    today = timezone.localdate()
    if team_only and professional.team_id is None:
        return Inbox([], today, status, order=order)
    is_lead = is_team_lead(professional)
    grants = grants_by_family(professional, today)
    condition = scope(professional, grants, is_lead)
    if only_visible(professional):
        condition &= _visible_items(grants)
    if kind:
        condition &= Q(kind=kind)
    items = _items(condition, statuses, order)
    shown_page = None
    if page is None:
        items = list(items[:INBOX_LIMIT])
    else:
        shown_page = page_of(items, page, INBOX_PAGE)
        items = list(shown_page.object_list)
    lines = _with_details([_line(i, grants.get(i.family_id), today) for i in items])
    if shown_page is not None:
        shown_page.object_list = lines
    _audit_list(user, lines, code=code)
    return Inbox(lines, today, status, professional.team, is_lead, page=shown_page, order=order)


def _coordinated_and_escalated(professional, grants, is_lead) -> Q:
    condition = Q(family_id__in=[f for f, g in grants.items() if g.is_coordinator])
    if is_lead:
        condition |= Q(team_id=professional.team_id, escalated_at__isnull=False)
    return condition


def my_inbox(*, user, status: str = "active", **paging) -> Inbox:
    """The items of the families the user coordinates now (the most urgent first) and,
    for a team lead, the items of their team escalated to them. Read through access and
    audited; a constant number of queries however many items. ``paging``: ``page``,
    ``sort`` and ``kind`` (see ``_inbox``)."""
    return _inbox(
        user,
        status,
        code="work_item.inbox_viewed",
        scope=_coordinated_and_escalated,
        **paging,
    )


def team_inbox(*, user, status: str = "active", **paging) -> Inbox:
    """The items of the user's team, escalated ones first. Team members see the items of
    families they may see; a team lead also sees the others, without family data."""
    return _inbox(
        user,
        status,
        code="work_item.team_inbox_viewed",
        scope=lambda professional, grants, is_lead: Q(team_id=professional.team_id),
        team_only=True,
        only_visible=lambda professional: not sees_team_line_without_family(professional),
        **paging,
    )


def item_for_user(*, user, item_id: int | str) -> WorkItemLine:
    """One item, for its pages (act on it, dismiss it): ``Http404`` when the user may
    not see its family or the life domains of its kind. Audited."""
    item, grant = item_and_grant(user, item_id)
    item = _items(Q(pk=item.pk), tuple(WorkItemStatus.values)).get()
    [line] = _with_details([_line(item, grant, timezone.localdate())])
    audit_item("work_item.viewed", user, grant, item)
    return line


@dataclass(frozen=True)
class FamilyItem:
    """An open item as the family page lists it: what, when due, and its state."""

    id: int
    title: str
    due_date: date
    overdue: bool
    status_label: str
    escalated: bool


def open_items_of_family(*, grant: Grant) -> list[FamilyItem]:
    """The unresolved items about the grant's family whose kinds' life domains the grant
    covers, the most urgent first. For the family page, whose read is audited itself;
    one query, none for a reader whom no kind concerns."""
    today = timezone.localdate()
    items = WorkItem.objects.filter(family_id=grant.family.pk, status__in=UNRESOLVED)
    if not grant.is_coordinator:
        # Only the kinds whose life domains the reader sees (an item of a kind no longer
        # registered is left to the coordinator).
        codes = [kind.code for kind in kinds() if sees_item(grant, kind.code)]
        if not codes:
            return []
        items = items.filter(kind__in=codes)
    items = items.only("id", "kind", "due_date", "status", "escalated_at").order_by(
        "due_date", "id"
    )
    return [
        FamilyItem(
            i.pk,
            i.title,
            i.due_date,
            i.due_date < today,
            i.get_status_display(),
            i.escalated_at is not None,
        )
        for i in items
        if sees_item(grant, i.kind)
    ]


# --- counts for the start page ------------------------------------------------------------


@dataclass(frozen=True)
class InboxCounts:
    open: int
    overdue: int


def my_inbox_counts(*, user, grants: dict[int, Grant] | None = None) -> InboxCounts:
    """How many items ``my_inbox`` holds that are still to do (open or acknowledged), and
    how many of them are overdue: numbers only, no family data (so not audited); one
    query besides the reader's grants (``grants``, when the caller has them already)."""
    professional = professional_for(user)
    today = timezone.localdate()
    if grants is None:
        grants = grants_by_family(professional, today)
    condition = _coordinated_and_escalated(professional, grants, is_team_lead(professional))
    counts = WorkItem.objects.filter(condition, status__in=UNRESOLVED).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
    )
    return InboxCounts(counts["open"], counts["overdue"])


@dataclass(frozen=True)
class MemberCaseload:
    """One member of a team as their lead sees the caseload: how many families they
    coordinate now, and their items still to do (and overdue). Numbers, no family data."""

    name: str
    role: str
    families: int
    open_items: int
    overdue_items: int


@dataclass(frozen=True)
class TeamCaseload:
    team: Team
    members: list[MemberCaseload]
    families: int  # families the team's members coordinate now
    open_items: int  # the team's items still to do
    overdue_items: int


def team_caseload(*, user) -> TeamCaseload | None:
    """For a team lead: the caseload of their team per member, and the team's open
    items; ``None`` for anyone else. Counts only (no family data, so not audited), in a
    constant number of queries however large the team."""
    professional = professional_for(user)
    if not is_team_lead(professional):
        return None
    today = timezone.localdate()
    coordinating = Involvement.objects.coordinating(today).filter(
        professional__team_id=professional.team_id
    )
    families_of = dict(
        coordinating.values("professional_id")
        .annotate(n=Count("family_id", distinct=True))
        .values_list("professional_id", "n")
    )
    items = WorkItem.objects.filter(team_id=professional.team_id, status__in=UNRESOLVED)
    per_member = {
        row["assigned_to_id"]: row
        for row in items.values("assigned_to_id").annotate(
            open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
        )
    }
    members = [
        MemberCaseload(
            name=m.name,
            role=m.get_role_display(),
            families=families_of.get(m.pk, 0),
            open_items=per_member.get(m.pk, {}).get("open", 0),
            overdue_items=per_member.get(m.pk, {}).get("overdue", 0),
        )
        for m in Professional.objects.filter(team_id=professional.team_id).select_related("user")
    ]
    totals = items.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    return TeamCaseload(
        team=professional.team,
        members=members,
        families=coordinating.values("family_id").distinct().count(),
        open_items=totals["open"],
        overdue_items=totals["overdue"],
    )
