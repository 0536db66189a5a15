"""Every write to a family's plan.

Each service takes the ``Grant`` of the person acting (from ``rits.access``) and the plan
revision their form or API call was based on. ``plan_change`` checks that revision
(optimistic locking: a second editor gets a ``PlanConflict`` and resubmits, nothing is
lost), keeps the current version's snapshot up to date, and leaves an audit event and a
timeline event. Validation errors are raised per field, in plain words."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import FamilyNotFound, Grant
from rits.core import history
from rits.core.domains import LifeDomain, in_order
from rits.core.params import MAX_ID
from rits.families.models import Family, Involvement, Membership, NetworkMember
from rits.families.selectors import sees_involvement
from rits.families.services import record, require_open
from rits.plans.content import build_snapshot
from rits.plans.models import (
    COMMENT_MAX_LENGTH,
    RECORDED_AGREEMENT_METHODS,
    Agreement,
    AgreementComment,
    AgreementMethod,
    AgreementStatus,
    Assessment,
    CrisisContact,
    FamilyGroupPlanStatus,
    Goal,
    Perspective,
    Plan,
    PlanVersion,
    SafetyItem,
    SafetyKind,
    SafetyScore,
)
from rits.plans.scale import SAFETY_SCALE, assessed_domains, assessment_scale
from rits.plans.selectors import citizen_sees_agreement, may_agree_online, sees_part


class PlanConflict(ValidationError):
    """Someone else changed the plan after the editor loaded it."""


def _conflict_message() -> str:
    return _(
        "Someone else changed this plan while you were working on it. Nothing has been "
        "saved yet and your input is kept: look at the current plan and save again."
    )


@dataclass
class Change:
    """What a change did, for the audit log and the family's timeline."""

    plan: Plan
    # The code of the catalogue (``plans/events.py``) and its parameters; the domain
    # where the event type leaves it to the writer.
    event: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    object_id: int | None = None
    domain: str | None = None
    person_ids: tuple[int, ...] = ()
    # Agreeing with a version changes what the plan says nothing about; it must not start
    # the next version.
    changes_content: bool = True


def _require_writer(grant: Grant, permission: str = "write") -> None:
    grant.require(permission)
    require_open(grant)  # a closed file takes no new plan parts (issue 11)


def _require_domains(grant: Grant, domains) -> None:
    if not set(domains) <= grant.domains:
        raise PermissionDenied(
            _("Your involvement does not cover this life domain, so you cannot change it.")
        )


def _require_coordinator(grant: Grant) -> None:
    grant.require("write")
    if not grant.allows("coordinate"):
        raise PermissionDenied(_("Only the family's coordinator can change this part of the plan."))


def _locked_plan(family: Family) -> Plan:
    plan, _created = Plan.objects.get_or_create(family=family)
    return Plan.objects.select_for_update().get(pk=plan.pk)


def current_version(plan: Plan) -> PlanVersion | None:
    return PlanVersion.objects.filter(plan=plan).order_by("-number").first()


@contextmanager
def plan_change(
    *, user, grant: Grant, revision: int | None, permission: str = "write"
) -> Iterator[Change]:
    """Run one change to a family's plan, all or nothing.

    Yields a ``Change`` for the caller to fill in. Raises ``PlanConflict`` when the plan's
    revision is no longer ``revision``. Afterwards the revision is raised, the current
    version follows the change (or a new version starts when the family had agreed with
    the current one), and the audit and timeline events are written. ``permission``:
    ``"contribute"`` for what the family adds itself in the portal (see ``Grant``)."""
    _require_writer(grant, permission)
    with transaction.atomic():
        plan = _locked_plan(grant.family)
        if revision is None or int(revision) != plan.revision:
            raise PlanConflict(_conflict_message(), code="conflict")
        change = Change(plan=plan)
        yield change
        plan.revision += 1
        plan.save(update_fields=["revision", "updated_at"])
        if change.changes_content:
            _follow_change(plan)
        if not change.event:
            raise ValueError("A plan change names its event.")
        record(
            change.event,
            user=user,
            actor=grant.principal.actor if grant.is_citizen else None,
            object_id=change.object_id or plan.pk,
            family_id=grant.family.pk,
            person_ids=list(change.person_ids),
            ground=grant.ground,
            detail={"revision": plan.revision},
            params=change.params,
            domain=change.domain,
        )


def _follow_change(plan: Plan) -> PlanVersion:
    version = current_version(plan)
    if version is None or version.is_agreed:
        version = PlanVersion(plan=plan, number=(version.number + 1) if version else 1)
    version.snapshot = build_snapshot(plan)
    version.save()
    return version


def _first_domain(domains) -> str:
    return sorted(domains)[0] if domains else ""


def _clean_domains(domains, field: str = "domains") -> list[str]:
    domains = in_order(domains)
    if not domains:
        raise ValidationError({field: _("Choose at least one life domain.")})
    unknown = [d for d in domains if d not in LifeDomain.values]
    if unknown:
        raise ValidationError({field: _("Unknown life domain: %s.") % ", ".join(unknown)})
    return domains


