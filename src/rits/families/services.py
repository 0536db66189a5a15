"""Every write of family data. Each service validates, writes in one transaction and
leaves an audit event and (where a colleague should see it) a timeline event."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import Grant
from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.families.bsn import encrypt_bsn, is_valid_bsn, normalise_bsn, pseudonymise_bsn
from rits.families.models import (
    Family,
    FamilyEvent,
    Gender,
    MemberRole,
    Membership,
    NetworkMember,
    Person,
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


def record_event(
    *, family: Family, kind: str, description: str, actor_user=None, domain: str = ""
) -> FamilyEvent:
    return FamilyEvent.objects.create(
        family=family,
        occurred_at=timezone.now(),
        kind=kind,
        description=description[:500],
        domain=domain,
        actor=actor_user,
    )


@transaction.atomic
def add_member(*, user, grant: Grant, data: PersonData, role: str) -> Membership:
    """Add a person to a family the user may see. A person already known by BSN is linked,
    not duplicated."""
    grant.require_write()
    family = grant.family
    validate_person(data, role=role, family=family)
    existing = None
    if data.bsn:
        existing = Person.objects.filter(bsn_pseudonym=pseudonymise_bsn(data.bsn)).first()
        if existing and Membership.objects.filter(family=family, person=existing).exists():
            raise ValidationError(
                {"bsn": _("A person with this BSN is already a member of this family.")}
            )
    person = existing or _apply_person(Person(), data)
    if existing is None:
        person.full_clean(exclude=["bsn_encrypted", "bsn_pseudonym"])
        person.save()
    membership = Membership.objects.create(family=family, person=person, role=role)
    record_event(
        family=family,
        kind="member_added",
        actor_user=user,
        description=_("%(name)s added as %(role)s")
        % {"name": person.full_name, "role": membership.get_role_display().lower()},
    )
    log_event(
        action=AuditAction.CREATE,
        actor=Actor.for_user(user),
        object_type="membership",
        object_id=membership.pk,
        family_id=family.pk,
        person_ids=[person.pk],
        ground=grant.ground,
    )
    return membership


@transaction.atomic
def add_network_member(*, user, grant: Grant, member: NetworkMember) -> NetworkMember:
    grant.require_write()
    member.family = grant.family
    member.full_clean()
    member.save()
    record_event(
        family=grant.family,
        kind="network_added",
        actor_user=user,
        domain="social_network",
        description=_("%(name)s added to the network (%(relation)s)")
        % {"name": member.name, "relation": member.get_relation_display().lower()},
    )
    log_event(
        action=AuditAction.CREATE,
        actor=Actor.for_user(user),
        object_type="network_member",
        object_id=member.pk,
        family_id=grant.family.pk,
        ground=grant.ground,
    )
    return member
