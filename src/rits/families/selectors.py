"""Reads of family data. Each one goes through ``rits.access`` and leaves an audit event."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.paginator import Page
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from rits.access.reads import reading
from rits.access.rules import (
    FamilyNotFound,
    Grant,
    Ground,
    grant_for,
    grants_by_family,
    professional_for,
    visible_families,
)
from rits.audit import catalogue
from rits.audit.catalogue import Audience
from rits.audit.models import AuditAction, AuditEvent
from rits.audit.services import Actor

# looks_like_bsn is imported for the views: a BSN search must not travel in a URL.
from rits.core import history
from rits.core.bsn import looks_like_bsn, normalise_bsn, pseudonymise_bsn
from rits.core.history import Change, HistoryEntry  # noqa: F401 (the history pages)
from rits.core.listing import Order, Sorting, SortKey, page_of
from rits.core.templatetags.rits import age_on
from rits.families.models import (
    FAMILY_DETAIL_FIELDS,
    UNDO_WINDOW,
    DuplicateStatus,
    Family,
    FamilyEvent,
    Involvement,
    InvolvementApproval,
    MemberRole,
    Membership,
    NetworkMember,
    Person,
    PossibleDuplicate,
)
from rits.organisations.models import Municipality, ProfessionalRole

TIMELINE_LENGTH = 50

# Who of the family changes its network in the portal: a parent (step-parent, guardian)
# or an adult.
NETWORK_KEEPER_FROM = 18
_CARER_ROLES = ("parent", "step_parent", "guardian")


def may_change_network(membership: Membership, today: date | None = None) -> bool:
    """Whether this member may add to or correct the family's network in the portal."""
    if membership.role in _CARER_ROLES:
        return True
    age = age_on(membership.person.birth_date, today or timezone.localdate())
    return age is not None and age >= NETWORK_KEEPER_FROM


@dataclass(frozen=True)
class MemberLine:
    """One member as a list of families shows it: plain values, no model instances, so
    that a caseload of dozens of families renders quickly."""

    person_id: int
    role: str
    given_names: str
    prefix: str
    surname: str
    birth_date: date | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in [self.given_names, self.prefix, self.surname] if p)

    @property
    def role_label(self) -> str:
        return MemberRole(self.role).label


def _attach_member_lines(families: list[Family]) -> None:
    lines: dict[int, list[MemberLine]] = {f.pk: [] for f in families}
    rows = (
        Membership.objects.filter(family_id__in=list(lines))
        .order_by("family_id", "id")
        .values_list(
            "family_id",
            "person_id",
            "role",
            "person__given_names",
            "person__prefix",
            "person__surname",
            "person__birth_date",
        )
    )
    for family_id, *values in rows:
        lines[family_id].append(MemberLine(*values))
    for family in families:
        family.member_lines = lines[family.pk]


def search_my_families(*, user, query: str = "", limit: int = 100) -> list[Family]:
    """The families ``user`` may see, filtered by name, reference, date of birth
    (dd-mm-jjjj or jjjj-mm-dd), postcode or BSN; never reveals families outside their
    access. At most ``limit`` (the API pages on its own)."""
    result = list(_my_families(user, query).order_by("name", "id")[:limit])
    _shown(user, result, query)
    return result


MY_FAMILIES_PAGE = 25

MY_FAMILIES_SORTING = Sorting(
    {
        "name": SortKey(_lazy("Family"), ("name",)),
        "reference": SortKey(_lazy("Reference"), ("reference",)),
        "postcode": SortKey(_lazy("Address"), ("postcode", "name")),
    },
    default="name",
)


@dataclass(frozen=True)
class FamilyPage:
    """One page of a professional's families: ``page.object_list`` the families (with
    their ``member_lines``), ``page.paginator.count`` how many match in all."""

    page: Page
    order: Order


def my_families_page(
    *,
    user,
    query: str = "",
    sort: str | None = None,
    page: int | str | None = 1,
    not_looked_at: bool = False,
    grants: dict[int, Grant] | None = None,
) -> FamilyPage:
    """:func:`search_my_families` one page at a time, in the order ``sort`` names (a key
    of :data:`MY_FAMILIES_SORTING`, "-" first for the other way round; anything else
    gives the default); ``not_looked_at``: only those the user has not looked at in
    ``NOT_LOOKED_AT_DAYS``; ``grants``: the user's, when the caller has them already.
    A constant number of queries however many families."""
    order = MY_FAMILIES_SORTING.choose(sort)
    families = _my_families(user, query, grants)
    if not_looked_at:
        families = _not_looked_at(user, families)
    families = families.order_by(*MY_FAMILIES_SORTING.order_by(order))
    shown = page_of(families, page, MY_FAMILIES_PAGE)
    shown.object_list = list(shown.object_list)
    _shown(user, shown.object_list, query)
    _mark_new_from_family(user, shown.object_list, grants)
    return FamilyPage(shown, order)


