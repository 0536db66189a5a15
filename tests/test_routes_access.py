"""Refusal, audit and read-only tests generated from the URL resolver.

Every route (pages and API) whose pattern carries an id of family data is found by
walking ``get_resolver()``, and each is checked in a seeded world (two families, family
A's coordinator, an outsider, a signal source with a delivery, an alert, a review, an
agreement, a pending involvement, a possible duplicate, a concern match, an emergency
access):

- the outsider gets 404 for family A's ids, the same answer as for ids that do not
  exist, and nothing is written but the refusal's audit event;
- the insider's reading of a page that shows family data leaves an audit event on A;
- under emergency access every write is refused and no family-data row changes.

A new route is checked the day it is added. A route with an id this file does not know
fails ``test_every_id_in_a_route_is_known``: add a line to ``IDS`` for it."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from rits.access import services as access_services
from rits.access.models import EmergencyAccess
from rits.access.rules import grant_for
from rits.audit import catalogue
from rits.audit.models import AuditEvent
from rits.audit.services import Actor
from rits.families import services as family_services
from rits.families.models import Involvement, NetworkMember, PossibleDuplicate
from rits.notifications.models import Notification
from rits.organisations.models import OrganisationKind, ProfessionalRole
from rits.plans import services as plan_services
from rits.plans.models import Plan, PlanVersion
from rits.portal.models import CitizenAccount
from rits.signals.intake import clients as signal_clients
from rits.signals.intake import services as signal_services
from rits.signals.intake.authentication import SignalSourceTokenAuthentication
from rits.signals.linking import review as link_review
from rits.signals.models import ConcernMatch, LinkReview, SignalSourceToken
from rits.signals.pipeline import run_rules
from rits.signals.tests.factories import linked_signal
from rits.worklist.models import WorkItem, WorkItemStatus
from tests import factories
from tests.auth import login_verified
from tests.test_access_chokepoint import family_models

MISSING = 999_999  # an id no row has
WRITES = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Id:
    """How to find family A's object for a route's id, and who may use it."""

    of_a: str  # attribute of the world
    insider: str = "coordinator"  # who may use it: a person of the world, or a "token"
    outsider: str = "outsider"  # who may not (for a machine route: "other_token")
    shows_family: bool = True  # a read of it shows family A's data (and is audited)
    # it names family data: its writes change family rows (so emergency access is tested
    # on them); a person's own notification is not family data
    family_data: bool = True


# kwarg -> what it names; the one place to add an id when an app adds a route.
IDS = {
    "family_id": Id("family_id"),
    "agreement_id": Id("agreement_id"),
    "number": Id("version_number"),
    "involvement_id": Id("involvement_id"),
    "duplicate_id": Id("duplicate_id"),
    "alert_id": Id("alert_id"),
    "item_id": Id("alert_id"),  # a work item: the world's is an alert
    "review_id": Id("review_id"),
    # A delivery shows how it was taken in, never what became of its signals.
    "batch_id": Id("batch_id", insider="source_staff", outsider="other_staff", shows_family=False),
    "match_id": Id("match_id", insider="token", outsider="other_token", shows_family=False),
    # The coordinator's own notification; anyone else's is not found.
    "notification_id": Id("notification_id", shows_family=False, family_data=False),
    "membership_id": Id("membership_id"),
    "network_member_id": Id("network_member_id"),
    "goal_id": Id("goal_id"),
    "safety_item_id": Id("safety_item_id"),
    "safety_score_id": Id("safety_score_id"),
    "crisis_contact_id": Id("crisis_contact_id"),
}
# Generic names ("pk", "id") say nothing; they are named per route.
ROUTE_IDS = {
    "access:review": {"pk": Id("emergency_id", insider="privacy_officer")},
    # Only a decided item can be reopened: the world's dismissed one.
    "worklist:reopen": {"item_id": Id("closed_item_id")},
    # Only a decided possible link can be reopened: the world's confirmed one.
    "signals:review-reopen": {"review_id": Id("decided_review_id")},
    # an undo names what was removed
    "families:undo-member-removal": {"membership_id": Id("removed_membership_id")},
    "families:undo-network-removal": {"network_member_id": Id("removed_network_member_id")},
    "plans:undo-goal-removal": {"goal_id": Id("removed_goal_id")},
    "plans:undo-safety-item-removal": {"safety_item_id": Id("removed_safety_item_id")},
    "plans:undo-safety-score-removal": {"safety_score_id": Id("removed_safety_score_id")},
    "plans:undo-crisis-contact-removal": {"crisis_contact_id": Id("removed_crisis_contact_id")},
    # An approved involvement that is changed or ended (the world's other one waits).
    "families:change-involvement": {"involvement_id": Id("worker_involvement_id")},
    "families:end-involvement": {"involvement_id": Id("worker_involvement_id")},
    # Only a planned hand-over can be cancelled: in a family of the coordinator's that has one
    # (family A's coordinator hands over in the test of "families:hand-over").
    "families:cancel-hand-over": {"family_id": Id("handing_over_family_id")},
    # The export of the access log is the privacy officer's (the coordinator reads the page).
    "access:access-log-export": {"family_id": Id("family_id", insider="privacy_officer")},
    # The family portal: family A's mother reads it, a member of another family is refused
    # (a professional's login finds no portal: rits/portal/tests).
    **{
        (name if name.startswith("api:") else f"portal:{name}"): {
            "family_id": Id("family_id", insider="citizen_mother", outsider="citizen_other")
        }
        for name in (
            "plan",
            "involved",
            "coming-up",
            "who-looked",
            "api:portal-plan",
            "api:portal-involved",
            "api:portal-coming-up",
            "api:portal-access-log",
            "agree",
            "add-goal",
            "add-strength",
            "network",
        )
    },
    # what the family does itself: the mother marks her own agreement done, comments on
    # the coordinator's, corrects the neighbour's phone number
    "portal:agreement-done": {
        "family_id": Id("family_id", insider="citizen_mother", outsider="citizen_other"),
        "agreement_id": Id(
            "mother_agreement_id", insider="citizen_mother", outsider="citizen_other"
        ),
    },
    "portal:agreement-comment": {
        "family_id": Id("family_id", insider="citizen_mother", outsider="citizen_other"),
        "agreement_id": Id("agreement_id", insider="citizen_mother", outsider="citizen_other"),
    },
    "portal:network-member": {
        "family_id": Id("family_id", insider="citizen_mother", outsider="citizen_other"),
        "network_member_id": Id(
            "network_member_id", insider="citizen_mother", outsider="citizen_other"
        ),
    },
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    callback: object

    @property
    def kwargs(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.pattern)

    def ids(self) -> dict[str, Id]:
        named = ROUTE_IDS.get(self.name, {})
        return {k: named.get(k) or IDS.get(k) for k in self.kwargs}

    @property
    def insider(self) -> str:
        return "token" if self.machine else next(i.insider for i in self.ids().values())

    @property
    def machine(self) -> bool:
        """A route for a signal source's machine client, signed in by its key."""
        view = getattr(self.callback, "cls", None)
        return SignalSourceTokenAuthentication in getattr(view, "authentication_classes", ())

    @property
    def methods(self) -> list[str]:
        """The methods the view answers (lower case), read from the view itself."""
        view = getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)
        if view is not None:
            return [m for m in ("get", *WRITES) if hasattr(view, m)]
        function = self.callback
        while function is not None:  # through login_required and friends
            for cell in function.__closure__ or ():
                try:
                    value = cell.cell_contents
                except ValueError:
                    continue
                if (
                    isinstance(value, list | tuple)
                    and value
                    and all(isinstance(v, str) and v.isupper() for v in value)
                ):
                    return [m.lower() for m in value if m.lower() in ("get", *WRITES)]
            function = getattr(function, "__wrapped__", None)
        return ["get", "post"]  # no method decorator: it answers both

    def url(self, values: dict[str, int]) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.pattern)

    def __str__(self) -> str:
        return self.name


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback)


