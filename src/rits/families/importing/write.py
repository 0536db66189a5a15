"""Writing a batch of plans: a few bulk statements, timeline events and the audit log.

Owns no state: ``write`` gets the plans, who imports and whether it is a dry run, and
writes them inside the transaction the orchestration (``__init__.py``) opened; a
conflict surfaces as ``IntegrityError`` there. ``_audit`` logs one ``family.imported``
event per family that changed."""

from __future__ import annotations

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.families.importing.plan import _Plan
from rits.families.models import Family, Involvement, InvolvementApproval, Membership, Person
from rits.families.services import record_timeline
from rits.organisations.models import User

ADDRESS_FIELDS = ["street", "house_number", "house_number_suffix", "postcode", "city"]
PERSON_FIELDS = [
    "reference",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "gender",
    "languages",
    "interpreter_needed",
    "bsn_pseudonym",
    "bsn_encrypted",
]
INVOLVEMENT_FIELDS = [
    "organisation",
    "professional",
    "role",
    "legal_basis",
    "domains",
    "start_date",
    "is_coordinator",
]


def write(plans: list[_Plan], *, actor: Actor, user: User | None, dry_run: bool) -> None:
    """Write a batch of plans: bulk statements, then one audit event per family."""

    if dry_run:
        # Nothing is kept, and everything was checked while planning. Not writing
        # also keeps a dry run from telling an existing reference from a new one
        # (a family it cannot see is planned as new; see _Planner.load_existing).
        return

    def every(name: str) -> list:
        return [obj for plan in plans for obj in getattr(plan, name)]

    Family.objects.bulk_create([p.family for p in plans if p.family_status == "created"])
    updated = [p.family for p in plans if p.family_status == "updated"]
    if updated:
        Family.objects.bulk_update(updated, [*ADDRESS_FIELDS, "municipality", "updated_at"])
    Person.objects.bulk_create(every("new_persons"))
    if changed := every("changed_persons"):
        Person.objects.bulk_update(changed, PERSON_FIELDS)
    Membership.objects.bulk_create(every("new_memberships"))
    if changed := every("changed_memberships"):
        Membership.objects.bulk_update(changed, ["role", "living_situation"])
    # Coordination that ends is written before coordination that starts: one
    # family has one active coordinator, also between two statements.
    changed = every("changed_involvements")
    for part in (
        [i for i in changed if not i.is_coordinator],
        [i for i in changed if i.is_coordinator],
    ):
        if part:
            Involvement.all_objects.bulk_update(part, INVOLVEMENT_FIELDS)
    Involvement.all_objects.bulk_create(every("new_involvements"))
    actor_id = user.pk if user is not None else None
    record_timeline(
        entry()._replace(actor_id=actor_id) for plan in plans for entry in plan.timeline
    )
    for plan in plans:
        if plan.changes:
            _audit(plan, actor)


def _audit(plan: _Plan, actor: Actor) -> None:
    def ids(objects) -> list[int]:
        return sorted({o.pk for o in objects})

    members_added = ids(m.person for m in plan.new_memberships)
    roles_changed = ids(m.person for m in plan.changed_memberships)
    persons_created = ids(plan.new_persons)
    persons_updated = ids(plan.changed_persons)
    catalogue.log(
        "family.imported",
        actor=actor,
        object_id=plan.family.pk,
        family_id=plan.family.pk,
        person_ids=sorted({*members_added, *roles_changed, *persons_created, *persons_updated}),
        # Ids and what happened to them; never names, BSNs or other cell contents.
        detail={
            "family": plan.family_status,
            "persons_created": persons_created,
            "persons_updated": persons_updated,
            "members_added": members_added,
            "roles_changed": roles_changed,
            "involvements_created": ids(plan.new_involvements),
            "involvements_pending": ids(
                i for i in plan.new_involvements if i.approval == InvolvementApproval.PENDING
            ),
            "involvements_updated": ids(plan.changed_involvements),
        },
    )
