"""What a plan says right now, loaded in a fixed number of queries, and its snapshot.

A snapshot is plain JSON: every line of the plan under a stable key, with the life
domains it belongs to, so that any two versions can be compared and what a reader may
not see can be left out of the comparison as well."""

from dataclasses import dataclass, field

from rits.families.models import Membership
from rits.plans.models import (
    Agreement,
    AgreementComment,
    Assessment,
    CrisisContact,
    Goal,
    Plan,
    SafetyItem,
    SafetyScore,
)


@dataclass
class PlanContent:
    plan: Plan
    members: list[Membership]
    assessments: list[Assessment]  # the newest per (domain, person)
    safety_items: list[SafetyItem]
    safety_scores: list[SafetyScore]  # the newest per (perspective, name)
    goals: list[Goal]
    agreements: list[Agreement]
    crisis_contacts: list[CrisisContact] = field(default_factory=list)


def load_content(
    plan: Plan, members: list[Membership] | None = None, *, comments: bool = False
) -> PlanContent:
    """The plan's current lines. Assessment and safety-score history stays in the
    database; only the newest of each counts here. ``comments``: with each agreement's
    comments (``agreement.shown_comments``, oldest first), for the pages: one query."""
    if members is None:
        members = list(Membership.objects.filter(family_id=plan.family_id).select_related("person"))
    if plan.pk is None:
        return PlanContent(plan, members, [], [], [], [], [])
    newest: dict[tuple, Assessment] = {}
    for a in Assessment.objects.filter(plan=plan).order_by("-assessed_on", "-id"):
        newest.setdefault((a.domain, a.person_id), a)
    scores: dict[tuple, SafetyScore] = {}
    for s in SafetyScore.objects.filter(plan=plan).order_by("-recorded_on", "-id"):
        scores.setdefault((s.perspective, s.name.casefold()), s)
    agreements = list(
        Agreement.objects.filter(plan=plan)
        .select_related(
            "owner_professional__user",
            "owner_professional__organisation",
            "owner_person",
            "owner_network",
        )
        .order_by("due_date", "id")
    )
    if comments:
        attach_comments(plan, agreements)
    return PlanContent(
        plan=plan,
        members=members,
        assessments=sorted(newest.values(), key=lambda a: (a.domain, a.person_id or 0)),
        safety_items=list(SafetyItem.objects.filter(plan=plan).order_by("id")),
        safety_scores=sorted(scores.values(), key=lambda s: (s.perspective, s.name)),
        goals=list(Goal.objects.filter(plan=plan).order_by("id")),
        agreements=agreements,
        crisis_contacts=list(CrisisContact.objects.filter(plan=plan)),
    )


def attach_comments(plan: Plan, agreements: list[Agreement]) -> None:
    """Each agreement's comments as ``agreement.shown_comments``, in one query."""
    by_agreement: dict[int, list[AgreementComment]] = {a.pk: [] for a in agreements}
    for comment in AgreementComment.objects.filter(agreement__plan=plan).order_by(
        "created_at", "id"
    ):
        by_agreement.setdefault(comment.agreement_id, []).append(comment)
    for agreement in agreements:
        agreement.shown_comments = by_agreement[agreement.pk]


def _date(value) -> str | None:
    return value.isoformat() if value else None


def snapshot_of(content: PlanContent) -> dict:
    plan = content.plan
    names = {m.person_id: m.person.full_name for m in content.members}
    return {
        "details": {
            "review_date": _date(plan.review_date),
            "family_group_plan_status": plan.family_group_plan_status,
            "family_group_plan_date": _date(plan.family_group_plan_date),
            "family_group_plan_text": plan.family_group_plan_text,
        },
        "assessments": [
            {
                "key": f"{a.domain}:{a.person_id or 'household'}",
                "domain": a.domain,
                "person_id": a.person_id,
                "person": names.get(a.person_id, "") if a.person_id else "",
                "score": a.score,
                "explanation": a.explanation,
                "assessed_on": _date(a.assessed_on),
                "assessed_by": a.assessed_by_name,
            }
            for a in content.assessments
        ],
        "safety_items": [
            {"key": str(i.pk), "kind": i.kind, "text": i.text} for i in content.safety_items
        ],
        "safety_scores": [
            {
                "key": f"{s.perspective}:{s.name.casefold()}",
                "perspective": s.perspective,
                "name": s.name,
                "score": s.score,
                "explanation": s.explanation,
                "recorded_on": _date(s.recorded_on),
            }
            for s in content.safety_scores
        ],
        "goals": [
            {"key": str(g.pk), "text": g.text, "said_by": g.said_by, "domains": g.domains}
            for g in content.goals
        ],
        "agreements": [
            {
                "key": str(a.pk),
                "action": a.action,
                "kind": a.kind,
                "owner": a.owner_name,
                "owner_professional_id": a.owner_professional_id,
                "owner_organisation_id": (
                    a.owner_professional.organisation_id if a.owner_professional_id else None
                ),
                "due_date": _date(a.due_date),
                "status": a.status,
                "status_note": a.status_note,
                "domains": a.domains,
                "goal_id": a.goal_id,
            }
            for a in content.agreements
        ],
        "crisis_contacts": [
            {
                "key": str(c.pk),
                "name": c.name,
                "relation": c.relation,
                "phone": c.phone,
                "availability": c.availability,
                "trusted_person": c.is_trusted_person,
            }
            for c in content.crisis_contacts
        ],
    }


def build_snapshot(plan: Plan) -> dict:
    return snapshot_of(load_content(plan))