# Routes whose ids name no family data, left to their own tests: route name or
# namespace ("admin:") -> why. Kept short: a family page may never be put here.
NO_FAMILY_IDS = {
    # The admin shows reference data only (no family-data model is registered, which
    # rits/administration/tests proves) to administrators only (tested there too).
    "admin:": "the administrator's reference data (rits/administration/tests)",
    # An invitation's one-time link: its ids are a login's, opened before logging in.
    "administration:welcome": "an invitation's one-time link (rits/administration/tests)",
    # A network member's invitation link: opened before logging in, its token is the
    # whole key (rits/portal/tests/test_invitations.py).
    "portal:invitation": "a network member's one-time invitation link (rits/portal/tests)",
}


def _no_family_ids(route: Route) -> bool:
    return any(
        route.name == key or (key.endswith(":") and route.name.startswith(key))
        for key in NO_FAMILY_IDS
    )


ALL_ROUTES = list(_walk(get_resolver().url_patterns))
ROUTES = [r for r in ALL_ROUTES if r.kwargs and not _no_family_ids(r)]
KNOWN_IDS = [r for r in ROUTES if all(r.ids().values())]  # the others fail the test below
READS = [
    r for r in KNOWN_IDS if "get" in r.methods and all(i.shows_family for i in r.ids().values())
]
WRITE_ROUTES = [
    r
    for r in KNOWN_IDS
    if set(WRITES) & set(r.methods)
    and not r.machine
    and all(i.family_data for i in r.ids().values())
]


