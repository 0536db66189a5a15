"""Reads of a family's plan. Each goes through ``rits.access`` and leaves an audit event;
what a reader sees follows their involvement's life domains."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.reads import reading
from rits.access.rules import (
    FamilyNotFound,
    Grant,
    grant_for,
    grants_by_family,
    professional_for,
)
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core import history
from rits.core.db import among
from rits.core.domains import ALL_DOMAINS, LifeDomain
from rits.core.templatetags.rits import age_on
from rits.families.models import Involvement, Membership
from rits.families.selectors import sees_involvement
from rits.plans.content import PlanContent, load_content
from rits.plans.models import (
    WORRY_KINDS,
    Agreement,
    AgreementStatus,
    Assessment,
    CrisisContact,
    FamilyGroupPlanStatus,
    Goal,
    Plan,
    PlanVersion,
    SafetyItem,
    SafetyKind,
    SafetyScore,
)
from rits.plans.scale import assessed_domains, scale_step


def _stale_before(today: date) -> date:
    return today - timedelta(days=settings.PLAN_ASSESSMENT_STALE_DAYS)


def sees_agreement(grant: Grant, domains, owner_organisation_id: int | None) -> bool:
    """An agreement shows to whoever sees one of its life domains, and to the
    organisation that is party to it."""
    return grant.sees_any(domains) or owner_organisation_id == grant.professional.organisation_id


def shown_owner_ids(grant: Grant) -> set[int]:
    """The professionals the reader may see named as an agreement's owner: those with an
    involvement in the family (now or before) that the reader may see, by the family
    overview's rule (``sees_involvement``)."""
    involvements = (
        Involvement.objects.visible_to(grant)
        .filter(professional__isnull=False)
        .only("professional_id", "domains", "is_coordinator")
    )
    return {i.professional_id for i in involvements if sees_involvement(grant, i)}


def shown_owner(name: str, professional_id: int | None, shown: set[int]) -> str:
    """An agreement's owner as the reader may see it: a professional whose involvement
    the reader may not know of stays unnamed."""
    if professional_id is not None and professional_id not in shown:
        return _("A professional outside your involvement")
    return name


def owner_name_for(agreement: Agreement, shown: set[int]) -> str:
    return shown_owner(agreement.owner_name, agreement.owner_professional_id, shown)


def sees_family_group_plan_text(grant: Grant) -> bool:
    # The family's own plan is written across all life domains.
    return grant.domains == ALL_DOMAINS


# --- the plan page ------------------------------------------------------------------


@dataclass
class MemberScore:
    membership: Membership
    assessment: Assessment | None


@dataclass
class DomainRow:
    domain: str
    label: str
    household: Assessment | None
    members: list[MemberScore]
    stale_before: date

    @property
    def looked_at(self) -> bool:
        return self.household is not None or any(m.assessment for m in self.members)

    @property
    def lowest(self) -> Assessment | None:
        scored = [a for a in [self.household, *(m.assessment for m in self.members)] if a]
        return min(scored, key=lambda a: a.score) if scored else None

    @property
    def stale(self) -> bool:
        scored = [a for a in [self.household, *(m.assessment for m in self.members)] if a]
        return bool(scored) and all(a.assessed_on < self.stale_before for a in scored)


@dataclass
class GoalWithAgreements:
    goal: Goal
    agreements: list[Agreement]