def _mark_new_from_family(user, families: list[Family], grants: dict[int, Grant] | None) -> None:
    """``family.new_from_family``: for the family's coordinator, whether the family (or
    its network) did something in the portal (an event ``from_family`` in the catalogue:
    agreed, commented, wrote a goal, changed the network) after the coordinator last
    looked at the family (any read of its data, from the audit log). Two queries for the
    page, however many families."""
    for family in families:
        family.new_from_family = False
    if grants is None:
        grants = grants_by_family(professional_for(user))
    mine = [f.pk for f in families if f.pk in grants and grants[f.pk].is_coordinator]
    if not mine:
        return
    latest = dict(
        FamilyEvent.objects.filter(family_id__in=mine, code__in=catalogue.from_family_codes())
        .values("family_id")
        .annotate(at=Max("occurred_at"))
        .values_list("family_id", "at")
    )
    if not latest:
        return
    looked = dict(
        AuditEvent.objects.filter(
            user_id=user.pk,
            action=AuditAction.VIEW,
            family_id__in=list(latest),
            occurred_at__gte=min(latest.values()),
        )
        .values("family_id")
        .annotate(at=Max("occurred_at"))
        .values_list("family_id", "at")
    )
    for family in families:
        at = latest.get(family.pk)
        family.new_from_family = at is not None and (
            family.pk not in looked or looked[family.pk] < at
        )


# A family one has not looked at for this many days is named on the start page.
NOT_LOOKED_AT_DAYS = 30


def _not_looked_at(user, families: QuerySet[Family]) -> QuerySet[Family]:
    # What the user looked at, from the audit log (every read of a family's data is
    # there): one subquery, not a query per family.
    since = timezone.now() - timedelta(days=NOT_LOOKED_AT_DAYS)
    looked_at = AuditEvent.objects.filter(
        user_id=user.pk,
        action=AuditAction.VIEW,
        occurred_at__gte=since,
        family_id__isnull=False,
    ).values("family_id")
    return families.exclude(id__in=looked_at)


def count_not_looked_at(*, user, grants: dict[int, Grant] | None = None) -> int:
    """How many of the families the user may see now they have not looked at in the
    last ``NOT_LOOKED_AT_DAYS`` days: a number, no family data (so not audited); one
    counting query besides finding the families the user may see (``grants``, when the
    caller has them already)."""
    return _not_looked_at(user, visible_families(user, grants=grants)).count()


def _my_families(user, query: str, grants: dict[int, Grant] | None = None) -> QuerySet[Family]:
    families: QuerySet[Family] = visible_families(user, grants=grants)
    query = " ".join(query.split())[:100]
    if query:
        families = families.filter(_search_filter(query)).distinct()
    return families


def _shown(user, result: list[Family], query: str) -> None:
    _attach_member_lines(result)
    catalogue.log(
        "family.searched" if query.strip() else "family.list_viewed",
        actor=Actor.for_user(user),
        # Which families were shown, not the query text: a search may contain a name or BSN.
        detail={"family_ids": [f.pk for f in result], "searched": bool(query.strip())},
        person_ids=[m.person_id for f in result for m in f.member_lines],
    )


def _search_filter(query: str) -> Q:
    # A family's own reference ("DEMO-1"), as it is written anywhere, finds it too.
    return Q(reference__iexact=query) | _person_or_address_filter(query)


def _person_or_address_filter(query: str) -> Q:
    compact = query.replace(" ", "").upper()
    if len(compact) == 6 and compact[:4].isdigit() and compact[4:].isalpha():
        return Q(postcode=compact)
    birth_date = _parse_date(query)
    if birth_date:
        return Q(memberships__person__birth_date=birth_date)
    if looks_like_bsn(query):
        pseudonym = pseudonymise_bsn(normalise_bsn(query))
        # Also a member added with this BSN while it belonged to a person the adder may
        # not see: their search must find it as it would for any BSN they typed.
        typed_for = PossibleDuplicate.objects.filter(
            existing_person__bsn_pseudonym=pseudonym, new_person__isnull=False
        ).values("new_person_id")
        return Q(memberships__person__bsn_pseudonym=pseudonym) | Q(
            memberships__person__in=typed_for
        )
    q = Q()
    for word in query.split():
        q &= (
            Q(name__icontains=word)
            | Q(reference__icontains=word)
            | Q(memberships__person__surname__icontains=word)
            | Q(memberships__person__given_names__icontains=word)
        )
    return q