# A write route's body: one that writes when its insider sends it (checked below), so
# that a refusal is a refusal and not a form sent back for a missing field.
def _agreement(w, **extra):
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    owner = f"professional:{w['coordinator'].pk}"
    return {
        "revision": w["revision"],
        "action": "Bellen met de woningcorporatie over een regeling",
        "kind": "call",
        "owner": owner,
        "due_date": due,
        "domains": ["finances"],
        **extra,
    }


BODIES = {
    "families:add-member": lambda w: {
        "role": "child",
        "surname": "Haile",
        "given_names": "Noah",
        "birth_date": "2023-06-01",
    },
    "families:add-network-member": lambda w: {"name": "Buurman", "relation": "neighbour"},
    "families:record-contact": lambda w: {
        "kind": "home_visit",
        "on": timezone.localdate().isoformat(),
        "domain": "finances",
        "text": "Huisbezoek: de post samen doorgenomen.",
    },
    "families:change-member": lambda w: {
        "role": "child",
        "surname": "Haile",
        "given_names": "Yonas Tesfay",
        "birth_date": "2022-03-01",
    },
    "families:change-network-member": lambda w: {"name": "Buurvrouw", "relation": "neighbour"},
    "families:decide-involvement": lambda w: {"decision": "approve"},
    "families:add-involvement": lambda w: {
        "organisation": w["worker"].organisation_id,
        "role": "Schuldhulpverlening",
        "legal_basis": "wgs",
        "domains": ["finances"],
        "start_date": timezone.localdate().isoformat(),
    },
    "families:change-involvement": lambda w: {
        "role": "Opvoedondersteuning",
        "legal_basis": "jeugdwet",
        "domains": ["domestic_relations"],
        "start_date": w["worker_involvement_start"],
    },
    "families:end-involvement": lambda w: {"end_date": timezone.localdate().isoformat()},
    "families:hand-over": lambda w: {
        "successor": w["worker_involvement_id"],
        "last_day": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
    },
    "families:file-status": lambda w: {"reason": "De hulp is afgerond."},
    "families:change-family-details": lambda w: {
        "name": "Gezin Haile-Tesfay",
        "street": "Dorpsstraat",
        "house_number": "12",
        "postcode": "3511 AB",
        "city": "Utrecht",
    },
    "families:decide-possible-duplicate": lambda w: {"decision": "different"},
    "access:review": lambda w: {"justified": "yes", "note": "Terecht."},
    "plans:assess": lambda w: {
        "revision": w["revision"],
        "domain": "finances",
        "score": 2,
        "explanation": "Huurachterstand van twee maanden.",
    },
    "plans:add-safety-item": lambda w: {
        "revision": w["revision"],
        "kind": "danger",
        "text": "Zorgen om Yonas",
    },
    "plans:add-safety-score": lambda w: {
        "revision": w["revision"],
        "perspective": "family",
        "name": "Selam",
        "score": 5,
    },
    "plans:add-goal": lambda w: {
        "revision": w["revision"],
        "text": "Een eigen huis",
        "domains": ["housing"],
    },
    "plans:add-agreement": _agreement,
    "plans:change-agreement": lambda w: _agreement(w, status="done"),
    "plans:add-crisis-contact": lambda w: {
        "revision": w["revision"],
        "name": "Lemlem",
        "relation": "tante",
        "phone": "06 12345678",
    },
    "plans:change-goal": lambda w: {
        "revision": w["revision"],
        "text": "Een eigen huis met een tuin",
        "domains": ["housing"],
    },
    "plans:change-safety-item": lambda w: {
        "revision": w["revision"],
        "kind": "danger",
        "text": "Zorgen om Yonas, ook 's nachts",
    },
    "plans:change-safety-score": lambda w: {
        "revision": w["revision"],
        "perspective": "family",
        "name": "Selam",
        "score": 6,
    },
    "plans:change-crisis-contact": lambda w: {
        "revision": w["revision"],
        "name": "Lemlem",
        "relation": "tante",
        "phone": "06 87654321",
    },
    **{
        name: (lambda w: {"revision": w["revision"]})
        for kind in ("goal", "safety-item", "safety-score", "crisis-contact")
        for name in (f"plans:remove-{kind}", f"plans:undo-{kind}-removal")
    },
    "plans:details": lambda w: {
        "revision": w["revision"],
        "review_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "family_group_plan_status": "not_offered",
    },
    "plans:agreement-comment": lambda w: {"text": "Ik bel u vrijdag."},
    "portal:agree": lambda w: {"revision": w["revision"], "version": w["version_number"]},
    "portal:add-goal": lambda w: {
        "revision": w["revision"],
        "text": "Dat Yonas graag naar school gaat",
    },
    "portal:add-strength": lambda w: {"revision": w["revision"], "text": "Oma helpt op zaterdag"},
    "portal:agreement-done": lambda w: {"revision": w["revision"], "note": "Gelukt"},
    "portal:agreement-comment": lambda w: {"text": "Kunnen we dit samen doen?"},
    "portal:network": lambda w: {"name": "Oma Abeba", "relation": "relative"},
    "portal:network-member": lambda w: {
        "name": "Buurman",
        "relation": "neighbour",
        "phone": "06 12121212",
    },
    "plans:agree": lambda w: {
        "revision": w["revision"],
        "members": ["Selam Haile"],
        "method": "signed_on_paper",
    },
    "worklist:act": lambda w: {**_agreement(w), "note": "Afgesproken."},
    "worklist:dismiss": lambda w: {"reason": "De achterstand is betaald."},
    "worklist:reopen": lambda w: {"reason": "Er is een nieuwe achterstand gemeld."},
    "signals:review-reopen": lambda w: {"reason": "Het ging om iemand anders."},
    # the inbox's old paths, answered by the worklist's views
    "signals:old-alert-act": lambda w: {**_agreement(w), "note": "Afgesproken."},
    "signals:old-alert-dismiss": lambda w: {"reason": "De achterstand is betaald."},
    "signals:review-detail": lambda w: {"decision": "reject"},
    "api:plan-assessments": lambda w: {
        "revision": w["revision"],
        "domain": "finances",
        "score": 2,
        "explanation": "Huurachterstand van twee maanden.",
    },
    "api:plan-agreements": _agreement,
    "api:plan-agreement": lambda w: {"revision": w["revision"], "status": "done"},
    "api:plan-version-agreement": lambda w: {
        "revision": w["revision"],
        "agreed_by": "Selam Haile",
        "method": "signed_on_paper",
    },
    "api:alert-dismiss": lambda w: {"reason": "De achterstand is betaald."},
    "api:concern-match-in-touch": lambda w: {"note": "Gebeld met de school."},
}
QUERY = {"api:plan-comparison": "?from=1&to=1"}

