"""Reads of the portal: what a family member or network member sees of their family.

Each goes through ``rits.access`` (``citizen_grant_for``: the portal's grounds and the
age rules of ``rits.portal.grants``) and leaves an audit event with the ground, like
every read of family data. Not allowed is not found (404), for another family's member,
a network member and a professional alike.

A family member sees the family's plan in all life domains, except what is about another
member whose information is theirs to decide (``Grant.sees_about``). A network member
sees only what they are part of: their own agreements, and the crisis plan when they are
named in it."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.access.principals import PrincipalKind
from rits.access.reads import reading
from rits.access.rules import FamilyNotFound, Grant, citizen_grant_for, citizen_grants
from rits.audit import catalogue
from rits.audit.models import AuditAction, AuditEvent
from rits.families.models import Involvement, Membership, NetworkMember
from rits.families.selectors import may_change_network
from rits.plans.content import load_content
from rits.plans.models import (
    Agreement,
    AgreementStatus,
    CrisisContact,
    Goal,
    Plan,
    PlanVersion,
    SafetyItem,
    SafetyKind,
)
from rits.plans.selectors import citizen_sees_agreement, may_agree_online

# "Coming up" looks this far ahead.
COMING_UP_DAYS = 8 * 7
# The access log the family reads: the newest this many lines.
ACCESS_LOG_LINES = 100


def my_families(*, user) -> list[Grant]:
    """The families the citizen may see (usually one; a child of parents who live apart
    may be in two). Lists names only: no read event of its own."""
    return sorted(citizen_grants(user).values(), key=lambda g: g.family.name)


def is_network(grant: Grant) -> bool:
    return grant.principal.kind == PrincipalKind.NETWORK_MEMBER


def _require_family_member(grant: Grant) -> None:
    """Pages only the family itself sees (who is involved, who looked at our file)."""
    if is_network(grant):
        raise FamilyNotFound()


def _sees_crisis_plan(grant: Grant, contacts: list[CrisisContact]) -> bool:
    if not is_network(grant):
        return True
    return any(c.network_member_id == grant.principal.network_member.pk for c in contacts)


@dataclass
class PortalPlan:
    grant: Grant
    plan: Plan | None
    goals: list[tuple[Goal, list[Agreement]]]
    other_agreements: list[Agreement]
    crisis_contacts: list[CrisisContact]
    current_version: PlanVersion | None
    today: date
    is_network: bool = False
    # What the reader may do (issue 13): agree with the current version, mark their own
    # agreements done, add their words to "what is working well".
    may_agree: bool = False
    own_agreement_ids: frozenset[int] = frozenset()
    working_well: list[SafetyItem] = field(default_factory=list)

    @property
    def revision(self) -> int:
        return self.plan.revision if self.plan else 0

    @property
    def may_contribute(self) -> bool:
        """Goals and what is working well: the family itself, not its network."""
        return not self.is_network

    @property
    def is_empty(self) -> bool:
        return not (self.goals or self.other_agreements or self.crisis_contacts)


def family_plan(*, user, family_id) -> PortalPlan:
    """The plan as the family (or one of its network) may read it: goals in their own
    words, who does what by when, the crisis plan. A fixed number of queries."""
    with reading(user, family_id, what="portal.plan_viewed", resolve=citizen_grant_for) as read:
        grant = read.grant
        plan = Plan.objects.filter(family=grant.family).first()
        today = timezone.localdate()
        viewer = _viewer_membership(grant)
        if plan is None:
            return PortalPlan(
                grant, None, [], [], [], None, today, is_network(grant), may_agree=False
            )
        content = load_content(plan, comments=True)
        agreements = [a for a in content.agreements if citizen_sees_agreement(grant, a)]
        goals = [] if is_network(grant) else content.goals
        goal_ids = {g.pk for g in goals}
        contacts = (
            content.crisis_contacts if _sees_crisis_plan(grant, content.crisis_contacts) else []
        )
        version = (
            PlanVersion.objects.filter(plan=plan).defer("snapshot").order_by("-number").first()
        )
        read.object_id = plan.pk
        read.person_ids = [m.person_id for m in content.members] if not is_network(grant) else []
        read.detail = {"revision": plan.revision}
    return PortalPlan(
        grant=grant,
        plan=plan,
        goals=[(g, [a for a in agreements if a.goal_id == g.pk]) for g in goals],
        other_agreements=[a for a in agreements if a.goal_id not in goal_ids],
        crisis_contacts=contacts,
        current_version=version,
        today=today,
        is_network=is_network(grant),
        may_agree=bool(
            viewer and version and not version.is_agreed and may_agree_online(viewer, today)
        ),
        own_agreement_ids=frozenset(a.pk for a in agreements if _is_own(grant, a)),
        working_well=[]
        if is_network(grant)
        else [i for i in content.safety_items if i.kind == SafetyKind.WORKING_WELL],
    )


def _viewer_membership(grant: Grant) -> Membership | None:
    if is_network(grant):
        return None
    return (
        Membership.objects.filter(family=grant.family, person=grant.principal.person)
        .select_related("person")
        .first()
    )


def _is_own(grant: Grant, agreement: Agreement) -> bool:
    if is_network(grant):
        return agreement.owner_network_id == grant.principal.network_member.pk
    return agreement.owner_person_id == grant.principal.person.pk


@dataclass(frozen=True)
class InvolvedLine:
    organisation: str
    name: str
    role: str
    legal_basis: str
    legal_basis_code: str
    since: date
    until: date | None
    is_coordinator: bool
    about: str  # the member it is about, or "" for the whole family


def who_is_involved(*, user, family_id) -> tuple[Grant, list[InvolvedLine]]:
    """Who helps the family, from which organisation, in which role, on which legal
    ground and since when. For the family's members only."""
    with reading(user, family_id, what="portal.involved_viewed", resolve=citizen_grant_for) as read:
        grant = read.grant
        _require_family_member(grant)
        involvements = (
            Involvement.objects.visible_to(grant)
            .active(timezone.localdate())
            .select_related("organisation", "professional__user", "person")
            .order_by("-is_coordinator", "start_date", "id")
        )
        lines = [
            InvolvedLine(
                organisation=i.organisation.name,
                name=i.professional.name if i.professional_id else "",
                role=i.role,
                legal_basis=i.get_legal_basis_display(),
                legal_basis_code=i.legal_basis,
                since=i.start_date,
                until=i.end_date,
                is_coordinator=i.is_coordinator,
                about=i.person.full_name if i.person_id else "",
            )
            for i in involvements
            if all(grant.sees_about(i.person_id, d) for d in i.domains)
        ]
    return grant, lines