@dataclass
class PlanPage:
    grant: Grant
    plan: Plan
    members: list[Membership]
    domains: list[DomainRow]
    hidden_domains: int
    sees_safety: bool
    worries: list
    working_well: list
    needs: list
    safety_scores: list
    goals: list[GoalWithAgreements]
    loose_agreements: list[Agreement]
    hidden_agreements: int
    crisis_contacts: list
    versions: list[PlanVersion]
    today: date
    sees_family_group_plan: bool = False
    # How many goals, and parts of the safety mapping (items and scores), exist that the
    # reader does not see: counted, never shown (issue 11: say there are more).
    hidden_goals: int = 0
    hidden_safety: int = 0
    # how many of the life domains the reader does not see someone has scored
    hidden_domains_scored: int = 0
    # The professionals the reader may see named as an agreement's owner.
    owners_in_view: set = field(default_factory=set)

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def hides_parts(self) -> bool:
        """Whether the plan has parts this reader does not see (now)."""
        return bool(
            self.hidden_domains_scored
            or self.hidden_goals
            or self.hidden_agreements
            or self.hidden_safety
        )

    @property
    def review_overdue(self) -> bool:
        return bool(self.plan.review_date and self.plan.review_date < self.today)

    @property
    def overdue_agreements(self) -> list[Agreement]:
        every = [a for g in self.goals for a in g.agreements] + self.loose_agreements
        return [a for a in every if is_overdue(a, self.today)]


def is_overdue(agreement: Agreement, today: date) -> bool:
    return agreement.status == AgreementStatus.OPEN and agreement.due_date < today


def _plan_of(family) -> Plan:
    """The family's plan, or an empty one not saved yet (the first change creates it)."""
    return Plan.objects.filter(family=family).first() or Plan(family=family)


def domain_rows(grant: Grant, content: PlanContent, today: date) -> tuple[list[DomainRow], int]:
    by_key = {(a.domain, a.person_id): a for a in content.assessments}
    rows, hidden = [], 0
    for domain in assessed_domains():
        if not grant.sees_domain(domain):
            hidden += 1
            continue
        rows.append(
            DomainRow(
                domain=domain,
                label=LifeDomain(domain).label,
                household=by_key.get((domain, None)),
                members=[
                    MemberScore(m, by_key.get((domain, m.person_id)))
                    for m in content.members
                    if grant.sees_person(m.person_id)
                ],
                stale_before=_stale_before(today),
            )
        )
    return rows, hidden


def _page_from(grant: Grant, content: PlanContent, versions: list[PlanVersion]) -> PlanPage:
    today = timezone.localdate()
    rows, hidden_domains = domain_rows(grant, content, today)
    sees_safety = grant.sees_domain(LifeDomain.SAFETY)
    items = content.safety_items if sees_safety else []
    visible = [
        a
        for a in content.agreements
        if sees_agreement(
            grant,
            a.domains,
            a.owner_professional.organisation_id if a.owner_professional_id else None,
        )
    ]
    goals = [g for g in content.goals if grant.sees_any(g.domains)]
    goal_ids = {g.pk for g in goals}
    return PlanPage(
        grant=grant,
        plan=content.plan,
        members=[m for m in content.members if grant.sees_person(m.person_id)],
        domains=rows,
        hidden_domains=hidden_domains,
        sees_safety=sees_safety,
        worries=[i for i in items if i.kind in WORRY_KINDS],
        working_well=[i for i in items if i.kind == SafetyKind.WORKING_WELL],
        needs=[i for i in items if i.kind in (SafetyKind.SAFETY_GOAL, SafetyKind.NEXT_STEP)],
        safety_scores=content.safety_scores if sees_safety else [],
        goals=[GoalWithAgreements(g, [a for a in visible if a.goal_id == g.pk]) for g in goals],
        loose_agreements=[a for a in visible if a.goal_id not in goal_ids],
        hidden_agreements=len(content.agreements) - len(visible),
        crisis_contacts=content.crisis_contacts,
        versions=versions,
        today=today,
        sees_family_group_plan=sees_family_group_plan_text(grant),
        hidden_goals=len(content.goals) - len(goals),
        hidden_safety=0 if sees_safety else len(content.safety_items) + len(content.safety_scores),
        hidden_domains_scored=len(
            {a.domain for a in content.assessments if not grant.sees_domain(a.domain)}
        ),
        owners_in_view=shown_owner_ids(grant),
    )


