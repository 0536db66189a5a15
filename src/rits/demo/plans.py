"""The story families' plans as the demo starts: what their professionals already
assessed. DEMO-1's finances are deliberately not looked at: nobody involved covers them,
and the overview shows it. DEMO-1's plan also has a goal with an agreement of the
coordinator's that is overdue, and a review date that has passed, so that both show on
her start page; no agreement is about finances, so the rent arrears raise an alert."""

from datetime import date, timedelta

from django.db import transaction

from rits.core.domains import LifeDomain as D
from rits.demo.stories import DEMO_1_FRIEND
from rits.families.models import Family, Membership, NetworkMember
from rits.organisations.models import Professional
from rits.plans.content import build_snapshot
from rits.plans.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Assessment,
    CrisisContact,
    Goal,
    Plan,
    PlanVersion,
)

# (domain, member role or "" for the household, score, explanation, staff key, days ago)
DEMO_1_ASSESSMENTS = (
    (
        D.DOMESTIC_RELATIONS,
        "parent",
        3,
        "Saba zorgt liefdevol voor Yonas. Structuur in de ochtend lukt nog niet goed.",
        "ambulant",
        60,
    ),
    (
        D.DAILY_LIVING,
        "",
        2,
        "Opstaan, ontbijt en op tijd naar school lukken vaak niet. De ochtendplanning met "
        "plaatjes helpt een beetje.",
        "ambulant",
        60,
    ),
    (
        D.SOCIAL_NETWORK,
        "parent",
        2,
        "Weinig mensen om op terug te vallen: een vriendin uit de kerk en de buurvrouw.",
        "coordinator",
        30,
    ),
    (
        D.WORK_EDUCATION,
        "child",
        2,
        "Yonas was de afgelopen weken vaak afwezig in groep 1.",
        "coordinator",
        30,
    ),
)


DEMO_1_GOAL = (
    "Ik wil dat Yonas elke dag op tijd op school is.",
    "Saba (moeder)",
    [D.WORK_EDUCATION, D.DAILY_LIVING],
)
# (what, kind, owner: staff key or member role, days until due (negative: overdue), domains)
DEMO_1_AGREEMENTS = (
    (
        "Gesprek plannen met Saba, een tolk en de leerkracht over het verzuim van Yonas.",
        AgreementKind.CALL,
        "coordinator",
        -9,
        [D.WORK_EDUCATION],
    ),
    (
        "Elke avond de ochtendplanning met plaatjes klaarleggen.",
        AgreementKind.OTHER,
        "parent",
        21,
        [D.DAILY_LIVING],
    ),
)
# Her friend Almaz's part, in the plan: an agreement of her own, and she is the 24/7
# trusted person of the crisis plan (so the family portal shows her both).
DEMO_1_FRIEND_AGREEMENT = (
    "Op zondag na de kerk samen met Saba de brieven van de week lezen en vertalen.",
    21,
    [D.DAILY_LIVING],
)
DEMO_1_FRIEND_AVAILABILITY = "dag en nacht, ook via WhatsApp"
# The plan's review date: it has passed, and nobody has set a new one yet.
DEMO_1_REVIEW_DAYS_AGO = 4


@transaction.atomic
def ensure_story_plans(*, staff: dict[str, Professional], today: date) -> None:
    """Give DEMO-1 its first assessments, once: a rerun changes nothing."""
    family = Family.objects.filter(reference="DEMO-1").first()
    if family is None or Plan.objects.filter(family=family).exists():
        return
    plan = Plan.objects.create(family=family, revision=len(DEMO_1_ASSESSMENTS))
    people = {m.role: m.person for m in Membership.objects.filter(family=family)}
    for domain, role, score, explanation, who, days_ago in DEMO_1_ASSESSMENTS:
        professional = staff[who]
        Assessment.objects.create(
            plan=plan,
            person=people.get(role) if role else None,
            domain=domain,
            score=score,
            explanation=explanation,
            assessed_on=today - timedelta(days=days_ago),
            assessed_by=professional,
            assessed_by_name=f"{professional.name} ({professional.organisation.name})",
        )
    text, said_by, domains = DEMO_1_GOAL
    goal = Goal.objects.create(plan=plan, text=text, said_by=said_by, domains=sorted(domains))
    for action, kind, owner, due_in, agreement_domains in DEMO_1_AGREEMENTS:
        Agreement.objects.create(
            plan=plan,
            goal=goal,
            action=action,
            kind=kind,
            owner_professional=staff[owner] if owner in staff else None,
            owner_person=None if owner in staff else people[owner],
            due_date=today + timedelta(days=due_in),
            domains=sorted(agreement_domains),
            status=AgreementStatus.OPEN,
            created_by=staff["coordinator"].user,
        )
    friend = NetworkMember.objects.get(family=family, name=DEMO_1_FRIEND)
    action, due_in, agreement_domains = DEMO_1_FRIEND_AGREEMENT
    Agreement.objects.create(
        plan=plan,
        action=action,
        kind=AgreementKind.OTHER,
        owner_network=friend,
        due_date=today + timedelta(days=due_in),
        domains=sorted(agreement_domains),
        status=AgreementStatus.OPEN,
        created_by=staff["coordinator"].user,
    )
    CrisisContact.objects.create(
        plan=plan,
        name=friend.name,
        relation="vriendin",
        phone=friend.phone,
        availability=DEMO_1_FRIEND_AVAILABILITY,
        is_trusted_person=True,
        network_member=friend,
    )
    plan.review_date = today - timedelta(days=DEMO_1_REVIEW_DAYS_AGO)
    # one revision per change: the assessments, the goal, the agreements, the crisis
    # contact and the review date
    plan.revision = len(DEMO_1_ASSESSMENTS) + 1 + len(DEMO_1_AGREEMENTS) + 1 + 1 + 1
    plan.save(update_fields=["review_date", "revision"])
    PlanVersion.objects.create(plan=plan, number=1, snapshot=build_snapshot(plan))
