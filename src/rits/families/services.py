"""Every write of family data. Each service validates, writes in one transaction and
leaves an audit event and (where a colleague should see it) a timeline event."""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import (
    MAX_ID,
    FamilyNotFound,
    Grant,
    access_log_grant,
    grant_for,
    grants_by_family,
    professional_for,
)
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core import db, history
from rits.core.bsn import encrypt_bsn, is_valid_bsn, normalise_bsn, pseudonymise_bsn
from rits.core.domains import ALL_DOMAINS, in_order
from rits.core.intake.cells import EARLIEST_DATE
from rits.core.params import contains_bsn
from rits.families.models import (
    FAMILY_DETAIL_FIELDS,
    ContactKind,
    DuplicateStatus,
    Family,
    FamilyEvent,
    Gender,
    Involvement,
    InvolvementApproval,
    LegalBasis,
    LivingSituation,
    MemberRole,
    Membership,
    NetworkMember,
    Person,
    PossibleDuplicate,
)
from rits.families.selectors import may_change_network
from rits.organisations.models import Municipality, Organisation, Professional, ProfessionalRole

# The earliest date of birth taken, the earliest date an import or a delivery takes at
# all: anyone alive today was born after it, so every real date of birth is accepted.
EARLIEST_BIRTH_DATE = EARLIEST_DATE


@dataclass
class PersonData:
    surname: str
    given_names: str = ""
    prefix: str = ""
    birth_date: date | None = None
    gender: str = ""
    bsn: str = ""
    languages: list[str] = field(default_factory=list)
    interpreter_needed: bool = False
    reference: str | None = None


def clean_bsn(raw: str) -> str:
    """Validate a BSN; the error message never repeats the number."""
    bsn = normalise_bsn(raw or "")
    if bsn and not is_valid_bsn(bsn):
        raise ValidationError({"bsn": _("This is not a valid BSN (it fails the 11-proef).")})
    return bsn