def _versions(plan: Plan) -> list[PlanVersion]:
    if plan.pk is None:
        return []
    return list(PlanVersion.objects.filter(plan=plan).defer("snapshot").order_by("-number"))


def plan_page(*, user, family_id: int | str) -> PlanPage:
    """The whole plan as ``user`` may see it. A constant number of queries, however big
    the plan grows."""
    with reading(user, family_id, what="plan.viewed") as read:
        grant = read.grant
        plan = _plan_of(grant.family)
        content = load_content(plan, comments=True)
        page = _page_from(grant, content, _versions(plan))
        read.object_id = plan.pk
        read.person_ids = [m.person_id for m in content.members]
        read.detail = {"domains": sorted(grant.domains), "revision": plan.revision}
    return page


def plan_for_editing(*, user, family_id: int | str) -> tuple[Grant, Plan]:
    """The grant and the plan (with its revision) for a form that changes the plan."""
    grant = grant_for(user, family_id)
    return grant, _plan_of(grant.family)


class PlanEditing:
    """What the plan's forms need: the grant, the plan with the revision the form is
    based on, and (loaded only when asked for) the members, the goals the reader sees
    and the versions."""

    def __init__(self, grant: Grant, plan: Plan):
        self.grant = grant
        self.plan = plan

    @cached_property
    def members(self) -> list[Membership]:
        return list(
            Membership.objects.visible_to(self.grant).select_related("person").order_by("id")
        )

    @cached_property
    def goals(self) -> list[Goal]:
        if self.plan.pk is None:
            return []
        goals = Goal.objects.filter(plan=self.plan).order_by("id")
        return [g for g in goals if self.grant.sees_any(g.domains)]

    @cached_property
    def versions(self) -> list[PlanVersion]:
        return _versions(self.plan)


def plan_for_forms(
    *,
    user,
    family_id: int | str,
    form: str,
    lists_members: bool = False,
    detail: dict | None = None,
) -> PlanEditing:
    """``plan_for_editing`` with the choices the plan's forms offer. A form page shows
    family data (its name, members, goals, what is being changed), so every call is a
    read in the audit log: ``form`` names the page, ``lists_members`` says it names the
    members (they are then in the event)."""
    with reading(user, family_id, what="plan.form_viewed") as read:
        grant = read.grant
        editing = PlanEditing(grant, _plan_of(grant.family))
        read.object_id = editing.plan.pk or ""
        read.person_ids = [m.person_id for m in editing.members] if lists_members else []
        read.detail = {"form": form, "domains": sorted(grant.domains), **(detail or {})}
    return editing


def agreement_for_editing(*, grant: Grant, agreement_id: int) -> Agreement:
    agreement = (
        Agreement.objects.visible_to(grant)
        .filter(pk=agreement_id)
        .select_related("owner_professional__organisation")
        .first()
    )
    owner_org = (
        agreement.owner_professional.organisation_id
        if agreement and agreement.owner_professional_id
        else None
    )
    if agreement is None or not sees_agreement(grant, agreement.domains, owner_org):
        raise Http404(_("This agreement does not exist or is not visible to you."))
    return agreement


# --- the family overview's view on the plan -----------------------------------------


@dataclass
class PlanSummary:
    domains: list[DomainRow]
    hidden_domains: int
    open_agreements: int
    overdue_agreements: int
    current_version: PlanVersion | None
    review_date: date | None


