"""The grounds families owns: an active involvement, the coordination, and the team's
shared caseload. Registered with access (``rits.access.sources``) in ``FamiliesConfig``."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from rits.access.rules import Ground
from rits.access.sources import Claim
from rits.core.domains import ALL_DOMAINS
from rits.families.models import Involvement, InvolvementApproval
from rits.organisations.models import Professional


def active_involvements(professional: Professional, today: date) -> QuerySet[Involvement]:
    """The involvements that give ``professional`` access today: their own, and their
    team's where the organisation shares caseloads within a team."""
    mine = Q(professional=professional)
    if professional.team_id and professional.organisation.team_shares_caseload:
        mine |= Q(
            professional__team_id=professional.team_id, organisation_id=professional.organisation_id
        )
    # Only approved involvements (the default manager says so too; said here again because
    # this decides access): one an import added to an existing family gives nothing until
    # its coordinator or a privacy officer approves it.
    approved = Q(approval=InvolvementApproval.APPROVED)
    return Involvement.all_objects.filter(mine, approved).active(today)


def claim_from(professional: Professional, involvements: list[Involvement]) -> Claim:
    """What one professional's active involvements with one family give."""
    family = involvements[0].family
    if any(i.is_coordinator and i.professional_id == professional.pk for i in involvements):
        return Claim(family, Ground.COORDINATOR, ALL_DOMAINS)
    domains = frozenset(d for i in involvements for d in i.domains)
    own = any(i.professional_id == professional.pk for i in involvements)
    return Claim(family, Ground.INVOLVEMENT if own else Ground.TEAM, domains)


class InvolvementGrants:
    """Coordinator, involvement and team: one query answers all three."""

    precedence = 10

    def family_ids(self, principal, *, today: date) -> Iterable[int]:
        if principal.professional is None:
            return []
        return active_involvements(principal.professional, today).values_list(
            "family_id", flat=True
        )

    def claims(self, principal, *, today: date, family_id: int | None) -> dict[int, Claim]:
        professional = principal.professional
        if professional is None:
            return {}
        found = active_involvements(professional, today).select_related("family__municipality")
        if family_id is not None:
            found = found.filter(family_id=family_id).only(
                "family", "domains", "is_coordinator", "professional_id"
            )
        by_family: dict[int, list[Involvement]] = {}
        for involvement in found:
            by_family.setdefault(involvement.family_id, []).append(involvement)
        return {fid: claim_from(professional, found) for fid, found in by_family.items()}


involvement_grants = InvolvementGrants()