# When a route is a known defect: route name -> reason (xfail, strict: fixing it fails
# the mark, so that it is taken away).
KNOWN: dict[str, str] = {}


def _known(routes):
    return [
        pytest.param(r, id=r.name, marks=pytest.mark.xfail(strict=True, reason=KNOWN[r.name]))
        if r.name in KNOWN
        else pytest.param(r, id=r.name)
        for r in routes
    ]


# Emergency writes that are not refused: route name -> reason.
KNOWN_EMERGENCY: dict[str, str] = {}


def _known_emergency(routes):
    return [
        pytest.param(
            r,
            id=r.name,
            marks=pytest.mark.xfail(strict=True, reason=KNOWN_EMERGENCY[r.name]),
        )
        if r.name in KNOWN_EMERGENCY
        else pytest.param(r, id=r.name)
        for r in routes
    ]


# --- the world ------------------------------------------------------------------------------


@pytest.fixture
def world(family_setup, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    family = family_setup["family"]
    coordinator = family_setup["coordinator"]
    other_family = factories.FamilyFactory(name="Gezin Bakker")
    factories.InvolvementFactory(family=other_family, is_coordinator=True, domains=[])

    landlord = factories.OrganisationFactory(
        name="Woonstichting Test", kind=OrganisationKind.WONINGCORPORATIE
    )
    energy = factories.OrganisationFactory(
        name="Energie Test", kind=OrganisationKind.ENERGY_COMPANY
    )
    system = Actor.system("test")
    _token, landlord_key = signal_clients.issue_token(organisation=landlord, name="t", actor=system)
    school = factories.OrganisationFactory(name="De Linde", kind=OrganisationKind.SCHOOL)
    _token, school_key = signal_clients.issue_token(organisation=school, name="t", actor=system)
    batch = signal_services.receive_batch(
        source=landlord, content=b"reference\n", file_name="s.csv", actor=system
    )

    signal = linked_signal(
        landlord, family, family_setup["mother"], amount="2345.60", signal_date=timezone.localdate()
    )
    run_rules()
    alert = family.work_items.get()
    closed_item = WorkItem.objects.create(
        kind=alert.kind,
        key="dismissed",
        family=family,
        reason_code=alert.reason_code,
        reason_params=alert.reason_params,
        due_date=alert.due_date,
        assigned_to=coordinator,
        status=WorkItemStatus.DISMISSED,
        dismissed_reason="De achterstand is betaald.",
    )
    review = LinkReview.objects.create(
        signal=linked_signal(landlord, family, family_setup["mother"]),
        person=family_setup["mother"],
        family=family,
        match_probability=0.93,
    )
    decided_review = LinkReview.objects.create(
        signal=linked_signal(landlord, family, family_setup["mother"]),
        person=family_setup["child"],
        family=family,
        match_probability=0.91,
    )
    link_review.decide_review(
        user=coordinator.user, review_id=decided_review.pk, decision=link_review.Decision.REJECT
    )
    match = ConcernMatch.objects.create(family=family, key="test")
    match.organisations.add(landlord, energy)
    match.signals.add(signal)

    grant = grant_for(coordinator.user, family.pk)
    agreement = plan_services.add_agreement(
        user=coordinator.user,
        grant=grant,
        revision=0,
        data=plan_services.AgreementData(
            action="Bellen met de woningcorporatie",
            owner=f"professional:{coordinator.pk}",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=["finances"],
            kind="call",
        ),
    )
    mother_agreement = plan_services.add_agreement(
        user=coordinator.user,
        grant=grant,
        revision=Plan.objects.get(family=family).revision,
        data=plan_services.AgreementData(
            action="De post openen",
            owner=f"person:{family_setup['mother'].pk}",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=["finances"],
        ),
    )
    pending = factories.InvolvementFactory(family=family, approval="pending")
    worker_involvement = Involvement.objects.get(family=family, professional=family_setup["worker"])
    duplicate = PossibleDuplicate.objects.create(
        existing_person=family_setup["mother"],
        new_person=factories.PersonFactory(surname="Haile", given_names="Selam"),
        family=family,
        raised_at=timezone.now(),
    )
    # a member and a network member to change or remove, and one of each removed
    neighbour = NetworkMember.objects.create(
        family=family, name="Buurman", relation="neighbour", email="buurman@example.org"
    )
    gone = factories.MembershipFactory(
        family=family, role="other", person=factories.PersonFactory(surname="Weg")
    )
    family_services.remove_member(user=coordinator.user, grant=grant, membership_id=gone.pk)
    gone_network = NetworkMember.objects.create(family=family, name="Oud", relation="friend")
    family_services.remove_network_member(
        user=coordinator.user, grant=grant, member_id=gone_network.pk
    )
    # a part of the plan of each kind to change or remove, and one of each removed
    parts, gone_parts = {}, {}
    for key, add, remove, arg in (
        (
            "goal",
            lambda: plan_services.add_goal(
                user=coordinator.user,
                grant=grant,
                revision=_revision(family),
                text="Een eigen huis",
                said_by="Selam",
                domains=["housing"],
            ),
            plan_services.remove_goal,
            "goal_id",
        ),
        (
            "safety_item",
            lambda: plan_services.add_safety_item(
                user=coordinator.user,
                grant=grant,
                revision=_revision(family),
                kind="danger",
                text="Zorgen om Yonas",
            ),
            plan_services.remove_safety_item,
            "item_id",
        ),
        (
            "safety_score",
            lambda: plan_services.record_safety_score(
                user=coordinator.user,
                grant=grant,
                revision=_revision(family),
                perspective="family",
                name="Selam",
                score=5,
            ),
            plan_services.remove_safety_score,
            "score_id",
        ),
        (
            "crisis_contact",
            lambda: plan_services.add_crisis_contact(
                user=coordinator.user,
                grant=grant,
                revision=_revision(family),
                name="Lemlem",
                relation="tante",
                phone="06 12345678",
            ),
            plan_services.remove_crisis_contact,
            "contact_id",
        ),
    ):
        parts[f"{key}_id"] = add().pk
        removed = add()
        remove(user=coordinator.user, grant=grant, revision=_revision(family), **{arg: removed.pk})
        gone_parts[f"removed_{key}_id"] = removed.pk
    # a second family of the coordinator's, whose coordination is being handed over
    handing_over = factories.FamilyFactory(name="Gezin Overdracht")
    factories.InvolvementFactory(
        family=handing_over, professional=coordinator, is_coordinator=True, domains=[]
    )
    successor = factories.InvolvementFactory(
        family=handing_over, professional=family_setup["worker"], domains=["finances"]
    )
    family_services.hand_over_coordination(
        user=coordinator.user,
        grant=grant_for(coordinator.user, handing_over.pk),
        successor_id=successor.pk,
        last_day=timezone.localdate() + datetime.timedelta(days=14),
    )
    # logins of the family portal: family A's mother, and a parent in the other family
    citizen_mother = CitizenAccount.objects.create(
        user=factories.UserFactory(), person=family_setup["mother"]
    )
    citizen_other = CitizenAccount.objects.create(
        user=factories.UserFactory(),
        person=factories.MembershipFactory(family=other_family).person,
    )
    breaker = factories.ProfessionalFactory()
    access_services.request_emergency_access(
        user=breaker.user, reason="Melding politie, acute zorg.", reference=family.reference
    )
    return {
        **family_setup,
        "family_id": family.pk,
        "handing_over_family_id": handing_over.pk,
        "agreement_id": agreement.pk,
        "mother_agreement_id": mother_agreement.pk,
        "version_number": PlanVersion.objects.get(plan__family=family).number,
        "involvement_id": pending.pk,
        "worker_involvement_id": worker_involvement.pk,
        "worker_involvement_start": worker_involvement.start_date.isoformat(),
        "duplicate_id": duplicate.pk,
        "alert_id": alert.pk,
        "closed_item_id": closed_item.pk,
        "review_id": review.pk,
        "decided_review_id": decided_review.pk,
        "batch_id": batch.pk,
        "match_id": match.pk,
        "notification_id": Notification.objects.create(
            recipient=coordinator.user, kind="signals.alert_raised", params={}
        ).pk,
        "emergency_id": EmergencyAccess.objects.get(professional=breaker).pk,
        "emergency": breaker,
        "source_staff": factories.ProfessionalFactory(organisation=landlord),
        "other_staff": factories.ProfessionalFactory(organisation=school),
        "privacy_officer": factories.ProfessionalFactory(role=ProfessionalRole.PRIVACY_OFFICER),
        "token": landlord_key,
        "other_token": school_key,  # a source that is not part of the concern match
        "revision": _revision(family),
        **parts,
        **gone_parts,
        "membership_id": family.memberships.get(person=family_setup["child"]).pk,
        "network_member_id": neighbour.pk,
        "citizen_mother": citizen_mother,
        "citizen_other": citizen_other,
        "removed_membership_id": gone.pk,
        "removed_network_member_id": gone_network.pk,
    }


def _revision(family) -> int:
    return Plan.objects.get(family=family).revision


def _client(world, who: str) -> Client:
    if who in {"token", "other_token"}:
        return Client(HTTP_AUTHORIZATION=f"Token {world[who]}", HTTP_ACCEPT_LANGUAGE="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # CSRF is not enforced: the id is tested
    if isinstance(world[who], CitizenAccount):
        client.force_login(world[who].user)  # a citizen's login: DigiD, no TOTP
    else:
        login_verified(client, world[who].user)
    return client


def _outsider(route: Route) -> str:
    return "other_token" if route.machine else next(i.outsider for i in route.ids().values())


def _values_of_a(route: Route, world) -> dict[str, int]:
    return {k: world[i.of_a] for k, i in route.ids().items()}


def _send(client, route: Route, method: str, values, world):
    url = route.url(values) + QUERY.get(route.name, "")
    if method == "get":
        return client.get(url)
    body = BODIES.get(route.name, lambda w: {})(world)
    if route.name.startswith("api:"):
        return getattr(client, method)(url, body, content_type="application/json")
    return getattr(client, method)(url, body)


def family_rows() -> dict[str, list[dict]]:
    """Every row of every family-data table but the audit log (which may grow) and the
    sources' keys (whose last use is noted when they sign in)."""
    return {
        m._meta.label: list(m._base_manager.order_by("pk").values())
        for m in family_models()
        if m not in {AuditEvent, SignalSourceToken}
    }


def _without_url(response, route: Route, values) -> str:
    """The answer, without its path and what differs every time (CSRF token, nonce)."""
    text = response.content.decode().replace(route.url(values), "<url>")
    return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', r"\1", text)


# --- the tests ------------------------------------------------------------------------------


def test_every_id_in_a_route_is_known():
    unknown = [f"{r.name}: <{k}>" for r in ROUTES for k, i in r.ids().items() if i is None]
    assert not unknown, "add to IDS (or ROUTE_IDS) how to get such an id:\n" + "\n".join(unknown)
    # the walk found the routes it should, pages and API
    names = {r.name for r in ROUTES}
    assert {
        "families:overview",
        "plans:pdf",
        "api:plan-agreement",
        "signals:batch",
        "worklist:act",
        "worklist:dismiss",
        "worklist:acknowledge",
    } <= names
    assert len(ROUTES) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("route", _known(KNOWN_IDS))
def test_an_outsider_gets_not_found_as_for_an_id_that_does_not_exist(world, route):
    ours = _values_of_a(route, world)
    client = _client(world, _outsider(route))
    before_rows, before_audit = family_rows(), AuditEvent.objects.count()
    for method in route.methods:
        answer = _send(client, route, method, ours, world)
        missing = _send(client, route, method, dict.fromkeys(ours, MISSING), world)
        where = f"{method.upper()} {route.url(ours)}"
        assert (answer.status_code, missing.status_code) == (404, 404), where
        # the same page, but for the path where it repeats it
        assert _without_url(answer, route, ours) == _without_url(
            missing, route, dict.fromkeys(ours, MISSING)
        ), where
    assert family_rows() == before_rows
    new = AuditEvent.objects.order_by("id")[before_audit:]
    assert {e.action for e in new} <= {"refused"}, [(e.action, e.object_type) for e in new]
    # and the ids really are family A's: its insider is not refused them (asked last, as
    # a write may close what it decides)
    insider = _client(world, route.insider)
    first = "get" if "get" in route.methods else route.methods[0]
    assert _send(insider, route, first, ours, world).status_code < 400


@pytest.mark.django_db
@pytest.mark.parametrize("route", _known(READS))
def test_reading_family_data_leaves_an_audit_event_on_the_family(world, route):
    client = _client(world, route.insider)
    before = AuditEvent.objects.count()
    response = _send(client, route, "get", _values_of_a(route, world), world)
    assert response.status_code == 200, response.content[:300]
    family = world["family_id"]
    events = AuditEvent.objects.order_by("id")[before:]
    assert any(
        e.family_id == family or family in (e.detail or {}).get("family_ids", []) for e in events
    ), [(e.action, e.object_type, e.family_id) for e in events]
    for e in events:
        # NEN 7513: who, for which organisation, in which role, on what ground, when; and
        # the access log can say it in a sentence (the event catalogue knows the row).
        assert catalogue.for_row(e.action, e.object_type), (e.action, e.object_type)
        assert e.occurred_at is not None and e.user_display
        if e.family_id == family and not route.machine:
            reader = world[route.insider]
            if isinstance(reader, CitizenAccount):  # a family member: no organisation
                expected = (reader.user.pk, None, "family_member")
            else:
                expected = (reader.user.pk, reader.organisation_id, reader.role)
            assert (e.user_id, e.organisation_id, e.role) == expected
            assert e.ground, (e.action, e.object_type)


LISTS = [r for r in ALL_ROUTES if not r.kwargs and "get" in r.methods and not r.machine]


@pytest.mark.django_db
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name or r.pattern) for r in LISTS])
def test_a_page_without_an_id_that_shows_the_family_leaves_an_audit_event(world, route):
    """Lists, inboxes and queues: when the coordinator's page names family A, reading it
    left an audit event on A."""
    client = _client(world, "coordinator")
    client.raise_request_exception = False  # a broken page shows nothing; others test it
    before = AuditEvent.objects.count()
    content = client.get(route.url({})).content.decode(errors="replace")
    family = world["family"]
    shows = family.name in content or family.reference in content
    events = AuditEvent.objects.order_by("id")[before:]
    audited = any(
        e.family_id == family.pk or family.pk in (e.detail or {}).get("family_ids", [])
        for e in events
    )
    assert audited or not shows, f"{route.pattern} shows family A without an audit event"


