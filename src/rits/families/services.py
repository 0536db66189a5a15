"""Every write of family data. Each service validates, writes in one transaction and
leaves an audit event and (where a colleague should see it) a timeline event."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import MAX_ID, FamilyNotFound, Grant, access_log_grant, grants_by_family
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core import db
from rits.core.bsn import encrypt_bsn, is_valid_bsn, normalise_bsn, pseudonymise_bsn
from rits.core.params import contains_bsn
from rits.families.models import (
    UNDO_WINDOW,
    ContactKind,
    DuplicateStatus,
    Family,
    FamilyEvent,
    Gender,
    Involvement,
    InvolvementApproval,
    MemberRole,
    Membership,
    NetworkMember,
    Person,
    PossibleDuplicate,
)

MAX_AGE_YEARS = 120


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
        if data.birth_date.year < today.year - MAX_AGE_YEARS:
            errors.setdefault("birth_date", []).append(_("This date of birth is too long ago."))
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
def add_member(*, user, grant: Grant, data: PersonData, role: str) -> Membership:
    """Add a person to a family the user may see.

    A person already known by BSN is linked, not duplicated, but only when the user may
    see that person. Otherwise the answer is exactly that for an unknown BSN: a new person
    is created, without the BSN (it belongs to the known person, and the new record must
    not reveal the match), and the possible match goes to the review of the known
    person's own coordinator (:class:`PossibleDuplicate`)."""
    grant.require("write")
    family = grant.family
    validate_person(data, role=role, family=family)
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
    membership = Membership.objects.create(family=family, person=person, role=role)
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
# history): a change is saved with :func:`_save_with_history` (the historical copy holds
# who, when and the values after; the one before it the values before), a removal is a
# real delete through :func:`_delete_with_history` (its "-" copy holds the row as it was)
# and :func:`_restore` puts the row back from that copy, with its own id, within
# ``UNDO_WINDOW``. The plan's parts (goals, worries, strengths, safety scores, crisis
# contacts) can use the same three functions and ``selectors.history_of``.


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


def _save_with_history(obj, *, user, reason: str = "") -> None:
    """Save ``obj``; its historical copy names ``user`` (None: the system or an import)."""
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


def _delete_with_history(obj, *, user) -> None:
    obj._history_user = user
    obj._change_reason = "removed"
    obj.delete()


def _restore(model, *, pk: int, family_id: int, user, now: datetime | None = None):
    """Put a removed row of ``family_id`` back as it was, with its own id: from the
    historical copy its removal left. Refused (``ValidationError``) after ``UNDO_WINDOW``;
    an id that was never removed from this family is 'not found'."""
    now = now or timezone.now()
    removal = (
        model.history.filter(id=pk, family_id=family_id, history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if removal is None or model._base_manager.filter(pk=pk).exists():
        raise FamilyNotFound
    if removal.history_date < now - UNDO_WINDOW:
        raise ValidationError(
            _(
                "This was removed more than %(days)d days ago and can no longer be put back. "
                "Add it again instead."
            )
            % {"days": UNDO_WINDOW.days}
        )
    obj = removal.instance
    for field_ in model._meta.concrete_fields:
        value = getattr(obj, field_.attname)
        if field_.is_relation and value is not None:
            if not field_.related_model._base_manager.filter(pk=value).exists():
                if not field_.null:
                    raise ValidationError(
                        _("This can no longer be put back. Add it again instead.")
                    )
                setattr(obj, field_.attname, None)  # e.g. the person it was for, since merged
    obj._history_user = user
    obj._change_reason = "undo"
    obj.save(force_insert=True)
    return obj


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
def update_member(*, user, grant: Grant, membership_id: int | str, data: PersonData, role: str):
    """Correct a member's details and role. The person's and membership's historical
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
        _save_with_history(person, user=user, reason=f"family:{grant.family.pk}")
    if role != membership.role:
        membership.role = role
        _save_with_history(membership, user=user)
        changed.append("role")
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
    _delete_with_history(membership, user=user)
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
    membership = _restore(Membership, pk=pk, family_id=grant.family.pk, user=user, now=now)
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
    _save_with_history(member, user=user)
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
    _delete_with_history(member, user=user)
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
    member = _restore(
        NetworkMember, pk=_as_id(member_id), family_id=grant.family.pk, user=user, now=now
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