def plan_summary(*, grant: Grant, members: list[Membership]) -> PlanSummary:
    """The plan at a glance for the family overview (which is audited itself): every life
    domain the reader sees, scored or visibly not looked at."""
    today = timezone.localdate()
    plan = _plan_of(grant.family)
    assessments: list[Assessment] = []
    agreements: list = []
    version = None
    if plan.pk:
        newest: dict[tuple, Assessment] = {}
        for a in Assessment.objects.filter(plan=plan).order_by("-assessed_on", "-id"):
            newest.setdefault((a.domain, a.person_id), a)
        assessments = list(newest.values())
        agreements = list(
            Agreement.objects.filter(plan=plan, status=AgreementStatus.OPEN).values_list(
                "domains", "owner_professional__organisation_id", "due_date"
            )
        )
        version = (
            PlanVersion.objects.filter(plan=plan).defer("snapshot").order_by("-number").first()
        )
    content = PlanContent(plan, members, assessments, [], [], [], [])
    rows, hidden = domain_rows(grant, content, today)
    visible = [a for a in agreements if sees_agreement(grant, a[0], a[1])]
    return PlanSummary(
        domains=rows,
        hidden_domains=hidden,
        open_agreements=len(visible),
        overdue_agreements=sum(1 for a in visible if a[2] < today),
        current_version=version,
        review_date=plan.review_date,
    )


# --- versions and their comparison --------------------------------------------------


@dataclass
class Difference:
    change: str  # "added", "removed" or "changed"
    before: str
    after: str


@dataclass
class SectionDifferences:
    title: str
    differences: list[Difference]
    section: str = ""  # the snapshot's key, e.g. "agreements" (for the API)


@dataclass
class Comparison:
    grant: Grant
    older: PlanVersion
    newer: PlanVersion
    sections: list[SectionDifferences]
    versions: list[PlanVersion]

    @property
    def unchanged(self) -> bool:
        return not any(s.differences for s in self.sections)


def _visible_line(grant: Grant, section: str, line: dict) -> bool:
    if section == "assessments":
        return grant.sees_domain(line["domain"])
    if section in ("safety_items", "safety_scores"):
        return grant.sees_domain(LifeDomain.SAFETY)
    if section == "goals":
        return grant.sees_any(line["domains"])
    if section == "agreements":
        return sees_agreement(grant, line["domains"], line["owner_organisation_id"])
    return True


def _describe(section: str, line: dict) -> str:
    """One line of a plan in the reader's language, for a comparison."""
    if section == "assessments":
        step = scale_step(line["score"])
        return _("%(domain)s, %(whom)s: %(score)s (%(label)s) — %(explanation)s") % {
            "domain": LifeDomain(line["domain"]).label,
            "whom": line["person"] or _("household"),
            "score": line["score"],
            "label": step.label if step else "",
            "explanation": line["explanation"],
        }
    if section == "safety_items":
        return f"{SafetyKind(line['kind']).label}: {line['text']}"
    if section == "safety_scores":
        return _("%(name)s: %(score)s of 10") % line + (
            f" — {line['explanation']}" if line["explanation"] else ""
        )
    if section == "goals":
        said = f" ({line['said_by']})" if line["said_by"] else ""
        return f"“{line['text']}”{said}"
    if section == "agreements":
        return _("%(owner)s: %(action)s — by %(due)s, %(status)s") % {
            "owner": line["owner"],
            "action": line["action"],
            "due": date.fromisoformat(line["due_date"]).strftime("%d-%m-%Y"),
            "status": AgreementStatus(line["status"]).label.lower(),
        } + (f" ({line['status_note']})" if line["status_note"] else "")
    if section == "crisis_contacts":
        trusted = _(" — 24/7 trusted person") if line["trusted_person"] else ""
        return f"{line['name']} ({line['relation']}), {line['phone']}{trusted}"
    return str(line)


SECTION_TITLES = {
    "assessments": lambda: _("Life domains"),
    "safety_items": lambda: _("Worries, strengths and what needs to happen"),
    "safety_scores": lambda: _("Safety scale"),
    "goals": lambda: _("Goals"),
    "agreements": lambda: _("Agreements"),
    "crisis_contacts": lambda: _("Crisis plan"),
    "details": lambda: _("Review date and family group plan"),
}


