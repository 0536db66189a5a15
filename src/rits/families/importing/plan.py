"""Loading what exists and deciding what to write, in memory, one family at a time.

``_Planner`` owns what the import knows: the families, persons, members and
involvements the rows refer to (``load_existing``, a few bulk queries), kept in
``_Layered`` maps so that a batch that fails can be forgotten (``discard``) and a batch
that is written becomes the base of the next (``commit``). ``plan_family`` turns one
family's rows into a ``_Plan``: the objects to create and to change, the problems and
warnings of its rows, and its timeline events. Nothing is written here (see
``write.py``); which plans are committed or discarded is the orchestration's call
(``__init__.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import visible_families
from rits.core.intake.reading import Problem
from rits.families.importing.parse import (
    _Address,
    _chunks,
    _InvolvementRow,
    _max_length,
    _PersonRow,
)
from rits.families.importing.report import _problem
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    InvolvementApproval,
    LivingSituation,
    Membership,
    Person,
)
from rits.families.services import (
    TimelineEntry,
    _apply_person,
    involvement_timeline,
    validate_person,
)
from rits.organisations.models import Professional, User

FAMILY_NAME_PREFIX = "Gezin"  # the family's name is Dutch data, not interface text


def _person_state(person: Person) -> tuple:
    return (
        person.reference,
        person.surname,
        person.prefix,
        person.given_names,
        person.birth_date,
        person.gender,
        list(person.languages or []),
        person.interpreter_needed,
        person.bsn_pseudonym,
    )


def _involvement_state(involvement: Involvement) -> tuple:
    return (
        involvement.organisation_id,
        involvement.professional_id,
        involvement.role,
        involvement.legal_basis,
        sorted(involvement.domains or []),
        involvement.start_date,
        involvement.is_coordinator,
    )


def _family_name(rows: list[_PersonRow]) -> str:
    head = next((r for r in rows if r.role in ADULT_ROLES), rows[0])
    prefix, surname = head.data.prefix.strip(), head.data.surname.strip()
    # Dutch spelling: without given names in front, the prefix takes a capital ("Van Dijk").
    name = f"{prefix[:1].upper()}{prefix[1:]} {surname}" if prefix else surname
    return f"{FAMILY_NAME_PREFIX} {name}"[: _max_length(Family, "name")]


class _Layered:
    """A mapping with uncommitted changes on top: when a batch is rolled back, what the
    import knows goes back to what the database has."""

    def __init__(self) -> None:
        self.base: dict = {}
        self.top: dict = {}

    def get(self, key, default=None):
        if key in self.top:
            return self.top[key]
        return self.base.get(key, default)

    def __setitem__(self, key, value) -> None:
        self.top[key] = value

    def commit(self) -> None:
        self.base.update(self.top)
        self.top = {}

    def discard(self) -> None:
        self.top = {}


@dataclass
class _FamilyGroup:
    ref: str
    persons: list[_PersonRow] = field(default_factory=list)
    involvements: list[_InvolvementRow] = field(default_factory=list)


@dataclass
class _Plan:
    """What importing one family's rows writes: decided in memory, then written in bulk."""

    group: _FamilyGroup
    family: Family | None = None
    family_status: str = ""
    new_persons: list[Person] = field(default_factory=list)
    changed_persons: list[Person] = field(default_factory=list)
    new_memberships: list[Membership] = field(default_factory=list)
    changed_memberships: list[Membership] = field(default_factory=list)
    new_involvements: list[Involvement] = field(default_factory=list)
    changed_involvements: list[Involvement] = field(default_factory=list)
    touched: list[Any] = field(default_factory=list)  # loaded objects changed in memory
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    person_status: dict[int, str] = field(default_factory=dict)
    involvement_status: dict[int, str] = field(default_factory=dict)
    # Timeline events, made when they are written (a new family has its id only then);
    # an event without a domain carries no free text from the files.
    timeline: list[Callable[[], TimelineEntry]] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return self.family_status in {"created", "updated"} or any(
            (
                self.new_persons,
                self.changed_persons,
                self.new_memberships,
                self.changed_memberships,
                self.new_involvements,
                self.changed_involvements,
            )
        )