def validate_person(
    data: PersonData,
    *,
    role: str,
    family: Family | None,
    today: date | None = None,
    members: list[Membership] | None = None,
) -> None:
    """Checks a person on their own and against the family: raises ValidationError per field.

    ``members`` (memberships with their persons) replaces the query for the family's
    members: an import checks thousands of rows against families it has in memory, some
    of them not saved yet."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not data.surname.strip():
        errors.setdefault("surname", []).append(_("A surname is required."))
    for name in ("surname", "given_names", "prefix"):
        value = getattr(data, name)
        if any(ord(c) < 32 for c in value):
            errors.setdefault(name, []).append(_("Remove the control characters from this name."))
    if data.gender not in Gender.values:
        errors.setdefault("gender", []).append(_("Choose f, m, x or leave empty."))
    if data.birth_date:
        if role != MemberRole.UNBORN and data.birth_date > today:
            errors.setdefault("birth_date", []).append(
                _("A date of birth cannot be in the future.")
            )
        if role == MemberRole.UNBORN and data.birth_date < today:
            errors.setdefault("birth_date", []).append(
                _("The expected date of birth of an unborn child lies in the future.")
            )
        if data.birth_date < EARLIEST_BIRTH_DATE:
            errors.setdefault("birth_date", []).append(_("This date is before 1900."))
    elif role != MemberRole.UNBORN:
        errors.setdefault("birth_date", []).append(_("A date of birth is required."))
    if data.bsn:
        try:
            data.bsn = clean_bsn(data.bsn)
        except ValidationError as exc:
            errors.update({k: v for k, v in exc.message_dict.items()})
    if not errors and (members is not None or (family is not None and family.pk)):
        errors.update(_family_conflicts(data, role=role, family=family, members=members))
    if errors:
        raise ValidationError(errors)


def _family_conflicts(
    data: PersonData, *, role: str, family: Family | None, members: list[Membership] | None = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if members is None:
        members = list(Membership.objects.filter(family=family).select_related("person"))
    for m in members:
        p = m.person
        if (
            p.surname.casefold() == data.surname.strip().casefold()
            and p.given_names.casefold() == data.given_names.strip().casefold()
            and p.birth_date == data.birth_date
            # the same person re-imported under their own reference is not a duplicate
            and not (data.reference and p.reference == data.reference)
        ):
            errors.setdefault("surname", []).append(
                _("This person is already a member of this family.")
            )
    if data.birth_date and role in {MemberRole.CHILD, MemberRole.UNBORN}:
        for m in members:
            if (
                m.role == MemberRole.PARENT
                and m.person.birth_date
                and m.person.birth_date >= data.birth_date
            ):
                errors.setdefault("birth_date", []).append(
                    _("A child cannot be born before their parent (%(name)s).")
                    % {"name": m.person.full_name}
                )
    if data.birth_date and role == MemberRole.PARENT:
        for m in members:
            if (
                m.role == MemberRole.CHILD
                and m.person.birth_date
                and m.person.birth_date <= data.birth_date
            ):
                errors.setdefault("birth_date", []).append(
                    _("A parent cannot be younger than their child (%(name)s).")
                    % {"name": m.person.full_name}
                )
    return errors


def _apply_person(person: Person, data: PersonData) -> Person:
    person.surname = data.surname.strip()
    person.given_names = data.given_names.strip()
    person.prefix = data.prefix.strip()
    person.birth_date = data.birth_date
    person.gender = data.gender
    person.languages = data.languages
    person.interpreter_needed = data.interpreter_needed
    person.reference = data.reference
    if data.bsn:
        pseudonym = pseudonymise_bsn(data.bsn)
        if pseudonym != person.bsn_pseudonym:
            person.bsn_pseudonym = pseudonym
            person.bsn_encrypted = encrypt_bsn(data.bsn)
    return person


class TimelineEntry(NamedTuple):
    """One event for :func:`record_timeline`: a code of the catalogue and its parameters
    (language-neutral: ids, choice values, names and the user's own words, never a
    sentence). ``domain`` is the event type's when it fixes one, else the writer's. A
    tuple, not a dataclass: linking makes one per linked signal, millions in a run."""

    family_id: int
    code: str
    params: dict[str, Any]
    domain: str | None = None
    actor_id: int | None = None


def _timeline_domain(code: str, domain: str | None) -> str:
    """An event without a domain is shown to everyone who sees the family, so its type
    carries only what every grant sees anyway (members' names, the coordinator), never
    free text from a user or an import nor an organisation that reveals a domain; the
    writer of any other event decides its domain: there is no default."""
    event_type = catalogue.event_type(code)
    if not event_type.timeline:
        raise ValueError(f"event {code!r} is not a timeline event")
    if event_type.domain is None:
        if domain is None:
            raise ValueError(f"event {code!r}: the writer decides its life domain")
        return domain
    if domain is not None and domain != event_type.domain:
        raise ValueError(f"event {code!r} is always in domain {event_type.domain!r}")
    return event_type.domain


def record_timeline(entries: Iterable[TimelineEntry], *, at: datetime | None = None) -> int:
    """Write timeline events at once (COPY on PostgreSQL, ``bulk_create`` elsewhere),
    all at ``at`` (now): the one writer of ``FamilyEvent`` for services, the import,
    linking and the rules, which write thousands per chunk. Returns the number written."""
    at = at or timezone.now()
    domains: dict[tuple[str, str | None], str] = {}
    rows = []
    for e in entries:
        key = (e.code, e.domain)
        if key not in domains:
            domains[key] = _timeline_domain(e.code, e.domain)
        rows.append((e.family_id, at, e.code, e.params, domains[key], e.actor_id))
    if rows:
        db.write_rows(FamilyEvent, TIMELINE_FIELDS, rows, json_fields=frozenset({"params"}))
    return len(rows)


TIMELINE_FIELDS = ("family_id", "occurred_at", "code", "params", "domain", "actor_id")


def record(
    code: str,
    *,
    user=None,
    actor: Actor | None = None,
    family_id: int,
    object_id: str | int = "",
    person_ids: Sequence[int] = (),
    ground: str = "",
    detail: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    domain: str | None = None,
) -> None:
    """Record that ``code`` happened to a family: its audit event (action and object
    type from the catalogue; ``detail`` holds ids only) and, for a timeline event type,
    its timeline event (``params``, in ``domain`` unless the type fixes it), in one
    place. ``actor`` defaults to ``user``, who is also the timeline event's actor."""
    event_type = catalogue.event_type(code)
    if event_type.action:
        catalogue.log(
            code,
            actor=actor or Actor.for_user(user),
            object_id=object_id,
            family_id=family_id,
            person_ids=person_ids,
            ground=ground,
            detail=detail,
        )
    if event_type.timeline:
        record_timeline(
            [
                TimelineEntry(
                    family_id=family_id,
                    code=code,
                    params=params or {},
                    domain=domain,
                    actor_id=user.pk if user is not None else None,
                )
            ]
        )


def _may_see_person(grant: Grant, person: Person) -> bool:
    """Whether the professional may see ``person``: a member of a family they have a
    grant for that allows writing. Emergency access does not count: it is for reading,
    and linking a person would route that person's signals to another family for good."""
    family_ids = set(person.memberships.values_list("family_id", flat=True))
    if not family_ids:
        return False
    if grant.family.pk in family_ids:
        return True
    grants = grants_by_family(grant.professional)
    return any(grants[f].can_write for f in family_ids if f in grants)


def involvement_timeline(involvement: Involvement) -> TimelineEntry:
    """What the timeline says when an involvement starts, and in which life domain.

    Who is involved says something about the family (Veilig Thuis, a mental-health
    provider), so the event is shown as the overview shows the involvement: to everyone
    only for the coordinator and for an involvement with the whole family without a
    domain; otherwise in its (first) life domain."""
    organisation = involvement.organisation.name
    if involvement.professional is not None:
        organisation = f"{organisation} ({involvement.professional.name})"
    domains = sorted(involvement.domains or [])
    family_id = involvement.family_id
    if involvement.is_coordinator or not domains:
        # Shown to everyone: only the organisation, which the overview shows everyone
        # for these involvements; the role is free text from whoever registered it.
        code = (
            "family.coordinator_registered"
            if involvement.is_coordinator
            else "family.involvement_registered"
        )
        return TimelineEntry(family_id, code, {"organisation": organisation})
    return TimelineEntry(
        family_id,
        "family.involvement_registered_in_domain",
        {"organisation": organisation, "role": involvement.role},
        domain=domains[0],
    )


@transaction.atomic
def add_member(
    *,
    user,
    grant: Grant,
    data: PersonData,
    role: str,
    living_situation: str = LivingSituation.AT_HOME,
) -> Membership:
    """Add a person to a family the user may see (``living_situation``: where they live
    now, e.g. a child placed in a foster family).

    A person already known by BSN is linked, not duplicated, but only when the user may
    see that person. Otherwise the answer is exactly that for an unknown BSN: a new person
    is created, without the BSN (it belongs to the known person, and the new record must
    not reveal the match), and the possible match goes to the review of the known
    person's own coordinator (:class:`PossibleDuplicate`)."""
    grant.require("write")
    require_open(grant)
    family = grant.family
    validate_person(data, role=role, family=family)
    _validate_living_situation(living_situation)
    existing = hidden_match = None
    if data.bsn:
        known = Person.objects.filter(bsn_pseudonym=pseudonymise_bsn(data.bsn)).first()
        if known is not None and _may_see_person(grant, known):
            existing = known
        else:
            hidden_match = known
        if existing and Membership.objects.filter(family=family, person=existing).exists():
            raise ValidationError(
                {"bsn": _("A person with this BSN is already a member of this family.")}
            )
    if existing is None:
        person = _apply_person(Person(), replace(data, bsn="") if hidden_match else data)
        if hidden_match is not None:
            # The BSN as typed, encrypted, but without the pseudonym (the link, which is
            # the known person's): the new record reads as one with a BSN, like any other.
            person.bsn_encrypted = encrypt_bsn(data.bsn)
        person.full_clean(exclude=["bsn_encrypted", "bsn_pseudonym"])
        person.save()
    else:
        person = existing
    membership = Membership.objects.create(
        family=family, person=person, role=role, living_situation=living_situation
    )
    record(
        "family.member_added",
        user=user,
        family_id=family.pk,
        object_id=membership.pk,
        person_ids=[person.pk],
        ground=grant.ground,
        params={"name": person.full_name, "role": membership.role},
    )
    if hidden_match is not None:
        _raise_possible_duplicate(user=user, grant=grant, existing=hidden_match, new=person)
    return membership


def _validate_living_situation(value: str) -> None:
    if value not in LivingSituation.values:
        raise ValidationError({"living_situation": _("Choose where the member lives now.")})


def _raise_possible_duplicate(*, user, grant: Grant, existing: Person, new: Person) -> None:
    duplicate = PossibleDuplicate.objects.create(
        existing_person=existing,
        new_person=new,
        family=grant.family,
        raised_by=grant.professional,
        raised_by_organisation=grant.professional.organisation,
        raised_at=timezone.now(),
    )
    # In the access log of each family of the known person, where their coordinator and
    # the privacy officer look; the user who added the member is never told.
    for family_id in sorted(set(existing.memberships.values_list("family_id", flat=True))):
        record(
            "family.possible_duplicate_raised",
            user=user,
            family_id=family_id,
            object_id=duplicate.pk,
            person_ids=[existing.pk, new.pk],
            ground=REVIEW_GROUND,
        )


# The ground in audit events of the duplicate review: who raised or decided it does not
# see the other family.
REVIEW_GROUND = "duplicate_review"


def _open_duplicate(grant: Grant, duplicate_id: int | str) -> PossibleDuplicate:
    """One open possible duplicate about a member of ``grant``'s family, for its
    coordinator; anyone else gets the same 'not found' as for an id that does not exist."""
    if not grant.allows("coordinate"):
        raise FamilyNotFound
    try:
        duplicate_id = int(duplicate_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    duplicate = (
        PossibleDuplicate.objects.select_for_update(of=("self",))
        .filter(
            pk=duplicate_id,
            existing_person__memberships__family=grant.family,
            status=DuplicateStatus.OPEN,
        )
        .select_related("existing_person", "new_person", "family")
        .first()
        if 0 < duplicate_id <= MAX_ID
        else None
    )
    if duplicate is None:
        raise FamilyNotFound
    return duplicate


@transaction.atomic
def decide_possible_duplicate(
    *, user, grant: Grant, duplicate_id: int | str, same_person: bool
) -> PossibleDuplicate:
    """The known person's coordinator decides. The same person: the new record is merged
    into the known one (its memberships and everything that refers to it move over, the
    new record is deleted). A different person: the review is closed."""
    duplicate = _open_duplicate(grant, duplicate_id)
    existing, new = duplicate.existing_person, duplicate.new_person
    new_id = new.pk if new is not None else None
    if same_person and new is not None:
        moved = _merge_person(new, into=existing)
        for family in moved:
            record(
                "family.member_merged",
                user=user,
                family_id=family.pk,
                person_ids=[existing.pk, new_id],
                ground=REVIEW_GROUND,
                detail={"merged": new_id, "into": existing.pk},
                params={"name": existing.full_name},
            )
        duplicate.new_person = None  # deleted with the merge
    duplicate.status = DuplicateStatus.SAME if same_person else DuplicateStatus.DIFFERENT
    duplicate.decided_by = grant.professional
    duplicate.decided_at = timezone.now()
    duplicate.save(update_fields=["new_person", "status", "decided_by", "decided_at"])
    record(
        "family.possible_duplicate_decided",
        user=user,
        object_id=duplicate.pk,
        family_id=grant.family.pk,
        person_ids=[p for p in (existing.pk, new_id) if p],
        ground=grant.ground,
        detail={"decision": duplicate.status},
    )
    return duplicate


def _merge_person(new: Person, *, into: Person) -> list[Family]:
    """Move everything that refers to ``new`` over to ``into`` and delete ``new``; the
    families whose membership moved."""
    families = []
    for membership in Membership.objects.filter(person=new).select_related("family"):
        if Membership.objects.filter(family=membership.family, person=into).exists():
            membership.delete()
        else:
            membership.person = into
            membership.save(update_fields=["person"])
        families.append(membership.family)
    # Every other reference (involvements, network, plans, signals), also those without
    # a related name, so that deleting the new record takes nothing with it.
    for relation in Person._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        model, name = relation.related_model, relation.field.name
        if model in (Membership, PossibleDuplicate):
            continue
        model._base_manager.filter(**{name: new}).update(**{name: into})
    PossibleDuplicate.objects.filter(existing_person=new).update(existing_person=into)
    new.delete()
    return families


@transaction.atomic
def add_network_member(*, user, grant: Grant, member: NetworkMember) -> NetworkMember:
    grant.require("write")
    require_open(grant)
    member.family = grant.family
    member.full_clean()
    member.save()
    record(
        "family.network_added",
        user=user,
        family_id=grant.family.pk,
        object_id=member.pk,
        ground=grant.ground,
        params={"name": member.name, "relation": member.relation},
    )
    return member


@transaction.atomic
def decide_involvement(*, user, involvement_id: int | str, approve: bool) -> Involvement:
    """Approve or reject an involvement an import added to an existing family. For the
    family's coordinator and a privacy officer; anyone else gets 'not found'. Approved,
    it gives access from now on and enters the timeline; rejected, it is ended and never
    gives access."""
    try:
        involvement_id = int(involvement_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    involvement = (
        Involvement.all_objects.select_for_update(of=("self",))
        .filter(pk=involvement_id, approval=InvolvementApproval.PENDING)
        .select_related("organisation", "professional__user")
        .first()
        if 0 < involvement_id <= MAX_ID
        else None
    )
    if involvement is None:
        raise FamilyNotFound
    grant = access_log_grant(user, involvement.family_id)
    if approve:
        require_open(grant)  # a rejection on a closed file still ends the wait
    now = timezone.now()
    involvement.approval_decided_by = grant.professional
    involvement.approval_decided_at = now
    if approve:
        involvement.approval = InvolvementApproval.APPROVED
    else:
        involvement.approval = InvolvementApproval.REJECTED
        # Ended as well: a rejected coordinator must not keep the family's one place.
        involvement.end_date = max(involvement.start_date, timezone.localdate())
    involvement.save(
        update_fields=["approval", "approval_decided_by", "approval_decided_at", "end_date"]
    )
    if approve:
        record_timeline([involvement_timeline(involvement)])
    record(
        "family.involvement_decided",
        user=user,
        object_id=involvement.pk,
        family_id=grant.family.pk,
        ground=grant.ground,
        detail={"approval": involvement.approval},
    )
    return involvement


MAX_CONTACT_TEXT = 2000


@transaction.atomic
def record_contact(*, user, grant: Grant, kind: str, domain: str, on: date, text: str) -> None:
    """A professional writes on the family's timeline what happened (a conversation, a
    home visit, a phone call, a note), in a life domain they see: the domain decides who
    reads it, as it does for every other part of the file."""
    grant.require("write")
    errors: dict[str, list[str]] = {}
    if kind not in ContactKind.values:
        errors["kind"] = [_("Choose what kind of contact this was.")]
    if domain not in grant.domains:
        errors["domain"] = [_("Choose one of the life domains you work in.")]
    if on > timezone.localdate():
        errors["on"] = [_("This date lies in the future.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write what happened.")]
    elif len(text) > MAX_CONTACT_TEXT:
        errors["text"] = [_("Keep this under %(n)d characters.") % {"n": MAX_CONTACT_TEXT}]
    elif contains_bsn(text):
        # Everyone who sees the domain reads the timeline; a BSN belongs in its own field.
        errors["text"] = [_("Leave the BSN out of the text.")]
    if errors:
        raise ValidationError(errors)
    record(
        "family.contact_recorded",
        user=user,
        family_id=grant.family.pk,
        ground=grant.ground,
        params={"kind": kind, "on": on.isoformat(), "text": text},
        domain=domain,
    )


# --- Changing and removing, with history and undo -------------------------------------------
#
# The mechanism, for any model with ``history = HistoricalRecords()`` (django-simple-
# history), through ``rits.core.history`` (which the plan's parts use too): a change is
# saved with ``save_with_history``, a removal is a real delete through
# ``delete_with_history`` and ``restore`` puts the row back, with its own id, within
# ``UNDO_WINDOW``.


MEMBER_FIELDS = (
    "surname",
    "given_names",
    "prefix",
    "birth_date",
    "gender",
    "languages",
    "interpreter_needed",
)
NETWORK_FIELDS = ("name", "relation", "relation_detail", "phone", "email", "availability")


def _as_id(value: int | str) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    if not 0 < value <= MAX_ID:
        raise FamilyNotFound
    return value


def _membership_for_change(grant: Grant, membership_id: int | str) -> Membership:
    membership = (
        Membership.objects.visible_to(grant)
        .select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=_as_id(membership_id))
        .first()
    )
    if membership is None:
        raise FamilyNotFound
    return membership


def _replace_bsn(*, user, grant: Grant, person: Person, raw: str) -> bool:
    """Put a newly typed BSN on ``person``, as ``add_member`` would: a BSN of someone the
    user may not see is kept without its pseudonym and goes to review, and the user is
    told nothing of it. Whether the BSN changed."""
    bsn = clean_bsn(raw)
    if not bsn:
        return False
    pseudonym = pseudonymise_bsn(bsn)
    if pseudonym == person.bsn_pseudonym:
        return False
    known = Person.objects.filter(bsn_pseudonym=pseudonym).exclude(pk=person.pk).first()
    if known is not None and _may_see_person(grant, known):
        raise ValidationError(
            {"bsn": _("Another person you can see has this BSN (%(name)s).") % {"name": known}}
        )
    person.bsn_pseudonym = None if known is not None else pseudonym
    person.bsn_encrypted = encrypt_bsn(bsn)
    person._hidden_match = known
    return True


@transaction.atomic
def update_member(
    *,
    user,
    grant: Grant,
    membership_id: int | str,
    data: PersonData,
    role: str,
    living_situation: str | None = None,
):
    """Correct a member's details, role and living situation (``None``: as it is). The
    person's and membership's historical
    copies keep who changed what and the values before and after; the BSN only as "it
    changed" (an empty BSN field keeps the BSN). The person is the same in every family
    they belong to: a correction shows there too."""
    grant.require("write")
    membership = _membership_for_change(grant, membership_id)
    person = membership.person
    others = list(
        Membership.objects.filter(family=grant.family)
        .exclude(pk=membership.pk)
        .select_related("person")
    )
    validate_person(data, role=role, family=grant.family, members=others)
    if living_situation is None:
        living_situation = membership.living_situation
    _validate_living_situation(living_situation)
    before = {f: getattr(person, f) for f in MEMBER_FIELDS}
    bsn_changed = _replace_bsn(user=user, grant=grant, person=person, raw=data.bsn)
    hidden_match = getattr(person, "_hidden_match", None)
    _apply_person(person, replace(data, bsn="", reference=person.reference))
    person.full_clean(exclude=["bsn_encrypted", "bsn_pseudonym"])
    changed = [f for f in MEMBER_FIELDS if getattr(person, f) != before[f]]
    if bsn_changed:
        changed.append("bsn")
    if changed:
        person._bsn_changed = bsn_changed
        # in which family's file: the person's history shown in another family's file
        # does not say who changed it (that would tell who else knows the person)
        history.save_with_history(person, user=user, reason=f"family:{grant.family.pk}")
    # The membership's own fields, in one historical copy.
    changed_here = [
        name
        for name, value in (("role", role), ("living_situation", living_situation))
        if getattr(membership, name) != value
    ]
    if changed_here:
        membership.role, membership.living_situation = role, living_situation
        history.save_with_history(membership, user=user)
        changed.extend(changed_here)
    if not changed:
        return membership
    record(
        "family.member_changed",
        user=user,
        family_id=grant.family.pk,
        object_id=membership.pk,
        person_ids=[person.pk],
        ground=grant.ground,
        # which fields, never their values: the audit detail holds no personal data
        detail={"fields": sorted(changed)},
        params={"name": person.full_name},
    )
    if hidden_match is not None:
        _raise_possible_duplicate(user=user, grant=grant, existing=hidden_match, new=person)
    return membership


@transaction.atomic
def remove_member(*, user, grant: Grant, membership_id: int | str) -> Membership:
    """Take a member out of the family. The membership is deleted, its historical copy
    kept, so that the removal can be undone (``undo_member_removal``) within
    ``UNDO_WINDOW``; the person record itself is left alone (it may belong to other
    families, and involvements, plans and signals refer to it), so that nothing else
    goes with it and the undo gives back exactly what there was."""
    grant.require("write")
    membership = _membership_for_change(grant, membership_id)
    person = membership.person
    membership_pk = membership.pk
    history.delete_with_history(membership, user=user)
    record(
        "family.member_removed",
        user=user,
        family_id=grant.family.pk,
        object_id=membership_pk,
        person_ids=[person.pk],
        ground=grant.ground,
        params={"name": person.full_name},
    )
    membership.pk = membership_pk
    return membership


@transaction.atomic
def undo_member_removal(*, user, grant: Grant, membership_id: int | str, now=None) -> Membership:
    grant.require("write")
    pk = _as_id(membership_id)
    removal = (
        Membership.history.filter(id=pk, family_id=grant.family.pk, history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if removal is not None and (
        Membership.objects.filter(family_id=grant.family.pk, person_id=removal.person_id)
        .exclude(pk=pk)
        .exists()
    ):
        raise ValidationError(_("This person is a member of the family again."))
    membership = history.restore(
        Membership, pk=pk, family_id=grant.family.pk, user=user, now=now, not_found=FamilyNotFound
    )
    person = Person.objects.get(pk=membership.person_id)
    record(
        "family.member_restored",
        user=user,
        family_id=grant.family.pk,
        object_id=membership.pk,
        person_ids=[person.pk],
        ground=grant.ground,
        params={"name": person.full_name},
    )
    return membership


def _network_member_for_change(grant: Grant, member_id: int | str) -> NetworkMember:
    member = (
        NetworkMember.objects.visible_to(grant)
        .select_for_update(of=("self",))
        .filter(pk=_as_id(member_id))
        .first()
    )
    if member is None:
        raise FamilyNotFound
    return member


@transaction.atomic
def update_network_member(
    *, user, grant: Grant, member_id: int | str, data: dict[str, Any]
) -> NetworkMember:
    """Correct a network member's details (``data``: the form's fields)."""
    grant.require("write")
    member = _network_member_for_change(grant, member_id)
    before = {f: getattr(member, f) for f in NETWORK_FIELDS}
    for name in NETWORK_FIELDS:
        if name in data:
            setattr(member, name, data[name])
    member.full_clean()
    changed = [f for f in NETWORK_FIELDS if getattr(member, f) != before[f]]
    if not changed:
        return member
    history.save_with_history(member, user=user)
    record(
        "family.network_changed",
        user=user,
        family_id=grant.family.pk,
        object_id=member.pk,
        ground=grant.ground,
        detail={"fields": sorted(changed)},
        params={"name": member.name},
    )
    return member


@transaction.atomic
def remove_network_member(*, user, grant: Grant, member_id: int | str) -> NetworkMember:
    """Take someone out of the network, undoable within ``UNDO_WINDOW``. Refused while
    they own agreements in the plan: deleting them would delete those agreements."""
    grant.require("write")
    member = _network_member_for_change(grant, member_id)
    if member.agreements.exists():
        raise ValidationError(
            _(
                "%(name)s still has agreements in the plan. Give those agreements to "
                "someone else first."
            )
            % {"name": member.name}
        )
    member_pk = member.pk
    history.delete_with_history(member, user=user)
    record(
        "family.network_removed",
        user=user,
        family_id=grant.family.pk,
        object_id=member_pk,
        ground=grant.ground,
        params={"name": member.name},
    )
    member.pk = member_pk
    return member


@transaction.atomic
def undo_network_removal(*, user, grant: Grant, member_id: int | str, now=None) -> NetworkMember:
    grant.require("write")
    member = history.restore(
        NetworkMember,
        pk=_as_id(member_id),
        family_id=grant.family.pk,
        user=user,
        now=now,
        not_found=FamilyNotFound,
    )
    record(
        "family.network_restored",
        user=user,
        family_id=grant.family.pk,
        object_id=member.pk,
        ground=grant.ground,
        params={"name": member.name},
    )
    return member


# --- Managing the file in the pages (issue 11) -----------------------------------------
# Creating a family, adding, changing and ending involvements, handing over the
# coordination and closing or reopening the file. Each validates per field, writes in one
# transaction and leaves its audit event and (where colleagues should know) a timeline
# event, with the same rule of who sees what as ``involvement_timeline``.


def require_open(grant: Grant) -> None:
    """Refuse a new part of a closed file (a member, the network, an involvement, a
    hand-over): the file is read, not added to, until its coordinator reopens it."""
    family = Family.objects.only("closed_at").get(pk=grant.family.pk)
    if family.closed_at is not None:
        raise PermissionDenied(_("This family's file is closed. Reopen it first."))


def _text_errors(value: str, name: str, errors: dict[str, list[str]], *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(name, []).append(_("This field is required."))
    if any(ord(c) < 32 for c in value):
        errors.setdefault(name, []).append(_("Remove the control characters from this text."))
    return value


POSTCODE_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalise_postcode(raw: str) -> str:
    """A Dutch postcode as stored: four digits and two capitals, no space ('3511AB');
    ValueError when it is not one."""
    compact = "".join((raw or "").split()).upper()
    if not compact:
        return ""
    if not (
        len(compact) == 6
        and all(c in "0123456789" for c in compact[:4])
        and compact[0] != "0"
        and all(c in POSTCODE_LETTERS for c in compact[4:])
    ):
        raise ValueError(compact)
    return compact


@dataclass
class FamilyData:
    name: str
    street: str = ""
    house_number: int | None = None
    house_number_suffix: str = ""
    postcode: str = ""
    city: str = ""
    municipality: Municipality | None = None
    reference: str = ""


@dataclass
class InvolvementData:
    organisation: Organisation
    role: str
    legal_basis: str
    domains: list[str] = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    professional: Professional | None = None
    is_coordinator: bool = False


# Who may start a family's file: those who do the help. A privacy officer and an
# administrator read or manage, and a signal source's staff only deliver.
CREATING_ROLES = frozenset(
    {ProfessionalRole.COORDINATOR, ProfessionalRole.PROFESSIONAL, ProfessionalRole.TEAM_LEAD}
)


def may_create_family(professional: Professional) -> bool:
    return professional.has_role(*CREATING_ROLES) and not professional.organisation.is_signal_source


def _new_reference() -> str:
    """A reference for a family created in Rits: 'RITS-' and eight characters that are
    easy to read aloud (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    for _attempt in range(20):
        reference = "RITS-" + "".join(secrets.choice(alphabet) for _i in range(8))
        if not Family.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("no free family reference")  # 32**8 references: not in practice


def _validate_family(data: FamilyData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    data.name = _text_errors(data.name, "name", errors, required=True)
    for name in ("street", "house_number_suffix", "city", "reference"):
        setattr(data, name, _text_errors(getattr(data, name), name, errors, required=False))
    try:
        data.postcode = normalise_postcode(data.postcode)
    except ValueError:
        errors.setdefault("postcode", []).append(
            _("A postcode is four digits and two letters, e.g. 3511 AB.")
        )
    if data.house_number is not None and not 0 < data.house_number < 100_000:
        errors.setdefault("house_number", []).append(_("This is not a house number."))
    if data.reference and Family.objects.filter(reference=data.reference).exists():
        # Says no more than that the reference is taken, which the unique constraint
        # would tell anyway; never which family has it.
        errors.setdefault("reference", []).append(
            _("This reference is already in use. Leave it empty to get a new one.")
        )
    return errors


def _validate_involvement(
    data: InvolvementData, *, family: Family | None, today: date, prefix: str = ""
) -> dict[str, list[str]]:
    """Per-field errors of an involvement; ``prefix`` names the fields on a form that
    also has others (creating a family)."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(prefix + name, []).append(message)

    inner: dict[str, list[str]] = {}
    data.role = _text_errors(data.role, "role", inner, required=True)
    for name, messages in inner.items():
        for message in messages:
            error(name, message)
    if data.legal_basis not in LegalBasis.values:
        error("legal_basis", _("Choose the legal basis of this involvement."))
    unknown = [d for d in data.domains if d not in ALL_DOMAINS]
    if unknown:
        error("domains", _("Choose life domains from the list."))
    if not data.domains and not data.is_coordinator:
        error("domains", _("Choose the life domains this involvement needs to see."))
    data.domains = in_order(data.domains)
    if data.start_date is None:
        error("start_date", _("Give the date the involvement starts."))
    if data.end_date is not None and data.start_date and data.end_date < data.start_date:
        error("end_date", _("The end date cannot lie before the start date."))
    if data.professional is not None and data.professional.organisation_id != data.organisation.pk:
        error("professional", _("This professional does not work for this organisation."))
    if data.is_coordinator and data.professional is None:
        error("professional", _("A coordinator is a person: choose the professional."))
    if data.is_coordinator and data.end_date is not None:
        error("end_date", _("The coordination ends with a hand-over, not with an end date."))
    if family is not None and family.pk:
        if (
            data.is_coordinator
            and Involvement.all_objects.holding_the_coordination()
            .filter(family=family)
            .exclude(approval=InvolvementApproval.REJECTED)
            .exists()
        ):
            error(
                "is_coordinator",
                _("This family already has a coordinator. Hand over the coordination instead."),
            )
        duplicate = (
            Involvement.all_objects.filter(
                family=family,
                organisation=data.organisation,
                professional=data.professional,
                role__iexact=data.role,
            )
            .exclude(approval=InvolvementApproval.REJECTED)
            .filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=today))
        )
        if data.role and duplicate.exists():
            error("role", _("This involvement is already registered with this family."))
    return errors


@transaction.atomic
def create_family(
    *, user, data: FamilyData, involvement: InvolvementData
) -> tuple[Family, Involvement]:
    """Start a family's file in Rits (not by import): the family and the creator's own
    involvement, without which they could not see what they made. The creator is its
    coordinator unless ``involvement.is_coordinator`` says otherwise; a reference is
    made when none is given."""
    professional = professional_for(user)
    if not may_create_family(professional):
        raise PermissionDenied(_("Your role does not allow starting a family's file."))
    today = timezone.localdate()
    involvement.organisation = professional.organisation
    involvement.professional = professional
    involvement.start_date = involvement.start_date or today
    errors = _validate_family(data)
    errors.update(_validate_involvement(involvement, family=None, today=today))
    if involvement.start_date and involvement.start_date > today:
        errors.setdefault("start_date", []).append(
            _("You start the file today: your involvement cannot start later.")
        )
    if errors:
        raise ValidationError(errors)
    family = Family(
        reference=data.reference or _new_reference(),
        name=data.name,
        street=data.street,
        house_number=data.house_number,
        house_number_suffix=data.house_number_suffix,
        postcode=data.postcode,
        city=data.city,
        municipality=data.municipality,
    )
    family.full_clean()
    family.save()
    created = _save_involvement(family, involvement, approval=InvolvementApproval.APPROVED)
    grant = grant_for(user, family.pk)
    record(
        "family.created",
        user=user,
        family_id=family.pk,
        object_id=family.pk,
        ground=grant.ground,
        detail={"involvement": created.pk, "coordinator": created.is_coordinator},
    )
    record_timeline([involvement_timeline(created)._replace(actor_id=user.pk)])
    return family, created


def _save_involvement(family: Family, data: InvolvementData, *, approval: str) -> Involvement:
    involvement = Involvement(
        family=family,
        organisation=data.organisation,
        professional=data.professional,
        role=data.role,
        legal_basis=data.legal_basis,
        domains=data.domains,
        start_date=data.start_date,
        end_date=data.end_date,
        is_coordinator=data.is_coordinator,
        approval=approval,
    )
    involvement.full_clean(exclude=["reference", "domains"])  # domains: checked above, may be empty
    involvement.save()
    return involvement


def approval_needed(grant: Grant, data: InvolvementData) -> bool:
    """Whether an involvement a writer adds waits for approval. The coordinator's do
    not: they are who approves. Anyone else's do, unless it is of their own
    organisation and sees no more than they do themselves: an involvement gives access,
    and no one hands out more of a family than they have."""
    if grant.is_coordinator:
        return False
    return (
        data.is_coordinator
        or data.organisation.pk != grant.professional.organisation_id
        or not set(data.domains) <= set(grant.domains)
    )


@transaction.atomic
def add_involvement(*, user, grant: Grant, data: InvolvementData) -> Involvement:
    """Register who else is involved with the family. An involvement that needs
    approval (:func:`approval_needed`) waits on the pending-involvements page of the
    family's coordinator and the privacy officer, and gives no access until then."""
    grant.require("write")
    require_open(grant)
    family = grant.family
    errors = _validate_involvement(data, family=family, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    pending = approval_needed(grant, data)
    involvement = _save_involvement(
        family,
        data,
        approval=InvolvementApproval.PENDING if pending else InvolvementApproval.APPROVED,
    )
    if not pending:
        record_timeline([involvement_timeline(involvement)._replace(actor_id=user.pk)])
    record(
        "family.involvement_added",
        user=user,
        family_id=family.pk,
        object_id=involvement.pk,
        ground=grant.ground,
        detail={"approval": involvement.approval, "coordinator": involvement.is_coordinator},
    )
    return involvement


def _involvement_of(grant: Grant, involvement_id: int | str, *, lock: bool = True) -> Involvement:
    """An approved involvement of ``grant``'s family that has not ended, that its
    reader may know of (``selectors.sees_involvement``); anyone else gets 'not found'.
    Changed only by the coordinator, or by a writer of the involvement's own
    organisation (a 403: they see it)."""
    try:
        involvement_id = int(involvement_id)
    except (TypeError, ValueError):
        raise FamilyNotFound from None
    found = Involvement.objects.filter(
        family=grant.family, pk=involvement_id if 0 < involvement_id <= MAX_ID else 0
    ).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=timezone.localdate()))
    if lock:
        found = found.select_for_update(of=("self",))
    involvement = found.select_related("organisation", "professional__user").first()
    if involvement is None or not (
        involvement.is_coordinator or grant.sees_any(involvement.domains)
    ):
        raise FamilyNotFound
    grant.require("write")
    if (
        not grant.is_coordinator
        and involvement.organisation_id != grant.professional.organisation_id
    ):
        raise PermissionDenied(
            _("Only the coordinator or the involvement's own organisation can change it.")
        )
    return involvement


def involvement_for_change(*, grant: Grant, involvement_id: int | str) -> Involvement:
    """The involvement a change or end form is about (see :func:`_involvement_of`)."""
    return _involvement_of(grant, involvement_id, lock=False)


def _involvement_entry(involvement: Involvement, *, everyone: str, in_domain: str) -> TimelineEntry:
    """Like :func:`involvement_timeline`, for other events about an involvement."""
    entry = involvement_timeline(involvement)
    if entry.domain is None:
        return entry._replace(code=everyone)
    return entry._replace(code=in_domain)


INVOLVEMENT_CHANGE_FIELDS = ("role", "legal_basis", "domains", "start_date", "end_date")


@transaction.atomic
def change_involvement(
    *, user, grant: Grant, involvement_id: int | str, data: InvolvementData
) -> Involvement:
    """Change an involvement's role, legal basis, life domains or dates (its
    organisation and professional stay: another one is another involvement). The
    coordinator's end date is the hand-over's (:func:`hand_over_coordination`)."""
    involvement = _involvement_of(grant, involvement_id)
    require_open(grant)
    data.organisation = involvement.organisation
    data.professional = involvement.professional
    data.is_coordinator = involvement.is_coordinator
    errors = _validate_involvement(data, family=None, today=timezone.localdate())
    if involvement.is_coordinator and data.end_date != involvement.end_date:
        errors.setdefault("end_date", []).append(
            _("The coordination ends with a hand-over: use 'Hand over the coordination'.")
        )
    if not grant.is_coordinator and not set(data.domains) <= set(grant.domains):
        errors.setdefault("domains", []).append(
            _("You can only give life domains that you see yourself.")
        )
    if errors:
        raise ValidationError(errors)
    changed = [
        name
        for name in INVOLVEMENT_CHANGE_FIELDS
        if getattr(involvement, name) != getattr(data, name)
    ]
    if not changed:
        return involvement
    for name in changed:
        setattr(involvement, name, getattr(data, name))
    involvement.full_clean(exclude=["reference", "domains"])  # domains: checked above, may be empty
    involvement.save(update_fields=changed)
    record(
        "family.involvement_changed",
        user=user,
        family_id=grant.family.pk,
        object_id=involvement.pk,
        ground=grant.ground,
        detail={"changed": changed},
    )
    record_timeline(
        [
            _involvement_entry(
                involvement,
                everyone="family.involvement_changed_on_timeline",
                in_domain="family.involvement_changed_in_domain",
            )._replace(actor_id=user.pk)
        ]
    )
    return involvement


@transaction.atomic
def end_involvement(
    *, user, grant: Grant, involvement_id: int | str, end_date: date | None
) -> Involvement:
    """End an involvement on ``end_date`` (its last day; today when not given). Also on
    a closed file: ending takes nothing new in. Not the coordinator's: that is a
    hand-over."""
    involvement = _involvement_of(grant, involvement_id)
    end_date = end_date or timezone.localdate()
    if involvement.is_coordinator:
        raise ValidationError(
            {
                "end_date": _(
                    "The coordination ends with a hand-over: use 'Hand over the coordination'."
                )
            }
        )
    if end_date < involvement.start_date:
        raise ValidationError({"end_date": _("The end date cannot lie before the start date.")})
    involvement.end_date = end_date
    involvement.save(update_fields=["end_date"])
    record(
        "family.involvement_ended",
        user=user,
        family_id=grant.family.pk,
        object_id=involvement.pk,
        ground=grant.ground,
        detail={"end_date": end_date.isoformat()},
    )
    record_timeline(
        [
            _involvement_entry(
                involvement,
                everyone="family.involvement_ended_on_timeline",
                in_domain="family.involvement_ended_in_domain",
            )._replace(actor_id=user.pk)
        ]
    )
    return involvement


def successor_candidates(grant: Grant) -> list[Involvement]:
    """Who the coordination can pass to: the family's other active, approved
    involvements of a professional."""
    return list(
        Involvement.objects.active()
        .filter(family=grant.family, professional__isnull=False, is_coordinator=False)
        .exclude(professional=grant.professional)
        .select_related("organisation", "professional__user")
        .order_by("organisation__name", "id")
    )


def _who(involvement: Involvement) -> str:
    if involvement.professional is not None:
        return f"{involvement.professional.name} ({involvement.organisation.name})"
    return involvement.organisation.name


@transaction.atomic
def hand_over_coordination(
    *, user, grant: Grant, successor_id: int | str, last_day: date
) -> Involvement:
    """Plan the hand-over of the coordination. The successor becomes coordinator from
    today, next to the coordinator handing over, who stays the family's coordinator up
    to and including ``last_day`` (``InvolvementQuerySet.coordinator_of``: the one who
    started first); from the day after, the successor is. Returns the successor's new
    coordinating involvement; the successor's own involvement stays as it is."""
    grant.require("coordinate")
    require_open(grant)
    today = timezone.localdate()
    current = (
        Involvement.objects.select_for_update(of=("self",))
        .holding_the_coordination()
        .filter(family=grant.family, professional=grant.professional)
        .select_related("organisation", "professional__user")
        .first()
    )
    if current is None:
        # The coordinator already planned a hand-over (their coordination has an end).
        raise ValidationError(
            {"successor": _("A hand-over of the coordination is already planned.")}
        )
    errors: dict[str, list[str]] = {}
    try:
        successor_id = int(successor_id)
    except (TypeError, ValueError):
        successor_id = 0
    successor = next((i for i in successor_candidates(grant) if i.pk == successor_id), None)
    if successor is None:
        errors["successor"] = [_("Choose who takes over the coordination.")]
    if last_day is None or last_day < today:
        errors["last_day"] = [_("The last day cannot lie in the past.")]
    elif last_day < current.start_date:
        errors["last_day"] = [_("The last day cannot lie before your coordination starts.")]
    if errors:
        raise ValidationError(errors)
    current.end_date = last_day
    current.save(update_fields=["end_date"])
    taking_over = _save_involvement(
        grant.family,
        InvolvementData(
            organisation=successor.organisation,
            professional=successor.professional,
            role=_("Coordinator"),
            legal_basis=successor.legal_basis,
            domains=[],
            start_date=today,
            is_coordinator=True,
        ),
        approval=InvolvementApproval.APPROVED,
    )
    record(
        "family.coordination_handed_over",
        user=user,
        family_id=grant.family.pk,
        object_id=taking_over.pk,
        ground=grant.ground,
        detail={"from": current.pk, "to": taking_over.pk, "last_day": last_day.isoformat()},
        params={"from": _who(current), "to": _who(taking_over), "date": last_day.isoformat()},
    )
    return taking_over


@transaction.atomic
def update_family_details(*, user, grant: Grant, data: FamilyData) -> Family:
    """Change the family's name, address or municipality. The family's historical copies
    keep who changed what, before and after; the audit row names the fields only, the
    timeline says that the details changed, without them."""
    grant.require("write")
    require_open(grant)
    family = Family.objects.select_for_update().get(pk=grant.family.pk)
    data.reference = ""  # not changed here, so not checked as a new one
    errors = _validate_family(data)
    if errors:
        raise ValidationError(errors)
    before = {f: getattr(family, f) for f in FAMILY_DETAIL_FIELDS}
    for name in FAMILY_DETAIL_FIELDS:
        setattr(family, name, getattr(data, name))
    family.full_clean()
    changed = [f for f in FAMILY_DETAIL_FIELDS if getattr(family, f) != before[f]]
    if not changed:
        return family
    history.save_with_history(family, user=user)
    record(
        "family.details_changed",
        user=user,
        family_id=family.pk,
        object_id=family.pk,
        ground=grant.ground,
        detail={"fields": sorted(changed)},
    )
    return family


@transaction.atomic
def cancel_hand_over(*, user, grant: Grant) -> Involvement:
    """Cancel the hand-over of the coordination that the current coordinator planned,
    before its date: the coordinator stays coordinator (their end date is cleared) and
    the successor's coordinating involvement stops giving access at once.

    ``hand_over_coordination`` starts the successor's coordination on the day it is
    planned (the overlap), so it has always started. It is ended yesterday when it
    started before today, which is what it was: coordination up to and including
    yesterday. One that started today cannot end before it started (the database
    refuses that) and ending it today would leave the coordinator's access until
    midnight: it is deleted. Either way the audit log keeps, to the second, that the
    hand-over was planned and cancelled, with both involvements' ids, and every read the
    successor made under it. Returns the coordinator's involvement."""
    grant.require("coordinate")
    today = timezone.localdate()
    current = (
        Involvement.objects.select_for_update(of=("self",))
        .filter(
            family=grant.family,
            professional=grant.professional,
            is_coordinator=True,
            end_date__gte=today,
        )
        .filter(start_date__lte=today)
        .select_related("organisation", "professional__user")
        .order_by("start_date", "id")
        .first()
    )
    successor = (
        Involvement.objects.select_for_update(of=("self",))
        .holding_the_coordination()
        .filter(family=grant.family)
        .exclude(professional=grant.professional)
        .select_related("organisation", "professional__user")
        .first()
        if current is not None
        else None
    )
    if successor is None:
        raise ValidationError(_("No hand-over of the coordination is planned."))
    successor_id, who = successor.pk, _who(successor)
    ended = successor.start_date < today
    if ended:
        successor.end_date = today - timedelta(days=1)
        successor.save(update_fields=["end_date"])
    else:
        successor.delete()
    # The successor's open-ended coordination is gone first: one per family.
    current.end_date = None
    current.save(update_fields=["end_date"])
    record(
        "family.coordination_hand_over_cancelled",
        user=user,
        family_id=grant.family.pk,
        object_id=current.pk,
        ground=grant.ground,
        detail={"kept": current.pk, "successor": successor_id, "successor_ended": ended},
        params={"from": _who(current), "to": who},
    )
    return current


# Sent inside the closing's transaction, with ``user`` and ``grant``: apps that keep work
# on a family (the worklist) let it go.
file_closed = Signal()


def close_file(*, user, grant: Grant, reason: str) -> Family:
    """Close the family's file, with the reason all involved read on the overview.
    Who is involved stays involved and can read it; nothing new is added (see
    :func:`require_open`) until the coordinator reopens it. Its open work items are
    dismissed (``file_closed``, ``worklist.services.dismiss_for_closed_file``)."""
    return _set_file_closed(user=user, grant=grant, reason=reason, closed=True)


def reopen_file(*, user, grant: Grant, reason: str) -> Family:
    """Reopen a closed file (for its coordinator). The reasons for closing and
    reopening stay on the timeline; the family forgets its reason for closing. Work
    items dismissed at the closing stay dismissed."""
    return _set_file_closed(user=user, grant=grant, reason=reason, closed=False)


@transaction.atomic
def _set_file_closed(*, user, grant: Grant, reason: str, closed: bool) -> Family:
    grant.require("coordinate")
    family = Family.objects.select_for_update().get(pk=grant.family.pk)
    errors: dict[str, list[str]] = {}
    reason = _text_errors(reason, "reason", errors, required=True)
    if closed and len(reason) > Family._meta.get_field("closed_reason").max_length:
        errors.setdefault("reason", []).append(_("Keep the reason shorter (500 characters)."))
    if family.is_closed == closed:
        errors.setdefault("reason", []).append(
            _("This file is already closed.") if closed else _("This file is not closed.")
        )
    if errors:
        raise ValidationError(errors)
    family.closed_at = timezone.now() if closed else None
    family.closed_reason = reason if closed else ""
    family.save(update_fields=["closed_at", "closed_reason", "updated_at"])
    if closed:
        # A closed file takes no work: its open alerts and tasks are dismissed with it,
        # by the worklist, which builds on this app (so it listens; this app never
        # imports it).
        file_closed.send(sender=Family, user=user, grant=grant)
    # The reason stays out of the audit row (ids only); the timeline keeps it, as the
    # overview shows it to everyone involved, which its form tells who writes it.
    record(
        "family.file_closed" if closed else "family.file_reopened",
        user=user,
        family_id=family.pk,
        object_id=family.pk,
        ground=grant.ground,
        params={"reason": reason},
    )
    return family


# --- the family's own network, from the portal (issue 13) -------------------------------
# A parent or an adult of the family adds someone to their network, or corrects how to
# reach them, themselves: audited and on the timeline as the family's (``from_family``),
# so that the coordinator sees it. Nobody of the family removes someone: that stays the
# coordinator's, with the family (an agreement may hang on them).


def _network_keeper(grant: Grant) -> Membership:
    grant.require("contribute")
    require_open(grant)
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
    if not may_change_network(membership):
        raise PermissionDenied(_("A parent or an adult of the family changes the network."))
    return membership


def _apply_network_data(member: NetworkMember, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name in NETWORK_FIELDS:
        if name in data:
            value = _text_errors(str(data[name] or ""), name, errors, required=name == "name")
            setattr(member, name, value)
    if errors:
        raise ValidationError(errors)
    try:
        member.full_clean(exclude=["family", "for_person"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@transaction.atomic
def family_adds_network_member(*, user, grant: Grant, data: dict[str, Any]) -> NetworkMember:
    """Someone of the family (a parent, an adult) adds a person to their network:
    ``data``: name, relation, relation_detail, phone, email, availability."""
    _network_keeper(grant)
    member = NetworkMember(family=grant.family)
    _apply_network_data(member, data)
    member.save()
    record(
        "family.network_added_by_family",
        user=user,
        actor=grant.principal.actor,
        family_id=grant.family.pk,
        object_id=member.pk,
        ground=grant.ground,
        params={"who": str(grant.principal.person), "name": member.name},
    )
    return member


@transaction.atomic
def family_changes_network_member(
    *, user, grant: Grant, member_id: int | str, data: dict[str, Any]
) -> NetworkMember:
    """Someone of the family corrects a network member's details or how to reach them."""
    _network_keeper(grant)
    member = _network_member_for_change(grant, member_id)
    before = {f: getattr(member, f) for f in NETWORK_FIELDS}
    _apply_network_data(member, data)
    changed = [f for f in NETWORK_FIELDS if getattr(member, f) != before[f]]
    if not changed:
        return member
    history.save_with_history(member, user=user)
    record(
        "family.network_changed_by_family",
        user=user,
        actor=grant.principal.actor,
        family_id=grant.family.pk,
        object_id=member.pk,
        ground=grant.ground,
        detail={"fields": sorted(changed)},
        params={"who": str(grant.principal.person), "name": member.name},
    )
    return member