def _details_lines(grant: Grant, details: dict) -> list[dict]:
    def shown(iso_date) -> str:
        return date.fromisoformat(iso_date).strftime("%d-%m-%Y") if iso_date else ""

    status = details["family_group_plan_status"]
    lines = [
        {
            "key": "review_date",
            "text": _("Review date: %s") % (shown(details["review_date"]) or "—"),
        },
        {
            "key": "family_group_plan",
            "text": _("Family group plan: %(status)s %(date)s")
            % {
                "status": FamilyGroupPlanStatus(status).label.lower()
                if status in FamilyGroupPlanStatus.values
                else status,
                "date": shown(details["family_group_plan_date"]),
            },
        },
    ]
    if sees_family_group_plan_text(grant) and details["family_group_plan_text"]:
        lines.append({"key": "text", "text": details["family_group_plan_text"]})
    return lines


def _shown_lines(grant: Grant, section: str, lines: list[dict], shown: set[int]) -> list[dict]:
    """The lines of a snapshot's section the reader may see, with owners they may not
    know of unnamed."""
    visible = [line for line in lines if _visible_line(grant, section, line)]
    if section != "agreements":
        return visible
    return [
        {**line, "owner": shown_owner(line["owner"], line.get("owner_professional_id"), shown)}
        for line in visible
    ]


def _differences(
    grant: Grant, section: str, old: dict, new: dict, shown: set[int]
) -> list[Difference]:
    if section == "details":
        describe = lambda line: line["text"]  # noqa: E731
        before = {line["key"]: line for line in _details_lines(grant, old.get(section, {}))}
        after = {line["key"]: line for line in _details_lines(grant, new.get(section, {}))}
    else:
        describe = lambda line: _describe(section, line)  # noqa: E731
        before = {
            line["key"]: line for line in _shown_lines(grant, section, old.get(section, []), shown)
        }
        after = {
            line["key"]: line for line in _shown_lines(grant, section, new.get(section, []), shown)
        }
    result = []
    for key, line in after.items():
        if key not in before:
            result.append(Difference("added", "", describe(line)))
        elif describe(before[key]) != describe(line):
            result.append(Difference("changed", describe(before[key]), describe(line)))
    for key, line in before.items():
        if key not in after:
            result.append(Difference("removed", describe(line), ""))
    return result


def compare_versions(*, user, family_id: int | str, older: int, newer: int) -> Comparison:
    """What changed between two versions of the plan, limited to what ``user`` may see."""
    with reading(user, family_id, what="plan.comparison_viewed") as read:
        grant = read.grant
        plan = _plan_of(grant.family)
        versions = _versions(plan)
        numbers = {v.number for v in versions}
        if older not in numbers or newer not in numbers:
            raise ValidationError(_("Choose two versions of this plan."))
        older, newer = sorted((older, newer))
        pair = {
            v.number: v for v in PlanVersion.objects.filter(plan=plan, number__in=[older, newer])
        }
        old, new = pair[older].snapshot, pair[newer].snapshot
        shown = shown_owner_ids(grant)
        sections = [
            SectionDifferences(title(), _differences(grant, section, old, new, shown), section)
            for section, title in SECTION_TITLES.items()
        ]
        read.object_id = plan.pk
        read.detail = {"versions": [older, newer]}
    return Comparison(grant, pair[older], pair[newer], sections, versions)


@dataclass
class VersionDetail:
    grant: Grant
    version: PlanVersion
    details: dict
    lines: dict[str, list[dict]]  # section -> the lines of the snapshot the reader may see
    is_current: bool