class _Planner:
    """What the import knows of the database, and the plans it makes from it."""

    def __init__(
        self,
        *,
        user: User | None,
        professional: Professional | None,
        dry_run: bool,
        today: date,
        person_file: str,
        involvement_file: str,
    ) -> None:
        self.user = user
        self.professional = professional  # the importing user's, if any
        self.dry_run = dry_run
        self.today = today
        self.person_file = person_file  # the names the problems report
        self.involvement_file = involvement_file
        self.families = _Layered()  # family_ref -> Family
        self.persons = _Layered()  # person_ref -> Person
        self.pseudonyms = _Layered()  # BSN pseudonym -> Person
        self.seen = _Layered()  # person_ref -> (line, family_ref, signature) of an imported row
        self.members = _Layered()  # family_ref -> [Membership with its person]
        self.involvements = _Layered()  # involvement reference -> Involvement
        self.coordinators = _Layered()  # family_ref -> active coordinating Involvement or None

    # -- loading what exists -------------------------------------------------------

    def load_existing(self, persons: list[_PersonRow], involvements: list[_InvolvementRow]) -> None:
        """Everything the rows refer to, in a few queries instead of a few per row.

        One object per database row: a person reached by reference, by BSN and as a
        family member is the same object, so that a change made for one row is seen by
        the next."""
        refs = {r.family_ref for r in persons} | {r.family_ref for r in involvements}
        # A dry run knows only the families the importing user may see (and their
        # members): every other family is planned as new, so that its report reads the
        # same for an existing reference as for a new one.
        shown = self._visible_family_ids() if self.dry_run else None
        families: dict[int, Family] = {}
        for chunk in _chunks(refs):
            for family in Family.objects.filter(reference__in=chunk).select_related("municipality"):
                if shown is not None and family.pk not in shown:
                    continue
                families[family.pk] = family
                self.families.base[family.reference] = family
        found: dict[int, Person] = {}
        persons_qs = Person.objects.all()
        if shown is not None:
            persons_qs = persons_qs.filter(memberships__family_id__in=shown).distinct()
        for chunk in _chunks({r.person_ref for r in persons}):
            found.update({p.pk: p for p in persons_qs.filter(reference__in=chunk)})
        for chunk in _chunks({r.pseudonym for r in persons if r.pseudonym}):
            found.update({p.pk: p for p in persons_qs.filter(bsn_pseudonym__in=chunk)})
        family_ids = list(families)
        memberships: list[Membership] = []
        for chunk in _chunks(family_ids):
            memberships += Membership.objects.filter(family_id__in=chunk).order_by("id")
        # Members the rows do not name (added by hand, or left out of this file).
        for chunk in _chunks({m.person_id for m in memberships} - found.keys()):
            found.update({p.pk: p for p in Person.objects.filter(pk__in=chunk)})
        for membership in memberships:
            membership.person = found[membership.person_id]
            membership.family = families[membership.family_id]
            self.members.base.setdefault(membership.family.reference, []).append(membership)
        for person in found.values():
            if person.reference:
                self.persons.base[person.reference] = person
            if person.bsn_pseudonym:
                self.pseudonyms.base[person.bsn_pseudonym] = person
        # Organisations and professionals are not joined in: the rows already have them,
        # and compare by id; a name is only needed for a rare message.
        # All involvements, also those waiting for approval or rejected: a re-import
        # finds them by reference, and a waiting coordinator is a coordinator.
        loaded: dict[int, Involvement] = {}
        involvements_qs = Involvement.all_objects.all()
        if shown is not None:
            involvements_qs = involvements_qs.filter(family_id__in=shown)
        for chunk in _chunks({r.reference for r in involvements}):
            loaded.update({i.pk: i for i in involvements_qs.filter(reference__in=chunk)})
        for chunk in _chunks(family_ids):
            held = Involvement.all_objects.holding_the_coordination().filter(family_id__in=chunk)
            for involvement in held:
                involvement = loaded.setdefault(involvement.pk, involvement)
                self.coordinators.base[families[involvement.family_id].reference] = involvement
        self.involvements.base = {i.reference: i for i in loaded.values() if i.reference}

    def _visible_family_ids(self) -> set[int]:
        if self.user is None or self.professional is None:
            return set()  # the command line: no one's own caseload
        return set(visible_families(self.user).values_list("pk", flat=True))

    def layers(self) -> tuple[_Layered, ...]:
        return (
            self.families,
            self.persons,
            self.pseudonyms,
            self.seen,
            self.members,
            self.involvements,
            self.coordinators,
        )

    def _members(self, family_ref: str) -> list[Membership]:
        """The family's members, as a list this batch may add to (copied on first use)."""
        if family_ref not in self.members.top:
            self.members.top[family_ref] = list(self.members.base.get(family_ref, []))
        return self.members.top[family_ref]

    # -- deciding what to write ------------------------------------------------------

    def plan_family(self, group: _FamilyGroup) -> _Plan:
        plan = _Plan(group)
        address = group.persons[0].address if group.persons else None
        for row in group.persons[1:]:
            if row.address.key() != address.key():
                first = group.persons[0].line
                plan.warnings.append(
                    _problem(
                        self.person_file,
                        row.line,
                        row.address.first_difference(address),
                        _(
                            "The address differs from line %(line)d of the same family; "
                            "the address on line %(line)d was used."
                        )
                        % {"line": first},
                    )
                )
        family = self.families.get(group.ref)
        if family is not None and family.closed_at is not None:
            # A closed file is read, not added to (as in the pages): its coordinator
            # reopens it first. Nothing of the family is written.
            reason = _("This family's file is closed in Rits; its coordinator can reopen it.")
            for file, rows in (
                (self.person_file, group.persons),
                (self.involvement_file, group.involvements),
            ):
                plan.problems.extend(_problem(file, r.line, "family_ref", reason) for r in rows)
            return plan
        if family is not None:
            plan.family, plan.family_status = family, "unchanged"
            if address is not None and address.key() != _Address.of(family).key():
                plan.touched.append(family)
                address.apply_to(family)
                family.updated_at = timezone.now()
                plan.family_status = "updated"
        for row in group.persons:
            self._plan_person(row, plan)
        if plan.family is None:
            reason = (
                _("This family was not imported: all its rows in the persons file were rejected.")
                if group.persons
                else _("No family with this family_ref in Rits or in the persons file.")
            )
            for row in group.involvements:
                plan.problems.append(
                    _problem(self.involvement_file, row.line, "family_ref", reason)
                )
            return plan
        # Rows that stop someone being coordinator go first, so that handing over
        # coordination in one file does not depend on the order of its lines.
        seen: dict[str, int] = {}
        for row in sorted(group.involvements, key=lambda r: (r.coordinator, r.line)):
            if row.reference in seen:
                plan.problems.append(
                    _problem(
                        self.involvement_file,
                        row.line,
                        "role",
                        _(
                            "Line %(line)d already registers this organisation and professional "
                            "in this role for this family."
                        )
                        % {"line": seen[row.reference]},
                    )
                )
                continue
            seen[row.reference] = row.line
            self._plan_involvement(row, plan)
        if plan.family_status == "created":
            count = len(plan.new_memberships)
            plan.timeline.insert(
                0,
                lambda: TimelineEntry(plan.family.pk, "family.created_by_import", {"count": count}),
            )
        return plan

    def _ensure_family(self, plan: _Plan) -> Family:
        if plan.family is None:
            group = plan.group
            family = Family(reference=group.ref, name=_family_name(group.persons))
            group.persons[0].address.apply_to(family)
            plan.family, plan.family_status = family, "created"
            self.families[group.ref] = family
        return plan.family

    def _plan_person(self, row: _PersonRow, plan: _Plan) -> None:
        def reject(name: str | None, reason: str) -> None:
            plan.problems.append(_problem(self.person_file, row.line, name, reason))

        earlier = self.seen.get(row.person_ref)
        if earlier is not None:
            line, family_ref, signature = earlier
            if family_ref == row.family_ref:
                reject(
                    "person_ref",
                    _("This person_ref already appears on line %(line)d for this family.")
                    % {"line": line},
                )
                return
            if signature != row.signature():
                reject(
                    "person_ref",
                    _(
                        "This person also appears on line %(line)d (another family) with other "
                        "details; give a person the same details on every line."
                    )
                    % {"line": line},
                )
                return
        person = self.persons.get(row.person_ref)
        holder = self.pseudonyms.get(row.pseudonym) if row.pseudonym else None
        if holder is not None and holder is not person:
            if person is None and not holder.reference:
                # Added by hand before the import (without a reference): the same BSN is
                # the same person, so the import takes them over instead of duplicating.
                person = holder
            else:
                reject(
                    "bsn",
                    _("Another person in Rits (person_ref %(ref)s) already has this BSN.")
                    % {"ref": holder.reference}
                    if holder.reference
                    else _("Another person in Rits already has this BSN."),
                )
                return
        members = self._members(row.family_ref) if plan.family is not None else []
        try:
            validate_person(
                row.data,
                role=row.role,
                family=plan.family,
                today=self.today,
                # A person is never in conflict with themselves (a re-import, a takeover).
                members=[m for m in members if m.person is not person],
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    reject(name, message)
            return
        planned = self._plan_person_details(row, person, plan, reject)
        if planned is None:
            return
        status, person = planned
        family = self._ensure_family(plan)
        members = self._members(row.family_ref)
        membership = next((m for m in members if m.person is person), None)
        if membership is None:
            membership = Membership(
                family=family,
                person=person,
                role=row.role,
                living_situation=row.living_situation or LivingSituation.AT_HOME,
            )
            members.append(membership)
            plan.new_memberships.append(membership)
            if plan.family_status != "created":
                plan.timeline.append(
                    lambda: TimelineEntry(
                        plan.family.pk,
                        "family.member_imported",
                        {"name": person.full_name, "role": membership.role},
                    )
                )
            status = "created"
        elif membership.role != row.role or (
            row.living_situation is not None and membership.living_situation != row.living_situation
        ):
            plan.touched.append(membership)
            membership.role = row.role
            membership.living_situation = row.living_situation or membership.living_situation
            plan.changed_memberships.append(membership)
            status = "updated" if status == "unchanged" else status
        self.persons[row.person_ref] = person
        if person.bsn_pseudonym:
            self.pseudonyms[person.bsn_pseudonym] = person
        self.seen[row.person_ref] = (row.line, row.family_ref, row.signature())
        plan.person_status[row.line] = status

    def _plan_person_details(
        self, row: _PersonRow, person: Person | None, plan: _Plan, reject
    ) -> tuple[str, Person] | None:
        """Create or update the person; None when the result does not pass the model."""
        if person is None:
            person, status = _apply_person(Person(), row.data), "created"
        else:
            before = _person_state(person)
            _apply_person(person, row.data)
            status = "unchanged" if _person_state(person) == before else "updated"
            if status == "unchanged":
                return status, person
            if person._state.adding:
                # Created for another family in this batch, with the same details (the
                # signature check above); it is written once, by that family.
                return "unchanged", person
            plan.touched.append(person)
        try:
            person.full_clean(
                exclude=["bsn_encrypted", "bsn_pseudonym"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            if status == "updated":
                person.refresh_from_db()
            for name, messages in exc.message_dict.items():
                for message in messages:
                    reject("person_ref" if name == "reference" else name, message)
            return None
        (plan.new_persons if status == "created" else plan.changed_persons).append(person)
        return status, person

    def _plan_involvement(self, row: _InvolvementRow, plan: _Plan) -> None:
        def reject(name: str, reason: str) -> None:
            plan.problems.append(_problem(self.involvement_file, row.line, name, reason))

        family = plan.family
        existing = self.involvements.get(row.reference)
        if existing is not None and existing.family_id != family.pk:
            reject("family_ref", _("This involvement belongs to another family in Rits."))
            return
        current = self.coordinators.get(row.family_ref)
        if row.coordinator and current is not None and current is not existing:
            who = current.organisation.name
            if current.professional is not None:
                who = f"{current.professional.name}, {who}"
            reject(
                "coordinator",
                _(
                    "This family already has a coordinator (%(who)s). One family has one "
                    "coordinator: end the other coordination in Rits first, or mark one "
                    "line only."
                )
                % {"who": who},
            )
            return
        if existing is not None and existing.end_date and row.start_date > existing.end_date:
            reject("start_date", _("This involvement has ended in Rits before this start date."))
            return
        involvement = existing or Involvement(family=family, reference=row.reference)
        before = _involvement_state(involvement) if existing else None
        if existing is not None:
            plan.touched.append(involvement)
        involvement.organisation = row.organisation
        involvement.professional = row.professional
        involvement.role = row.role
        involvement.legal_basis = row.legal_basis
        involvement.domains = row.domains
        involvement.start_date = row.start_date
        involvement.is_coordinator = row.coordinator
        if existing is None:
            status = "created"
            plan.new_involvements.append(involvement)
            if plan.family_status != "created":
                # An involvement on a family that already exists gives access to it:
                # not before the family's coordinator or a privacy officer approves.
                involvement.approval = InvolvementApproval.PENDING
                plan.warnings.append(
                    _problem(
                        self.involvement_file,
                        row.line,
                        None,
                        _(
                            "This family was already in Rits: the involvement waits for the "
                            "approval of its coordinator or a privacy officer, and gives no "
                            "access until then."
                        ),
                    )
                )
            else:
                plan.timeline.append(
                    lambda: involvement_timeline(involvement)._replace(family_id=plan.family.pk)
                )
        elif _involvement_state(involvement) != before:
            status = "updated"
            plan.changed_involvements.append(involvement)
        else:
            status = "unchanged"
        # The open-ended coordination, as ``holding_the_coordination`` reads it.
        if involvement.is_coordinator and involvement.end_date is None:
            self.coordinators[row.family_ref] = involvement
        elif current is involvement:
            self.coordinators[row.family_ref] = None
        self.involvements[row.reference] = involvement
        plan.involvement_status[row.line] = status