def _writes(route: Route) -> list[str]:
    return [m for m in route.methods if m in WRITES]


@pytest.mark.django_db
@pytest.mark.parametrize("route", [pytest.param(r, id=r.name) for r in WRITE_ROUTES])
def test_each_write_body_writes_for_the_insider(world, route):
    """The bodies of the emergency test are real writes: its insider's changes a row."""
    client = _client(world, route.insider)
    for method in _writes(route):
        before, audited = family_rows(), AuditEvent.objects.count()
        response = _send(client, route, method, _values_of_a(route, world), world)
        # a page answers a write with a redirect (a 200 is the form sent back)
        ok = {200, 201} if route.name.startswith("api:") else {302}
        assert response.status_code in ok, response.content[:300]
        assert family_rows() != before, f"{method.upper()} {route.name} changed nothing"
        # every audit event it wrote is one the access log can put into words
        for e in AuditEvent.objects.order_by("id")[audited:]:
            assert catalogue.for_row(e.action, e.object_type), (e.action, e.object_type)


@pytest.mark.django_db
@pytest.mark.parametrize("route", _known_emergency(WRITE_ROUTES))
def test_emergency_access_writes_nothing(world, route):
    client = _client(world, "emergency")
    ours = _values_of_a(route, world)
    assert client.get(f"/families/{world['family_id']}/").status_code == 200  # it can read
    before = family_rows()
    for method in _writes(route):
        response = _send(client, route, method, ours, world)
        assert response.status_code in {403, 404}, (method, response.status_code)
    assert family_rows() == before
