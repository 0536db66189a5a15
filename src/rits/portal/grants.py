"""The portal's grounds: what a family member or a network member sees of their family.

The rules follow the Jeugdwet (7.3.4, 7.3.5) on who decides about a young person's
information:

* **Under 12**: the parents decide. A child under 12 has no login of their own; a parent
  sees what is about them.
* **12 to 15**: the young person and the parents both count. The young person sees what
  is about themselves; the parents still see it too.
* **16 and older**: the young person decides alone. Their own sensitive parts (health,
  addiction, safety, justice) are hidden from everyone else in the family, parents
  included. (Sharing them with a parent comes with consent, the next step.)

An adult's own sensitive parts are theirs too: a partner does not see them. What is about
the household (no person) every member sees. Grounds: ``parent_of_minor`` for a parent,
step-parent or guardian of a member under 18, ``self`` for everyone else in the family.

A network member (``network_agreement``; ``mentor`` for a mentor the young person chose)
sees no life domain of the family: only what they are part of, which the portal's
selectors pick item by item (their agreements, the crisis plan where they are the
trusted person)."""

from datetime import date

from django.apps import apps

from rits.access.principals import Principal, PrincipalKind
from rits.access.rules import CITIZEN_GROUNDS, Ground
from rits.access.sources import Claim
from rits.core.domains import ALL_DOMAINS, LifeDomain
from rits.core.templatetags.rits import age_on

__all__ = ["CITIZEN_GROUNDS", "citizen_grants", "citizen_principal"]

# A child under this age has no login of their own (the parents act for them).
OWN_LOGIN_FROM = 12
# From this age a young person decides alone about their own information.
DECIDES_ALONE_FROM = 16
ADULT_FROM = 18

SENSITIVE_DOMAINS = frozenset(
    {
        LifeDomain.MENTAL_HEALTH,
        LifeDomain.PHYSICAL_HEALTH,
        LifeDomain.ADDICTION,
        LifeDomain.SAFETY,
        LifeDomain.JUSTICE,
    }
)


# Roles that carry parental responsibility in Rits's registry.
_CARER_ROLES = {"parent", "step_parent", "guardian"}


def citizen_principal(user) -> Principal | None:
    """The resolver access asks (``rits.access.principals.citizen_for``)."""
    account = (
        apps.get_model("portal", "CitizenAccount")
        .objects.select_related("person", "network_member")
        .filter(user=user)
        .first()
    )
    if account is None:
        return None
    if account.person_id:
        return Principal.of_family_member(account.person, user)
    return Principal.of_network_member(account.network_member, user)


def _family_member_claim(person, family, memberships, today: date) -> Claim | None:
    viewer_age = age_on(person.birth_date, today)
    if viewer_age is not None and viewer_age < OWN_LOGIN_FROM:
        return None
    viewer = next(m for m in memberships if m.person_id == person.pk)
    is_carer = viewer.role in _CARER_ROLES
    hidden: set[tuple[int, str]] = set()
    has_minor = False
    for member in memberships:
        if member.person_id == person.pk:
            continue
        member_age = age_on(member.person.birth_date, today)
        minor = (
            member.role in ("child", "unborn") if member_age is None else member_age < ADULT_FROM
        )
        has_minor = has_minor or minor
        # Whose sensitive parts the viewer sees besides their own: a carer those of a
        # child under 16 (under 12 the parents decide, 12–15 they still count).
        under_16 = minor and (member_age is None or member_age < DECIDES_ALONE_FROM)
        if not (is_carer and under_16):
            hidden.update((member.person_id, domain) for domain in SENSITIVE_DOMAINS)
    ground = Ground.PARENT_OF_MINOR if is_carer and has_minor else Ground.SELF
    return Claim(family, ground, ALL_DOMAINS, hidden_person_domains=frozenset(hidden))


class CitizenGrants:
    """The portal's grounds, for family members and network members only."""

    precedence = 5

    def family_ids(self, principal, *, today: date):
        return list(self.claims(principal, today=today, family_id=None))

    def claims(self, principal, *, today: date, family_id: int | None) -> dict[int, Claim]:
        if principal.kind == PrincipalKind.NETWORK_MEMBER:
            member = principal.network_member
            if family_id is not None and member.family_id != family_id:
                return {}
            family = apps.get_model("families", "Family").objects.select_related("municipality")
            ground = Ground.MENTOR if member.relation == "jim_mentor" else Ground.NETWORK_AGREEMENT
            return {member.family_id: Claim(family.get(pk=member.family_id), ground, frozenset())}
        if principal.kind != PrincipalKind.FAMILY_MEMBER:
            return {}
        Membership = apps.get_model("families", "Membership")
        own = Membership.objects.filter(person=principal.person)
        if family_id is not None:
            own = own.filter(family_id=family_id)
        family_ids = list(own.values_list("family_id", flat=True))
        members = (
            Membership.objects.filter(family_id__in=family_ids)
            .select_related("person", "family__municipality")
            .order_by("family_id", "id")
        )
        by_family: dict[int, list] = {}
        for membership in members:
            by_family.setdefault(membership.family_id, []).append(membership)
        claims = {}
        for fid, memberships in by_family.items():
            claim = _family_member_claim(
                principal.person, memberships[0].family, memberships, today
            )
            if claim is not None:
                claims[fid] = claim
        return claims


citizen_grants = CitizenGrants()