def _parse_date(text: str) -> date | None:
    for sep in ("-", "/", "."):
        parts = text.strip().split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                if len(parts[0]) == 4:
                    return date(int(parts[0]), int(parts[1]), int(parts[2]))
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None
    return None


@dataclass
class FamilyOverview:
    family: Family
    grant: Grant
    members: list[Membership]
    coordinator: Involvement | None
    involvements: list[Involvement]
    hidden_involvements: int
    network: list[NetworkMember]
    events: list[FamilyEvent]
    possible_duplicates: list[PossibleDuplicate]
    # A second coordinator while the coordination is handed over: the one taking over.
    successor: Involvement | None = None


def sees_involvement(grant: Grant, involvement: Involvement) -> bool:
    """Whether the reader may know of this involvement (who is involved, and in the
    plan who does an agreement). Who else is involved says something about the family
    too (a mental-health provider reveals a mental-health problem), so involvements
    outside one's domains stay hidden; everyone may know the coordinator."""
    return involvement.is_coordinator or grant.sees_any(involvement.domains)


def family_overview(*, user, family_id: int | str) -> FamilyOverview:
    """Who is around this family and what is going on, as far as ``user`` may see it.

    A constant number of queries, however many members, involvements or events."""
    return _overview(user, grant_for(user, family_id))


def _overview(user, grant: Grant) -> FamilyOverview:
    with reading(user, what="family.overview_viewed", grant=grant) as read:
        overview = _read_overview(user, grant)
        read.person_ids = [m.person_id for m in overview.members]
        read.detail = {"domains": sorted(grant.domains)}
    return overview


def _read_overview(user, grant: Grant) -> FamilyOverview:
    family = grant.family
    members = list(Membership.objects.visible_to(grant).select_related("person").order_by("id"))
    all_involvements = list(
        Involvement.objects.active()
        .visible_to(grant)
        .select_related("organisation", "professional__user", "person")
        .order_by("-is_coordinator", "start_date", "id")
    )
    coordinator = next((i for i in all_involvements if i.is_coordinator), None)
    successor = next(
        (i for i in all_involvements if i.is_coordinator and i is not coordinator), None
    )
    involvements = [i for i in all_involvements if sees_involvement(grant, i)]
    network = list(NetworkMember.objects.visible_to(grant).select_related("for_person"))
    events_qs = (
        FamilyEvent.objects.visible_to(grant)
        .for_audience(Audience.PROFESSIONALS)
        .select_related("actor")
    )
    events = list(events_qs[:TIMELINE_LENGTH])
    possible_duplicates = _possible_duplicates(user, grant)
    return FamilyOverview(
        family=family,
        grant=grant,
        members=members,
        coordinator=coordinator,
        involvements=involvements,
        hidden_involvements=len(all_involvements) - len(involvements),
        network=network,
        events=events,
        possible_duplicates=possible_duplicates,
        successor=successor,
    )


def _possible_duplicates(user, grant: Grant) -> list[PossibleDuplicate]:
    """Open possible duplicates of this family's members, for its coordinator to decide.

    The reviewer sees the details that were entered for the new person and who entered
    them, not the family they were added to; that read is audited on that family."""
    if not grant.is_coordinator:
        return []
    found = list(
        PossibleDuplicate.objects.filter(
            existing_person__memberships__family=grant.family, status=DuplicateStatus.OPEN
        )
        .select_related("existing_person", "new_person", "raised_by", "raised_by_organisation")
        .distinct()
    )
    for duplicate in found:
        catalogue.log(
            "family.possible_duplicate_viewed",
            actor=Actor.for_user(user),
            object_id=duplicate.pk,
            family_id=duplicate.family_id,
            person_ids=[p for p in (duplicate.new_person_id,) if p],
            ground="duplicate_review",
        )
    return found


def form_page_viewed(*, user, grant: Grant, form: str) -> None:
    """A form page of a family shows family data (its name, and after a refused post what
    was entered): a read like any other, so it leaves an audit event like the overview."""
    with reading(user, what="family.form_viewed", grant=grant) as read:
        read.detail = {"form": form}