def version_detail(*, user, family_id: int | str, number: int) -> VersionDetail:
    """One version of the plan as it was, limited to what ``user`` may see now;
    ``Http404`` when the plan has no such version."""
    with reading(user, family_id, what="plan.version_viewed") as read:
        grant = read.grant
        plan = _plan_of(grant.family)
        version = None
        if plan.pk is not None:
            version = PlanVersion.objects.filter(plan=plan, number=number).first()
        if version is None:
            raise Http404(_("This plan has no version %(n)s.") % {"n": number})
        snapshot = version.snapshot or {}
        shown = shown_owner_ids(grant)
        lines = {
            section: _shown_lines(grant, section, snapshot.get(section, []), shown)
            for section in SECTION_TITLES
            if section != "details"
        }
        # An agreement the reader sees may belong to a goal they do not see.
        goal_keys = {line["key"] for line in lines["goals"]}
        lines["agreements"] = [
            {**line, "goal_id": line["goal_id"] if str(line.get("goal_id")) in goal_keys else None}
            for line in lines["agreements"]
        ]
        details = dict(snapshot.get("details", {}))
        if not sees_family_group_plan_text(grant):
            details["family_group_plan_text"] = None
        newest = (
            PlanVersion.objects.filter(plan=plan)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        read.object_id = version.pk
        read.detail = {"number": version.number, "domains": sorted(grant.domains)}
    return VersionDetail(grant, version, details, lines, is_current=version.number == newest)


# --- the plan for the family (PDF) --------------------------------------------------


def plan_document(*, user, family_id: int | str) -> PlanPage:
    """The current plan for a printed copy; the same visibility as the page, audited as
    an export."""
    with reading(user, family_id, what="plan.pdf_exported") as read:
        grant = read.grant
        plan = _plan_of(grant.family)
        content = load_content(plan)
        page = _page_from(grant, content, _versions(plan))
        read.object_id = plan.pk
        read.person_ids = [m.person_id for m in content.members]
        read.detail = {"domains": sorted(grant.domains), "revision": plan.revision}
    return page


def family_coordinator(*, grant: Grant) -> Involvement | None:
    """The family's current coordinator, whom everyone with access may know (the family
    overview shows it too): the printed plan says whom the family can ask."""
    return Involvement.objects.coordinator_of(grant.family)


# --- reminders ----------------------------------------------------------------------


# The most reminders of each kind the panel lists (the counts say how many there are).
REMINDERS_SHOWN = 20


@dataclass
class Reminders:
    overdue_agreements: list[Agreement]
    reviews_due: list[Plan]
    overdue_count: int = 0  # how many there are; the list holds at most REMINDERS_SHOWN
    reviews_count: int = 0


def my_reminders(*, user, grants: dict[int, Grant] | None = None) -> Reminders:
    """Agreements the user owns that are overdue, and plans of families they coordinate
    whose review date has come; only within the families they may see now (``grants``,
    when the caller has them already). The lists hold the first ``REMINDERS_SHOWN`` of
    each, the counts all of them."""
    professional = professional_for(user)
    today = timezone.localdate()
    if grants is None:
        grants = grants_by_family(professional, today)
    family_ids = list(grants)
    overdue_all = Agreement.objects.filter(
        owner_professional=professional,
        status=AgreementStatus.OPEN,
        due_date__lt=today,
        plan__family_id__in=family_ids,
    )
    overdue = list(
        overdue_all.select_related("plan__family").order_by("due_date")[:REMINDERS_SHOWN]
    )
    coordinated = Involvement.objects.coordinating(today).filter(professional=professional)
    reviews_all = Plan.objects.filter(
        review_date__lte=today,
        family_id__in=coordinated.values("family_id"),
    ).filter(family_id__in=family_ids)
    reviews = list(reviews_all.select_related("family").order_by("review_date")[:REMINDERS_SHOWN])
    if overdue or reviews:
        catalogue.log(
            "plan.reminders_viewed",
            actor=Actor.for_user(user),
            detail={
                "family_ids": sorted(
                    {a.plan.family_id for a in overdue} | {p.family_id for p in reviews}
                )
            },
        )
    overdue_count = len(overdue) if len(overdue) < REMINDERS_SHOWN else overdue_all.count()
    reviews_count = len(reviews) if len(reviews) < REMINDERS_SHOWN else reviews_all.count()
    return Reminders(overdue, reviews, overdue_count, reviews_count)


# --- facts for other domains' rules ----------------------------------------------------


@dataclass(frozen=True)
class AgreementFact:
    """An agreement as another domain's rules see it: its life domains, its status, when
    it last changed and the family member who owns it (if one does); nothing it says."""

    id: int
    domains: tuple[str, ...]
    status: str
    updated_at_date: date
    owner_person_id: int | None

    @property
    def about_finances(self) -> bool:
        return LifeDomain.FINANCES in self.domains

    @property
    def is_open(self) -> bool:
        return self.status == AgreementStatus.OPEN

    @property
    def is_done(self) -> bool:
        return self.status == AgreementStatus.DONE


def agreement_facts(family_ids: Iterable[int]) -> dict[int, list[AgreementFact]]:
    """The agreements of the plans of ``family_ids``, as plain facts, by family (a
    family without agreements is left out): in one query, however many families.

    For the signal rules, which run as the system over thousands of families and decide
    nothing about who may see what; it is not a read for a person (that is
    ``plan_for_user``) and so asks no access and leaves no audit event."""
    found: dict[int, list[AgreementFact]] = defaultdict(list)
    rows = Agreement.objects.filter(among("plan__family_id", sorted(set(family_ids))))
    for pk, family_id, domains, status, updated_at, owner in rows.values_list(
        "id", "plan__family_id", "domains", "status", "updated_at", "owner_person_id"
    ):
        found[family_id].append(
            AgreementFact(pk, tuple(domains or ()), status, timezone.localdate(updated_at), owner)
        )
    return dict(found)


# --- the history of the plan's parts and what was removed (issue 11) ------------------


# Who agrees with the plan for the family online: a parent (or step-parent, guardian)
# and every member of 16 or older (from 16 a young person decides alone: Jeugdwet 7.3.4).
AGREES_ONLINE_FROM = 16
_CARER_ROLES = ("parent", "step_parent", "guardian")


def may_agree_online(membership: Membership, today: date | None = None) -> bool:
    """Whether this member may agree with the plan for the family: a parent, or 16+."""
    if membership.role in _CARER_ROLES:
        return True
    age = age_on(membership.person.birth_date, today or timezone.localdate())
    return age is not None and age >= AGREES_ONLINE_FROM


def citizen_sees_agreement(grant: Grant, agreement: Agreement) -> bool:
    """The portal's rule for an agreement: a network member sees their own, a family
    member every one but those about another member whose information is not theirs
    (``Grant.sees_about``: a parent does not see their 16-year-old's own health parts)."""
    principal = grant.principal
    if principal.network_member is not None:
        return agreement.owner_network_id == principal.network_member.pk
    return all(grant.sees_about(agreement.owner_person_id, d) for d in agreement.domains)


def sees_part(grant: Grant, part) -> bool:
    """Whether the reader sees a part of the plan, by the plan page's rule: the safety
    mapping and scores with the safety domain, a goal with one of its life domains, the
    crisis plan always."""
    if isinstance(part, SafetyItem | SafetyScore):
        return grant.sees_domain(LifeDomain.SAFETY)
    if isinstance(part, Goal):
        return grant.sees_any(part.domains)
    if isinstance(part, Agreement):
        owner = part.owner_professional if part.owner_professional_id else None
        return sees_agreement(grant, part.domains, owner.organisation_id if owner else None)
    return True


# kind (as in the urls) -> the model and the fields its history compares
PARTS = {
    "goal": (Goal, ("text", "said_by", "domains")),
    "safety-item": (SafetyItem, ("kind", "text")),
    "safety-score": (SafetyScore, ("perspective", "name", "score", "explanation")),
    "crisis-contact": (
        CrisisContact,
        ("name", "relation", "phone", "availability", "is_trusted_person"),
    ),
    # an agreement is changed (its status too), not removed: only its history here
    "agreement": (
        Agreement,
        ("action", "kind", "due_date", "domains", "status", "status_note"),
    ),
}


# the parts a page removes (and puts back)
REMOVABLE = ("goal", "safety-item", "safety-score", "crisis-contact")


def part_name(part) -> str:
    """How a part is named on the history and removed pages."""
    if isinstance(part, SafetyScore):
        return f"{part.name}: {part.score}"
    if isinstance(part, CrisisContact):
        return part.name
    text = part.action if isinstance(part, Agreement) else part.text
    return text if len(text) <= 80 else text[:79] + "…"


def _shown(model):
    def values(name: str, value) -> str:
        if name == "domains" and isinstance(value, list):
            return ", ".join(str(LifeDomain(d).label) for d in value if d in LifeDomain.values)
        return history.shown(model, name, value)

    return values


def part_history(*, user, family_id: int | str, kind: str, part_id: int | str) -> dict:
    """The history of one part of the plan (also a removed one), newest first, audited
    as a read. A part the reader may not see is 'not found'."""
    model, fields = PARTS[kind]
    with reading(user, family_id, what="plan.history_viewed") as read:
        grant = read.grant
        try:
            pk = int(part_id)
        except (TypeError, ValueError):
            raise FamilyNotFound from None
        records = list(
            model.history.filter(id=pk, plan__family_id=grant.family.pk)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        if not records or not sees_part(grant, records[-1].instance):
            raise FamilyNotFound
        read.object_id = pk
        read.detail = {"part": kind}
        entries = history.entries(model, records, fields, grant.family.pk, values=_shown(model))
    entries.sort(key=lambda e: e.at, reverse=True)
    return {"grant": grant, "name": part_name(records[-1].instance), "entries": entries}


@dataclass(frozen=True)
class RemovedPart:
    kind: str  # a key of PARTS
    object_id: int
    name: str
    removed_at: datetime
    removed_by: str
    undo_until: datetime


def removed_from_plan(*, user, family_id: int | str, now: datetime | None = None) -> dict:
    """The parts of the plan removed within the undo window and not put back that the
    reader may see, newest first, audited as a read."""
    now = now or timezone.now()
    since = now - history.UNDO_WINDOW
    found: list[RemovedPart] = []
    with reading(user, family_id, what="plan.removed_viewed") as read:
        grant = read.grant
        plan = _plan_of(grant.family)
        for kind in REMOVABLE:
            model = PARTS[kind][0]
            removals = (
                model.history.filter(
                    plan__family_id=grant.family.pk, history_type="-", history_date__gte=since
                )
                .exclude(id__in=model.objects.filter(plan__family_id=grant.family.pk).values("pk"))
                .select_related("history_user")
                .order_by("-history_date", "-history_id")
            )
            seen = set()
            for r in removals:
                if r.id in seen:
                    continue
                seen.add(r.id)
                part = r.instance
                if not sees_part(grant, part):
                    continue
                found.append(
                    RemovedPart(
                        kind,
                        r.id,
                        part_name(part),
                        r.history_date,
                        str(r.history_user or _("the system")),
                        r.history_date + history.UNDO_WINDOW,
                    )
                )
        read.object_id = plan.pk or ""
    found.sort(key=lambda r: r.removed_at, reverse=True)
    return {"grant": grant, "plan": plan, "removed": found}


def part_for_change(*, grant: Grant, kind: str, part_id: int | str):
    """A part of the grant's family's plan for its change or removal page (whose read
    the view audits as a form page); one the reader may not see is 'not found'."""
    model, _fields = PARTS[kind]
    try:
        pk = int(part_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    part = model.objects.visible_to(grant).filter(pk=pk).first()
    if part is None or not sees_part(grant, part):
        raise FamilyNotFound
    return part