@dataclass(frozen=True)
class ComingUp:
    when: date
    what: str
    who: str
    kind: str  # "agreement" or "review"
    overdue: bool = False


def coming_up(*, user, family_id) -> tuple[Grant, list[ComingUp]]:
    """What is coming up in the next weeks (and what is past its date and still open):
    agreements by their date and the plan's review. A network member sees their own."""
    with reading(
        user, family_id, what="portal.coming_up_viewed", resolve=citizen_grant_for
    ) as read:
        grant = read.grant
        today = timezone.localdate()
        horizon = today + timedelta(days=COMING_UP_DAYS)
        plan = Plan.objects.filter(family=grant.family).first()
        lines: list[ComingUp] = []
        if plan is not None:
            open_agreements = (
                Agreement.objects.filter(
                    plan=plan, status=AgreementStatus.OPEN, due_date__lte=horizon
                )
                .select_related(
                    "owner_professional__user",
                    "owner_professional__organisation",
                    "owner_person",
                    "owner_network",
                )
                .order_by("due_date", "id")
            )
            lines = [
                ComingUp(a.due_date, a.action, a.owner_name, "agreement", a.due_date < today)
                for a in open_agreements
                if citizen_sees_agreement(grant, a)
            ]
            if plan.review_date and plan.review_date <= horizon and not is_network(grant):
                lines.append(ComingUp(plan.review_date, "", "", "review", plan.review_date < today))
        lines.sort(key=lambda line: line.when)
    return grant, lines


@dataclass(frozen=True)
class LookedLine:
    occurred_at: datetime
    who: str
    organisation: str
    what: str
    ground: str


def who_looked(*, user, family_id) -> tuple[Grant, list[LookedLine]]:
    """ "Who looked at our file": the people who read or changed the family's data, newest
    first, in plain words. Refused attempts are the privacy officer's to follow up, and
    Rits's own work (linking, rules) is no one looking: both are left out."""
    with reading(
        user, family_id, what="portal.access_log_viewed", resolve=citizen_grant_for
    ) as read:
        grant = read.grant
        _require_family_member(grant)
        events = (
            AuditEvent.objects.filter(family_id=grant.family.pk, user_id__isnull=False)
            .exclude(action=AuditAction.REFUSED)
            .order_by("-occurred_at", "-id")[:ACCESS_LOG_LINES]
        )
        lines = [
            LookedLine(
                occurred_at=e.occurred_at,
                who=_who(e, grant),
                organisation=e.organisation_name,
                what=catalogue.access_sentence(e.action, e.object_type),
                ground=e.ground,
            )
            for e in events
        ]
    return grant, lines


def _who(event: AuditEvent, grant: Grant) -> str:
    if event.user_id == grant.principal.user.pk:
        # Their own name, marked: the sentence that follows has its verb in the third
        # person, and in Arabic, Turkish, Tigrinya, Polish and Ukrainian a bare "You"
        # would need another form of it.
        return _("%(name)s (you)") % {"name": event.user_display}
    return event.user_display


@dataclass
class PortalNetwork:
    grant: Grant
    members: list[NetworkMember]
    may_change: bool


def _may_change_network(grant: Grant) -> bool:
    viewer = _viewer_membership(grant)
    return viewer is not None and may_change_network(viewer)


def family_network(*, user, family_id) -> PortalNetwork:
    """The family's network and how to reach each of them, for the family's members
    (a network member does not see who else is in it)."""
    with reading(user, family_id, what="portal.network_viewed", resolve=citizen_grant_for) as read:
        grant = read.grant
        _require_family_member(grant)
        members = list(NetworkMember.objects.visible_to(grant).order_by("name", "id"))
        read.detail = {"network_members": [m.pk for m in members]}
    return PortalNetwork(grant, members, _may_change_network(grant))


def network_member(*, user, family_id, member_id) -> tuple[Grant, NetworkMember, bool]:
    """One person of the family's network, for the form that corrects their details."""
    with reading(
        user, family_id, what="portal.network_member_viewed", resolve=citizen_grant_for
    ) as read:
        grant = read.grant
        _require_family_member(grant)
        member = NetworkMember.objects.visible_to(grant).filter(pk=member_id).first()
        if member is None:
            raise FamilyNotFound()
        read.object_id = member.pk
    return grant, member, _may_change_network(grant)