def family_export(*, user, family_id: int | str) -> dict:
    """A portable copy of what ``user`` may see of one family (the same access as the overview).

    Not under emergency access: that is for reading on screen in an emergency, and a copy
    would outlive both the emergency and its review."""
    with reading(user, family_id, what="family.exported") as read:
        read.grant.require("export")
        overview = _overview(user, read.grant)
        read.person_ids = [m.person_id for m in overview.members]
    family = overview.family
    return {
        "reference": family.reference,
        "name": family.name,
        "address": family.address,
        "members": [
            {
                "role": m.role,
                "given_names": m.person.given_names,
                "prefix": m.person.prefix,
                "surname": m.person.surname,
                "birth_date": m.person.birth_date.isoformat() if m.person.birth_date else None,
                "languages": m.person.languages,
                "interpreter_needed": m.person.interpreter_needed,
                "has_bsn": m.person.has_bsn,
            }
            for m in overview.members
        ],
        "involvements": [
            {
                "organisation": i.organisation.name,
                "professional": i.professional.name if i.professional else None,
                "role": i.role,
                "legal_basis": i.legal_basis,
                "domains": i.domains,
                "since": i.start_date.isoformat(),
                "coordinator": i.is_coordinator,
            }
            for i in overview.involvements
        ],
        "network": [
            {
                "name": n.name,
                "relation": n.relation,
                "phone": n.phone,
                "availability": n.availability,
            }
            for n in overview.network
        ],
        "timeline": [
            {"at": e.occurred_at.isoformat(), "description": e.text} for e in overview.events
        ],
        "exported_by": str(user),
        "note": _("Contains personal data. Handle according to the AVG."),
    }


def pending_involvements(*, user) -> list[Involvement]:
    """Involvements an import added to existing families, waiting for approval: for a
    privacy officer all of them, for a coordinator those of the families they coordinate,
    for anyone else none. Each family shown leaves an audit event."""
    professional = professional_for(user)
    pending = Involvement.all_objects.filter(approval=InvolvementApproval.PENDING)
    if professional.has_role(ProfessionalRole.PRIVACY_OFFICER):
        ground = Ground.PRIVACY_OFFICER
    else:
        ground = Ground.COORDINATOR
        coordinated = [f for f, g in grants_by_family(professional).items() if g.is_coordinator]
        if not coordinated:
            raise FamilyNotFound  # not their page: the same 'not found' as elsewhere
        pending = pending.filter(family_id__in=coordinated)
    found = list(
        pending.select_related("family", "organisation", "professional__user").order_by(
            "family__name", "family_id", "id"
        )
    )
    for family_id in sorted({i.family_id for i in found}):
        catalogue.log(
            "family.pending_involvements_viewed",
            actor=Actor.for_user(user),
            family_id=family_id,
            ground=ground,
            detail={"involvements": [i.pk for i in found if i.family_id == family_id]},
        )
    return found


# --- History and what was removed -----------------------------------------------------------


@dataclass(frozen=True)
class Removed:
    kind: str  # "member" or "network"
    object_id: int
    name: str
    removed_at: datetime
    removed_by: str
    undo_until: datetime


MEMBER_HISTORY_FIELDS = (
    "surname",
    "given_names",
    "prefix",
    "birth_date",
    "gender",
    "languages",
    "interpreter_needed",
)