def _clean_text(value: str, field: str, message: str, max_length: int = 5000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > max_length:
        raise ValidationError({field: _("Keep this under %(n)d characters.") % {"n": max_length}})
    return value


# --- life-domain assessment ---------------------------------------------------------


def assess_domain(
    *,
    user,
    grant: Grant,
    revision: int | None,
    domain: str,
    score: int | None,
    explanation: str,
    person_id: int | None = None,
    assessed_on: date | None = None,
) -> Assessment:
    """Score one life domain for one member (or the household, ``person_id`` empty)."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if domain not in assessed_domains():
        errors["domain"] = _("Choose one of the life domains of the plan.")
    steps = assessment_scale()
    if score is None or not steps[0].score <= int(score) <= steps[-1].score:
        errors["score"] = _("Choose a score from %(low)d to %(high)d.") % {
            "low": steps[0].score,
            "high": steps[-1].score,
        }
    if not (explanation or "").strip():
        errors["explanation"] = _("Explain the score in a few plain words.")
    assessed_on = assessed_on or today
    if assessed_on > today:
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    person = None
    if person_id:
        membership = (
            Membership.objects.filter(family=grant.family, person_id=person_id)
            .select_related("person")
            .first()
        )
        if membership is None:
            errors["person"] = _("This person is not a member of the family.")
        else:
            person = membership.person
    if errors:
        raise ValidationError(errors)
    _require_domains(grant, [domain])
    with plan_change(user=user, grant=grant, revision=revision) as change:
        assessment = Assessment.objects.create(
            plan=change.plan,
            person=person,
            domain=domain,
            score=int(score),
            explanation=explanation.strip(),
            assessed_on=assessed_on,
            assessed_by=grant.professional,
            assessed_by_name=f"{grant.professional.name} ({grant.professional.organisation.name})",
        )
        change.event = "plan.assessment_added"
        change.object_id = assessment.pk
        change.domain = domain
        change.person_ids = (person.pk,) if person else ()
        change.params = {
            "domain": domain,
            "whom": person.full_name if person else None,
            "score": assessment.score,
        }
    return assessment


# --- safety and strengths -----------------------------------------------------------


def add_safety_item(
    *, user, grant: Grant, revision: int | None, kind: str, text: str
) -> SafetyItem:
    """Add a worry, something that is working well, or something that needs to happen."""
    if kind not in SafetyKind.values:
        raise ValidationError({"kind": _("Choose what kind of line this is.")})
    text = _clean_text(text, "text", _("Write down what you want to add."))
    _require_domains(grant, [LifeDomain.SAFETY])
    with plan_change(user=user, grant=grant, revision=revision) as change:
        item = SafetyItem.objects.create(plan=change.plan, kind=kind, text=text, created_by=user)
        change.event = "plan.safety_item_added"
        change.object_id = item.pk
        change.params = {"kind": kind}
    return item


def record_safety_score(
    *,
    user,
    grant: Grant,
    revision: int | None,
    perspective: str,
    name: str,
    score: int | None,
    explanation: str = "",
) -> SafetyScore:
    """How safe it is now (0–10) in the eyes of the family, a professional or the network."""
    errors: dict[str, str] = {}
    if perspective not in Perspective.values:
        errors["perspective"] = _("Choose whose view this is.")
    if not (name or "").strip():
        errors["name"] = _("Say whose score this is, e.g. 'mother' or 'the GP'.")
    if score is None or int(score) not in SAFETY_SCALE:
        errors["score"] = _("Choose a score from 0 to 10.")
    if errors:
        raise ValidationError(errors)
    _require_domains(grant, [LifeDomain.SAFETY])
    with plan_change(user=user, grant=grant, revision=revision) as change:
        safety_score = SafetyScore.objects.create(
            plan=change.plan,
            perspective=perspective,
            name=name.strip()[:200],
            score=int(score),
            explanation=(explanation or "").strip(),
            recorded_on=timezone.localdate(),
            recorded_by=user,
        )
        change.event = "plan.safety_score_recorded"
        change.object_id = safety_score.pk
        change.params = {"name": safety_score.name, "score": safety_score.score}
    return safety_score


# --- goals and agreements -----------------------------------------------------------


def add_goal(*, user, grant: Grant, revision: int | None, text: str, said_by: str, domains) -> Goal:
    """A goal quoted in the family's own words, tied to life domains."""
    text = _clean_text(text, "text", _("Write the goal down as the family said it."), 2000)
    domains = _clean_domains(domains)
    _require_domains(grant, domains)
    with plan_change(user=user, grant=grant, revision=revision) as change:
        goal = Goal.objects.create(
            plan=change.plan, text=text, said_by=(said_by or "").strip()[:200], domains=domains
        )
        change.event = "plan.goal_added"
        change.object_id = goal.pk
        change.domain = _first_domain(domains)
        change.params = {"text": text[:200]}
    return goal


@dataclass
class AgreementData:
    action: str
    owner: str  # "professional:<id>", "person:<id>" or "network:<id>"
    due_date: date | None
    domains: list[str]
    kind: str = "other"
    goal_id: int | None = None
    status: str = AgreementStatus.OPEN
    status_note: str = ""


def agreement_owner_choices(grant: Grant) -> list[tuple[str, str, str]]:
    """Who can own an agreement in this family, as far as the reader may know them:
    (group, key, name) for each professional involved now whose involvement the reader
    may see (``sees_involvement``, the family overview's rule), each family member and
    each network member."""
    family = grant.family
    today = timezone.localdate()
    choices: list[tuple[str, str, str]] = []
    involvements = (
        Involvement.objects.active(today)
        .filter(family=family, professional__isnull=False)
        .select_related("professional__user", "organisation")
        .order_by("-is_coordinator", "id")
    )
    seen = set()
    for i in involvements:
        if i.professional_id in seen or not sees_involvement(grant, i):
            continue
        seen.add(i.professional_id)
        choices.append(
            (
                "professional",
                f"professional:{i.professional_id}",
                f"{i.professional.name} ({i.organisation.name})",
            )
        )
    for m in Membership.objects.filter(family=family).select_related("person").order_by("id"):
        choices.append(("person", f"person:{m.person_id}", m.person.full_name))
    for n in NetworkMember.objects.filter(family=family).order_by("name", "id"):
        choices.append(("network", f"network:{n.pk}", n.name))
    return choices


def _apply_agreement(
    agreement: Agreement, data: AgreementData, *, grant: Grant, today: date
) -> None:
    family = grant.family
    errors: dict[str, str] = {}
    action = (data.action or "").strip()
    if not action:
        errors["action"] = _("Say what will be done.")
    # An owner the reader may not know of is refused like one that does not exist.
    owners = {key for _group, key, _name in agreement_owner_choices(grant)}
    if not data.owner:
        errors["owner"] = _("Choose who does this: every agreement has an owner.")
    elif data.owner not in owners and not (agreement.pk and data.owner == agreement.owner_key):
        # An owner whose involvement has ended keeps the agreements they had.
        errors["owner"] = _(
            "Choose someone involved with this family, a family member or a network member."
        )
    if data.due_date is None:
        errors["due_date"] = _("Say by when.")
    elif data.due_date < today and (agreement.pk is None or data.due_date != agreement.due_date):
        errors["due_date"] = _("The date by when lies in the past. Choose today or a later date.")
    if data.kind not in {k for k, _label in Agreement._meta.get_field("kind").choices}:
        errors["kind"] = _("Choose what kind of agreement this is.")
    if data.status not in AgreementStatus.values:
        errors["status"] = _("Choose a status.")
    if data.goal_id and not Goal.objects.filter(pk=data.goal_id, plan__family=family).exists():
        errors["goal"] = _("This goal is not part of the family's plan.")
    try:
        domains = _clean_domains(data.domains)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        domains = []
    if errors:
        raise ValidationError(errors)
    kind, _sep, owner_id = data.owner.partition(":")
    agreement.owner_professional_id = int(owner_id) if kind == "professional" else None
    agreement.owner_person_id = int(owner_id) if kind == "person" else None
    agreement.owner_network_id = int(owner_id) if kind == "network" else None
    agreement.action = action[:2000]
    agreement.kind = data.kind
    agreement.due_date = data.due_date
    agreement.domains = domains
    agreement.goal_id = data.goal_id or None
    agreement.status = data.status
    agreement.status_note = (data.status_note or "").strip()[:500]


def add_agreement(*, user, grant: Grant, revision: int | None, data: AgreementData) -> Agreement:
    """Who does what by when: a professional, a family member or a network member."""
    agreement = Agreement(created_by=user)
    _apply_agreement(agreement, data, grant=grant, today=timezone.localdate())
    _require_domains(grant, agreement.domains)
    with plan_change(user=user, grant=grant, revision=revision) as change:
        agreement.plan = change.plan
        agreement.save()
        change.event = "plan.agreement_added"
        change.object_id = agreement.pk
        change.domain = _first_domain(agreement.domains)
        change.params = {
            # The timeline shows to everyone who sees the agreement's life domain, also to
            # those who may not know of the owner's involvement: it names no professional.
            "owner": None if agreement.owner_professional_id else agreement.owner_name,
            "action": agreement.action[:200],
            "due": agreement.due_date.isoformat(),
        }
    return agreement


def may_change_agreement(grant: Grant, agreement: Agreement) -> bool:
    """Its owner, and whoever's involvement covers all of its life domains."""
    if not grant.can_write:
        return False
    return agreement.owner_professional_id == grant.professional.pk or set(
        agreement.domains
    ) <= set(grant.domains)


def update_agreement(
    *, user, grant: Grant, revision: int | None, agreement_id: int, data: AgreementData
) -> Agreement:
    """Change an agreement or its status (done, not done, changed)."""
    agreement = (
        Agreement.objects.filter(pk=agreement_id, plan__family=grant.family)
        .select_related("owner_professional__user", "owner_professional__organisation")
        .first()
    )
    if agreement is None or not may_change_agreement(grant, agreement):
        raise PermissionDenied(_("You cannot change this agreement."))
    old_status = agreement.status
    _apply_agreement(agreement, data, grant=grant, today=timezone.localdate())
    if not may_change_agreement(grant, agreement):
        raise PermissionDenied(_("You cannot move an agreement outside your life domains."))
    with plan_change(user=user, grant=grant, revision=revision) as change:
        history.save_with_history(agreement, user=user)
        change.object_id = agreement.pk
        change.domain = _first_domain(agreement.domains)
        if agreement.status != old_status:
            change.event = "plan.agreement_status_changed"
            change.params = {"action": agreement.action[:150], "status": agreement.status}
        else:
            change.event = "plan.agreement_changed"
            change.params = {"action": agreement.action[:200]}
    return agreement


# --- crisis plan, family group plan, review ----------------------------------------


def add_crisis_contact(
    *,
    user,
    grant: Grant,
    revision: int | None,
    name: str,
    relation: str,
    phone: str,
    availability: str = "",
    is_trusted_person: bool = False,
    network_member_id: int | None = None,
) -> CrisisContact:
    """Someone the family can call in a crisis; the 24/7 trusted person replaces the
    previous one. ``network_member_id``: the contact is someone of the family's network
    (who then sees the crisis plan in the portal)."""
    _require_coordinator(grant)
    errors = _crisis_contact_errors(grant, name, relation, phone, network_member_id)
    if errors:
        raise ValidationError(errors)
    with plan_change(user=user, grant=grant, revision=revision) as change:
        if is_trusted_person:
            _unset_trusted_person(change.plan, user=user)
        contact = CrisisContact.objects.create(
            plan=change.plan,
            name=name.strip()[:200],
            relation=relation.strip()[:200],
            phone=phone.strip()[:40],
            availability=(availability or "").strip()[:200],
            is_trusted_person=is_trusted_person,
            network_member_id=network_member_id,
        )
        change.event = (
            "plan.trusted_person_added" if is_trusted_person else "plan.crisis_contact_added"
        )
        change.object_id = contact.pk
        change.params = {"name": contact.name}
    return contact


def update_plan_details(
    *,
    user,
    grant: Grant,
    revision: int | None,
    review_date: date | None,
    family_group_plan_status: str,
    family_group_plan_date: date | None,
    family_group_plan_text: str,
) -> Plan:
    """The review date and the family group plan (offered first; accepted or declined)."""
    _require_coordinator(grant)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if family_group_plan_status not in FamilyGroupPlanStatus.values:
        errors["family_group_plan_status"] = _("Choose whether the plan was offered.")
    elif family_group_plan_status != FamilyGroupPlanStatus.NOT_OFFERED:
        if family_group_plan_date is None:
            errors["family_group_plan_date"] = _("Say when it was offered, accepted or declined.")
        elif family_group_plan_date > today:
            errors["family_group_plan_date"] = _("This date cannot lie in the future.")
    if (family_group_plan_text or "").strip() and family_group_plan_status != "accepted":
        errors["family_group_plan_text"] = _(
            "A family group plan can only be attached when the family accepted it."
        )
    if errors:
        raise ValidationError(errors)
    with plan_change(user=user, grant=grant, revision=revision) as change:
        plan = change.plan
        if review_date is not None and review_date < today and review_date != plan.review_date:
            raise ValidationError({"review_date": _("The review date lies in the past.")})
        status_changed = plan.family_group_plan_status != family_group_plan_status
        plan.review_date = review_date
        plan.family_group_plan_status = family_group_plan_status
        plan.family_group_plan_date = family_group_plan_date
        plan.family_group_plan_text = (family_group_plan_text or "").strip()
        plan.save()
        if status_changed:
            change.event = "plan.family_group_plan_changed"
            change.params = {"status": plan.family_group_plan_status}
        else:
            change.event = "plan.details_changed"
    return plan


# --- versions and the family's agreement ---------------------------------------------


def _version_to_agree(plan: Plan, version_number, not_current: str) -> PlanVersion:
    """The current version, when it is ``version_number`` and not agreed with yet;
    ``not_current``: the message when it is not (``%(asked)s``, ``%(current)s``)."""
    version = current_version(plan)
    if version is None:
        raise ValidationError(_("There is no plan yet to agree with."), code="no_plan")
    if version_number is None or version.number != int(version_number):
        raise ValidationError(
            not_current % {"asked": version_number, "current": version.number},
            code="not_current",
        )
    if version.is_agreed:
        raise ValidationError(
            _("The family already agreed with version %(n)s.") % {"n": version.number},
            code="already_agreed",
        )
    return version


def record_family_agreement(
    *,
    user,
    grant: Grant,
    revision: int | None,
    version_number: int,
    agreed_by: str,
    method: str,
    interpreter_language: str = "",
    note: str = "",
) -> PlanVersion:
    """The family agrees with the current version. A version that is no longer current
    (the plan changed after the family read it) cannot be agreed with."""
    _require_coordinator(grant)
    errors: dict[str, str] = {}
    if not (agreed_by or "").strip():
        errors["agreed_by"] = _("Say who of the family agreed.")
    if method not in {value for value, _label in RECORDED_AGREEMENT_METHODS}:
        # "online via DigiD" is the family's own act, never recorded for them
        errors["method"] = _("Say how the family agreed.")
    if errors:
        raise ValidationError(errors)
    with plan_change(user=user, grant=grant, revision=revision) as change:
        version = _version_to_agree(
            change.plan,
            version_number,
            _(
                "Version %(asked)s is no longer the current version: version %(current)s "
                "is. Go through the current version with the family first."
            ),
        )
        version.agreed_at = timezone.now()
        version.agreed_by = agreed_by.strip()[:300]
        version.agreement_method = method
        version.interpreter_language = (interpreter_language or "").strip()[:8]
        version.agreement_note = (note or "").strip()[:500]
        version.recorded_by = user
        version.save()
        change.event = "plan.agreed"
        change.changes_content = False
        change.object_id = version.pk
        change.params = {"n": version.number, "method": version.agreement_method}
    return version


# --- changing, removing and putting back the plan's parts (issue 11) -------------------
#
# Goals, the safety mapping's lines (worries, what is working well, what needs to
# happen), safety scores and crisis contacts. Each change or removal goes through
# ``plan_change`` (the revision, the versions, the audit and timeline events) and keeps
# a historical copy (``rits.core.history``): who, when, the values before and after. A
# removal is undone within ``UNDO_WINDOW`` with the same id. A part the reader may not
# see is 'not found'; one they see but may not write is refused.

PLAN_FAMILY = "plan__family_id"


class _Unchanged(Exception):  # noqa: N818 (not an error: a save that changes nothing)
    """A change that changes nothing: nothing is written, no revision, no event."""

    def __init__(self, part):
        self.part = part


GOAL_FIELDS = ("text", "said_by", "domains")
SAFETY_ITEM_FIELDS = ("kind", "text")
SAFETY_SCORE_FIELDS = ("perspective", "name", "score", "explanation")
CRISIS_CONTACT_FIELDS = (
    "name",
    "relation",
    "phone",
    "availability",
    "is_trusted_person",
    "network_member_id",
)


def _as_id(value: int | str) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    if not 0 < value <= MAX_ID:
        raise FamilyNotFound
    return value


def _part(model, grant: Grant, part_id) -> Any:
    """A part of the grant's family's plan, locked for the change; 'not found' when it
    is not there or the reader may not see it."""
    part = (
        model.objects.visible_to(grant)
        .select_for_update(of=("self",))
        .filter(pk=_as_id(part_id))
        .first()
    )
    if part is None or not sees_part(grant, part):
        raise FamilyNotFound
    return part


def _changed(part, before: dict) -> list[str]:
    return sorted(name for name, value in before.items() if getattr(part, name) != value)


def _require_part_writer(grant: Grant, model, domains=()) -> None:
    """Who may change a part: the safety domain for the safety mapping and scores, all
    of a goal's life domains for a goal, the coordinator for the crisis plan."""
    grant.require("write")
    if model is CrisisContact:
        _require_coordinator(grant)
    elif model is Goal:
        _require_domains(grant, domains)
    else:
        _require_domains(grant, [LifeDomain.SAFETY])


def _removed_copy(model, grant: Grant, part_id):
    """The copy a removal left of a part of this family's plan, if the reader may see
    it ('not found' otherwise)."""
    removal = history.last_removal(
        model, pk=_as_id(part_id), family_id=grant.family.pk, family_lookup=PLAN_FAMILY
    )
    if removal is None or not sees_part(grant, removal.instance):
        raise FamilyNotFound
    return removal.instance


@dataclass(frozen=True)
class _PartEvents:
    """How the timeline tells that a part of the plan was removed or put back:
    ``plan.<name>_removed`` / ``_restored``, with ``params(part)`` and, where the event
    leaves it to its writer, ``domain(part)``."""

    name: str
    params: Callable[[Any], dict[str, Any]]
    domain: Callable[[Any], str | None] = lambda part: None


def _domains_to_cover(model, part) -> Sequence[str]:
    # Only a goal's writer must cover its life domains (see _require_part_writer).
    return part.domains if model is Goal else ()


def _remove_part(model, events: _PartEvents, *, user, grant: Grant, revision, part_id, check=None):
    """Take a part out of the plan, undoable within ``UNDO_WINDOW``; ``check(part)``
    may refuse it first (``ValidationError``)."""
    with plan_change(user=user, grant=grant, revision=revision) as change:
        part = _part(model, grant, part_id)
        _require_part_writer(grant, model, _domains_to_cover(model, part))
        if check is not None:
            check(part)
        pk = part.pk
        history.delete_with_history(part, user=user)
        part.pk = pk
        change.event = f"plan.{events.name}_removed"
        change.object_id = pk
        change.domain = events.domain(part)
        change.params = events.params(part)
    return part


def _undo_part_removal(
    model, events: _PartEvents, *, user, grant: Grant, revision, part_id, now=None, prepare=None
):
    """Put a removed part back as it was, with its own id; ``prepare(part, plan)`` may
    adjust it first (what must stay unique in the plan)."""
    gone = _removed_copy(model, grant, part_id)
    _require_part_writer(grant, model, _domains_to_cover(model, gone))
    with plan_change(user=user, grant=grant, revision=revision) as change:
        part = history.restore(
            model,
            pk=_as_id(part_id),
            family_id=grant.family.pk,
            family_lookup=PLAN_FAMILY,
            user=user,
            now=now,
            not_found=FamilyNotFound,
            prepare=(lambda part: prepare(part, change.plan)) if prepare else None,
        )
        change.event = f"plan.{events.name}_restored"
        change.object_id = part.pk
        change.domain = events.domain(part)
        change.params = events.params(part)
    return part


def _keep_family_words(part, before: dict) -> None:
    """What the family wrote themselves stays in their words: a professional places it
    (life domains, kind) but does not rewrite it."""
    if not part.from_family:
        return
    if part.text != before["text"] or before.get("said_by", part.said_by) != part.said_by:
        raise ValidationError(
            {
                "text": _(
                    "The family wrote this in their own words: only they change it. Add "
                    "your own line, or ask them in the family portal."
                )
            },
            code="family_words",
        )


# goals


def update_goal(
    *, user, grant: Grant, revision: int | None, goal_id, text: str, said_by: str, domains
) -> Goal:
    """Correct a goal: its words, who said it, its life domains."""
    text = _clean_text(text, "text", _("Write the goal down as the family said it."), 2000)
    domains = _clean_domains(domains)
    try:
        with plan_change(user=user, grant=grant, revision=revision) as change:
            goal = _part(Goal, grant, goal_id)
            _require_part_writer(grant, Goal, set(goal.domains) | set(domains))
            before = {f: getattr(goal, f) for f in GOAL_FIELDS}
            goal.text, goal.said_by, goal.domains = text, (said_by or "").strip()[:200], domains
            _keep_family_words(goal, before)
            changed = _changed(goal, before)
            if not changed:
                raise _Unchanged(goal)
            history.save_with_history(goal, user=user)
            change.event = "plan.goal_changed"
            change.object_id = goal.pk
            change.domain = _first_domain(domains)
            change.params = {"text": text[:200]}
    except _Unchanged as unchanged:
        return unchanged.part
    return goal


GOAL_EVENTS = _PartEvents(
    "goal", lambda goal: {"text": goal.text[:200]}, lambda goal: _first_domain(goal.domains)
)


def _without_agreements(goal: Goal) -> None:
    if goal.agreements.exists():
        raise ValidationError(
            _(
                "Agreements still belong to this goal. Change those agreements first "
                "(another goal, or none)."
            ),
            code="has_agreements",
        )


def remove_goal(*, user, grant: Grant, revision: int | None, goal_id) -> Goal:
    """Take a goal out of the plan, undoable within ``UNDO_WINDOW``. Refused while
    agreements belong to it: removing it would silently loosen them."""
    return _remove_part(
        Goal,
        GOAL_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=goal_id,
        check=_without_agreements,
    )


def undo_goal_removal(*, user, grant: Grant, revision: int | None, goal_id, now=None) -> Goal:
    return _undo_part_removal(
        Goal, GOAL_EVENTS, user=user, grant=grant, revision=revision, part_id=goal_id, now=now
    )


# the safety mapping's lines


def update_safety_item(
    *, user, grant: Grant, revision: int | None, item_id, kind: str, text: str
) -> SafetyItem:
    if kind not in SafetyKind.values:
        raise ValidationError({"kind": _("Choose what kind of line this is.")})
    text = _clean_text(text, "text", _("Write down what you want to add."))
    try:
        with plan_change(user=user, grant=grant, revision=revision) as change:
            item = _part(SafetyItem, grant, item_id)
            _require_part_writer(grant, SafetyItem)
            before = {f: getattr(item, f) for f in SAFETY_ITEM_FIELDS}
            item.kind, item.text = kind, text
            _keep_family_words(item, before)
            if not _changed(item, before):
                raise _Unchanged(item)
            history.save_with_history(item, user=user)
            change.event = "plan.safety_item_changed"
            change.object_id = item.pk
            change.params = {"kind": kind}
    except _Unchanged as unchanged:
        return unchanged.part
    return item


SAFETY_ITEM_EVENTS = _PartEvents("safety_item", lambda item: {"kind": item.kind})


def remove_safety_item(*, user, grant: Grant, revision: int | None, item_id) -> SafetyItem:
    return _remove_part(
        SafetyItem, SAFETY_ITEM_EVENTS, user=user, grant=grant, revision=revision, part_id=item_id
    )


def undo_safety_item_removal(
    *, user, grant: Grant, revision: int | None, item_id, now=None
) -> SafetyItem:
    return _undo_part_removal(
        SafetyItem,
        SAFETY_ITEM_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=item_id,
        now=now,
    )


# safety scores: a measurement; a mistaken entry is corrected or removed


def update_safety_score(
    *,
    user,
    grant: Grant,
    revision: int | None,
    score_id,
    perspective: str,
    name: str,
    score: int | None,
    explanation: str = "",
) -> SafetyScore:
    """Correct a mistaken safety score (its value, whose it is, why). The day it was
    recorded stays: a new measurement is a new score."""
    errors: dict[str, str] = {}
    if perspective not in Perspective.values:
        errors["perspective"] = _("Choose whose view this is.")
    if not (name or "").strip():
        errors["name"] = _("Say whose score this is, e.g. 'mother' or 'the GP'.")
    if score is None or int(score) not in SAFETY_SCALE:
        errors["score"] = _("Choose a score from 0 to 10.")
    if errors:
        raise ValidationError(errors)
    try:
        with plan_change(user=user, grant=grant, revision=revision) as change:
            entry = _part(SafetyScore, grant, score_id)
            _require_part_writer(grant, SafetyScore)
            before = {f: getattr(entry, f) for f in SAFETY_SCORE_FIELDS}
            entry.perspective = perspective
            entry.name = name.strip()[:200]
            entry.score = int(score)
            entry.explanation = (explanation or "").strip()
            if not _changed(entry, before):
                raise _Unchanged(entry)
            history.save_with_history(entry, user=user)
            change.event = "plan.safety_score_changed"
            change.object_id = entry.pk
            change.params = {"name": entry.name, "score": entry.score}
    except _Unchanged as unchanged:
        return unchanged.part
    return entry


SAFETY_SCORE_EVENTS = _PartEvents(
    "safety_score", lambda entry: {"name": entry.name, "score": entry.score}
)


def remove_safety_score(*, user, grant: Grant, revision: int | None, score_id) -> SafetyScore:
    return _remove_part(
        SafetyScore,
        SAFETY_SCORE_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=score_id,
    )


def undo_safety_score_removal(
    *, user, grant: Grant, revision: int | None, score_id, now=None
) -> SafetyScore:
    return _undo_part_removal(
        SafetyScore,
        SAFETY_SCORE_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=score_id,
        now=now,
    )


# crisis contacts


def _unset_trusted_person(plan: Plan, *, user, keep: int | None = None) -> None:
    """The plan has one 24/7 trusted person: the one there was becomes an ordinary
    contact, with a historical copy saying so."""
    for other in CrisisContact.objects.filter(plan=plan, is_trusted_person=True).exclude(pk=keep):
        other.is_trusted_person = False
        history.save_with_history(other, user=user)


def _crisis_contact_errors(grant, name, relation, phone, network_member_id) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("A name is required.")
    if not (relation or "").strip():
        errors["relation"] = _("Say who this is for the family.")
    if len([c for c in phone or "" if c.isdigit()]) < 3:
        errors["phone"] = _("A phone number the family can call is required.")
    if network_member_id is not None and not (
        NetworkMember.objects.visible_to(grant).filter(pk=network_member_id).exists()
    ):
        errors["network_member"] = _("Choose someone of this family's network.")
    return errors


def crisis_network_choices(grant: Grant) -> list[tuple[int, str]]:
    """The family's network, for "this contact is someone of the network"."""
    return list(
        NetworkMember.objects.visible_to(grant).order_by("name", "id").values_list("pk", "name")
    )


def update_crisis_contact(
    *,
    user,
    grant: Grant,
    revision: int | None,
    contact_id,
    name: str,
    relation: str,
    phone: str,
    availability: str = "",
    is_trusted_person: bool = False,
    network_member_id: int | None = None,
) -> CrisisContact:
    errors = _crisis_contact_errors(grant, name, relation, phone, network_member_id)
    if errors:
        raise ValidationError(errors)
    try:
        with plan_change(user=user, grant=grant, revision=revision) as change:
            contact = _part(CrisisContact, grant, contact_id)
            _require_part_writer(grant, CrisisContact)
            before = {f: getattr(contact, f) for f in CRISIS_CONTACT_FIELDS}
            contact.name = name.strip()[:200]
            contact.relation = relation.strip()[:200]
            contact.phone = phone.strip()[:40]
            contact.availability = (availability or "").strip()[:200]
            contact.is_trusted_person = bool(is_trusted_person)
            contact.network_member_id = network_member_id
            if not _changed(contact, before):
                raise _Unchanged(contact)
            if contact.is_trusted_person and not before["is_trusted_person"]:
                _unset_trusted_person(change.plan, user=user, keep=contact.pk)
            history.save_with_history(contact, user=user)
            change.event = "plan.crisis_contact_changed"
            change.object_id = contact.pk
            change.params = {"name": contact.name}
    except _Unchanged as unchanged:
        return unchanged.part
    return contact


CRISIS_CONTACT_EVENTS = _PartEvents("crisis_contact", lambda contact: {"name": contact.name})


def remove_crisis_contact(*, user, grant: Grant, revision: int | None, contact_id) -> CrisisContact:
    return _remove_part(
        CrisisContact,
        CRISIS_CONTACT_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=contact_id,
    )


def _one_trusted_person(contact: CrisisContact, plan: Plan) -> None:
    if contact.is_trusted_person and (
        CrisisContact.objects.filter(plan=plan, is_trusted_person=True).exists()
    ):
        contact.is_trusted_person = False


def undo_crisis_contact_removal(
    *, user, grant: Grant, revision: int | None, contact_id, now=None
) -> CrisisContact:
    """Put a crisis contact back. A 24/7 trusted person comes back as an ordinary
    contact when someone else has become the trusted person meanwhile."""
    return _undo_part_removal(
        CrisisContact,
        CRISIS_CONTACT_EVENTS,
        user=user,
        grant=grant,
        revision=revision,
        part_id=contact_id,
        now=now,
        prepare=_one_trusted_person,
    )


# --- what the family adds itself, in the portal (issue 13) ------------------------------
#
# A family member or someone of the family's network, logged in to ``/mijn/``, agrees
# with the plan, marks their own agreement done, comments on an agreement, and writes
# goals and what is working well in their own words. Each goes through ``plan_change``
# with the citizen's ``"contribute"`` permission (the revision, the versions, the audit
# and timeline events) and is kept as theirs: their name on it, never merged into what a
# professional wrote. Each event is ``from_family`` in the catalogue, so that the
# coordinator's "my families" marks the family until they have looked.

FAMILY_TEXT_MAX = 2000


def _family_member(grant: Grant) -> Membership:
    """The membership of the family member acting; a network member is refused."""
    grant.require("contribute")
    person = grant.principal.person
    membership = (
        Membership.objects.filter(family=grant.family, person=person)
        .select_related("person")
        .first()
        if person is not None
        else None
    )
    if membership is None:
        raise PermissionDenied(_("Only the family itself can do this."))
    return membership


def family_agrees_online(
    *, user, grant: Grant, revision: int | None, version_number: int | None
) -> PlanVersion:
    """A family member agrees with the current version themselves, logged in with DigiD:
    recorded as "agreed online via DigiD" with their name, next to the ways the
    coordinator records. Only the version they read (``version_number``, at
    ``revision``): a plan changed since is read again first."""
    membership = _family_member(grant)
    if not may_agree_online(membership):
        raise PermissionDenied(
            _("A parent, or a family member of 16 or older, agrees with the plan for the family.")
        )
    with plan_change(user=user, grant=grant, revision=revision, permission="contribute") as change:
        version = _version_to_agree(
            change.plan,
            version_number,
            _(
                "Version %(asked)s is no longer the current version: version %(current)s "
                "is. Read the current version first."
            ),
        )
        version.agreed_at = timezone.now()
        version.agreed_by = membership.person.full_name[:300]
        version.agreement_method = AgreementMethod.ONLINE_DIGID
        version.interpreter_language = ""
        version.agreement_note = ""
        version.recorded_by = user
        version.save()
        change.event = "plan.agreed_online"
        change.changes_content = False
        change.object_id = version.pk
        change.person_ids = (membership.person_id,)
        change.params = {"n": version.number, "who": version.agreed_by}
    return version


def _citizen_agreement(grant: Grant, agreement_id, *, lock: bool = False) -> Agreement:
    """An agreement of the grant's family the citizen sees (the portal's rule), else
    'not found'."""
    found = Agreement.objects.filter(pk=_as_id(agreement_id), plan__family=grant.family)
    if lock:
        found = found.select_for_update(of=("self",))
    agreement = found.select_related("owner_person", "owner_network").first()
    if agreement is None or not citizen_sees_agreement(grant, agreement):
        raise FamilyNotFound
    return agreement


def _is_own(grant: Grant, agreement: Agreement) -> bool:
    principal = grant.principal
    if principal.network_member is not None:
        return agreement.owner_network_id == principal.network_member.pk
    return principal.person is not None and agreement.owner_person_id == principal.person.pk


def citizen_name(grant: Grant) -> str:
    """How the family's own words are signed: the person's or network member's name."""
    return str(grant.principal.person or grant.principal.network_member)[:300]


def family_marks_agreement_done(
    *, user, grant: Grant, revision: int | None, agreement_id, note: str = ""
) -> Agreement:
    """The owner of an agreement (a family member, someone of the network) says it is
    done, with a note if they like. Someone else's agreement is theirs to mark."""
    grant.require("contribute")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep this under %(n)d characters.") % {"n": 500}})
    with plan_change(user=user, grant=grant, revision=revision, permission="contribute") as change:
        agreement = _citizen_agreement(grant, agreement_id, lock=True)
        if not _is_own(grant, agreement):
            raise PermissionDenied(_("Only who does this agreement can mark it done."))
        if agreement.status != AgreementStatus.OPEN:
            raise ValidationError(
                {"note": _("This agreement is not open any more.")}, code="not_open"
            )
        agreement.status = AgreementStatus.DONE
        agreement.status_note = note
        history.save_with_history(agreement, user=user)
        change.event = "plan.agreement_done_by_family"
        change.object_id = agreement.pk
        change.domain = _first_domain(agreement.domains)
        change.params = {"who": citizen_name(grant), "action": agreement.action[:150]}
    return agreement


def comment_on_agreement(*, user, grant: Grant, agreement_id, text: str) -> AgreementComment:
    """A comment under an agreement, signed by its author: a family member (on every
    agreement they see), someone of the network (on their own), or a professional who
    may see the agreement. Comments are added, never changed: no revision to check."""
    text = _clean_text(text, "text", _("Write your comment first."), max_length=COMMENT_MAX_LENGTH)
    if grant.is_citizen:
        grant.require("contribute")
        require_open(grant)
        author = {
            "author_person": grant.principal.person,
            "author_network": grant.principal.network_member,
        }
        name = citizen_name(grant)
    else:
        _require_writer(grant)
        professional = grant.professional
        author = {"author_professional": professional}
        name = f"{professional.name} ({professional.organisation.name})"
    with transaction.atomic():
        if grant.is_citizen:
            agreement = _citizen_agreement(grant, agreement_id)
        else:
            agreement = (
                Agreement.objects.visible_to(grant)
                .select_related("owner_professional__organisation")
                .filter(pk=_as_id(agreement_id))
                .first()
            )
            if agreement is None or not sees_part(grant, agreement):
                raise FamilyNotFound
        comment = AgreementComment.objects.create(
            agreement=agreement, text=text, author_name=name, **author
        )
        record(
            "plan.agreement_commented_by_family"
            if grant.is_citizen
            else "plan.agreement_commented",
            user=user,
            actor=grant.principal.actor if grant.is_citizen else None,
            object_id=comment.pk,
            family_id=grant.family.pk,
            ground=grant.ground,
            detail={"agreement": agreement.pk},
            params={"who": name, "action": agreement.action[:150]},
            domain=_first_domain(agreement.domains),
        )
    return comment


def family_adds_goal(*, user, grant: Grant, revision: int | None, text: str) -> Goal:
    """A goal the family writes itself, in their own words, signed with the writer's
    name. It has no life domain yet (everyone who sees the plan sees it); the
    coordinator may place it in one, its words stay the family's."""
    membership = _family_member(grant)
    text = _clean_text(
        text, "text", _("Write down what you want to reach."), max_length=FAMILY_TEXT_MAX
    )
    with plan_change(user=user, grant=grant, revision=revision, permission="contribute") as change:
        goal = Goal.objects.create(
            plan=change.plan,
            text=text,
            said_by=membership.person.full_name[:200],
            domains=[],
            from_family=True,
        )
        change.event = "plan.goal_added_by_family"
        change.object_id = goal.pk
        change.params = {"who": goal.said_by}
    return goal


def family_adds_strength(*, user, grant: Grant, revision: int | None, text: str) -> SafetyItem:
    """ "What is working well", in the family's own words, signed with the writer's name:
    a line of the safety mapping's strengths (Signs of Safety)."""
    membership = _family_member(grant)
    text = _clean_text(
        text, "text", _("Write down what is working well."), max_length=FAMILY_TEXT_MAX
    )
    with plan_change(user=user, grant=grant, revision=revision, permission="contribute") as change:
        item = SafetyItem.objects.create(
            plan=change.plan,
            kind=SafetyKind.WORKING_WELL,
            text=text,
            from_family=True,
            said_by=membership.person.full_name[:200],
            created_by=user,
        )
        change.event = "plan.strength_added_by_family"
        change.object_id = item.pk
        change.params = {"who": item.said_by}
    return item