def _membership_seen(grant: Grant, membership_id: int | str):
    """The last historical copy of a membership of the grant's family (also a removed
    one), or 'not found'."""
    try:
        pk = int(membership_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    last = (
        Membership.history.filter(id=pk, family_id=grant.family.pk)
        .exclude(person_id__in=sorted(grant.excluded_person_ids))
        .order_by("-history_date", "-history_id")
        .first()
    )
    if last is None:
        raise FamilyNotFound
    return last


def history_of(*, user, grant: Grant, membership_id=None, network_member_id=None) -> dict:
    """The history of one member (their person's details and their role in the family)
    or one network member of the grant's family, newest first, audited as a read."""
    if membership_id is not None:
        last = _membership_seen(grant, membership_id)
        person = Person.objects.filter(pk=last.person_id).first()
        with reading(user, what="family.member_history_viewed", grant=grant) as read:
            read.object_id = last.id
            read.person_ids = [last.person_id]
            entries = history.entries(
                Person,
                Person.history.filter(id=last.person_id)
                .select_related("history_user")
                .order_by("history_date", "history_id"),
                MEMBER_HISTORY_FIELDS,
                grant.family.pk,
            ) + history.entries(
                Membership,
                Membership.history.filter(id=last.id)
                .select_related("history_user")
                .order_by("history_date", "history_id"),
                ("role", "living_situation"),
                grant.family.pk,
            )
        name = person.full_name if person else ""
    else:
        try:
            pk = int(network_member_id)
        except (TypeError, ValueError):
            raise FamilyNotFound from None
        records = list(
            NetworkMember.history.filter(id=pk, family_id=grant.family.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        if not records:
            raise FamilyNotFound
        with reading(user, what="family.network_history_viewed", grant=grant) as read:
            read.object_id = pk
            entries = history.entries(
                NetworkMember, records, NETWORK_HISTORY_FIELDS, grant.family.pk
            )
        name = records[-1].name
    entries.sort(key=lambda e: e.at, reverse=True)
    return {"name": name, "entries": entries}


def family_history(*, user, grant: Grant) -> dict:
    """The history of the family's own details (name, address, municipality), newest
    first, audited as a read."""
    with reading(user, what="family.history_viewed", grant=grant) as read:
        read.object_id = grant.family.pk
        records = (
            Family.history.filter(id=grant.family.pk)
            .select_related("history_user", "municipality")
            .order_by("history_date", "history_id")
        )
        entries = history.entries(
            Family, records, FAMILY_DETAIL_FIELDS, grant.family.pk, values=_family_value
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return {"name": grant.family.name, "entries": entries}


def _family_value(name: str, value) -> str:
    if name == "municipality" and value is not None:
        found = Municipality.objects.filter(pk=value).first()
        return found.name if found else "—"
    return history.shown(Family, name, value)


NETWORK_HISTORY_FIELDS = ("name", "relation", "relation_detail", "phone", "email", "availability")


def recently_removed(*, user, grant: Grant, now: datetime | None = None) -> list[Removed]:
    """Members and network members removed from the grant's family within the undo
    window and not put back, newest first, audited as a read."""
    now = now or timezone.now()
    since = now - UNDO_WINDOW
    found: list[Removed] = []
    with reading(user, what="family.removed_viewed", grant=grant) as read:
        memberships = (
            Membership.history.filter(
                family_id=grant.family.pk, history_type="-", history_date__gte=since
            )
            .exclude(person_id__in=sorted(grant.excluded_person_ids))
            .exclude(id__in=Membership.objects.filter(family_id=grant.family.pk).values("pk"))
            .select_related("history_user")
            .order_by("-history_date")
        )
        seen = set()
        people = {}
        for r in memberships:
            if r.id in seen:
                continue
            seen.add(r.id)
            people[r.id] = r
        names = {
            p.pk: p.full_name
            for p in Person.objects.filter(pk__in=[r.person_id for r in people.values()])
        }
        for r in people.values():
            found.append(
                Removed(
                    "member",
                    r.id,
                    names.get(r.person_id, ""),
                    r.history_date,
                    str(r.history_user or _("the system")),
                    r.history_date + UNDO_WINDOW,
                )
            )
        network = (
            NetworkMember.history.filter(
                family_id=grant.family.pk, history_type="-", history_date__gte=since
            )
            .exclude(id__in=NetworkMember.objects.filter(family_id=grant.family.pk).values("pk"))
            .select_related("history_user")
            .order_by("-history_date")
        )
        seen = set()
        for r in network:
            if r.id in seen:
                continue
            seen.add(r.id)
            found.append(
                Removed(
                    "network",
                    r.id,
                    r.name,
                    r.history_date,
                    str(r.history_user or _("the system")),
                    r.history_date + UNDO_WINDOW,
                )
            )
        read.person_ids = [r.person_id for r in people.values()]
    found.sort(key=lambda r: r.removed_at, reverse=True)
    return found


def member_for_change(*, grant: Grant, membership_id: int | str) -> Membership:
    """A member of the grant's family, for its change or removal page (whose read the
    view audits as a form page); anyone else's is 'not found'."""
    try:
        pk = int(membership_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    found = Membership.objects.visible_to(grant).select_related("person").filter(pk=pk).first()
    if found is None:
        raise FamilyNotFound
    return found


def network_member_for_change(*, grant: Grant, network_member_id: int | str) -> NetworkMember:
    try:
        pk = int(network_member_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    found = NetworkMember.objects.visible_to(grant).filter(pk=pk).first()
    if found is None:
        raise FamilyNotFound
    return found
