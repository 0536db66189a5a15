"""The single place that decides who may see which family, and which parts of it.

Every page, API endpoint, search, export and background job that reads family data
starts here: ``visible_families`` for lists and searches, ``grant_for`` for one family.
A professional who is not involved gets ``FamilyNotFound`` (a 404), never a 403, so
that the existence of a family is not revealed."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.access.models import EmergencyAccess
from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.core.params import MAX_ID, BadParameter, contains_bsn, parse_int
from rits.families.domains import ALL_DOMAINS
from rits.families.models import Family, Involvement, InvolvementApproval
from rits.organisations.models import Professional, ProfessionalRole


class FamilyNotFound(Http404):
    pass


class Ground:
    """On what ground someone sees a family; recorded in every audit event."""

    COORDINATOR = "coordinator"
    INVOLVEMENT = "involvement"
    TEAM = "team"
    EMERGENCY = "emergency"
    PRIVACY_OFFICER = "privacy_officer"


@dataclass(frozen=True)
class Grant:
    """What one professional may see of one family, and why."""

    family: Family
    professional: Professional
    ground: str
    domains: frozenset[str]

    @property
    def is_coordinator(self) -> bool:
        return self.ground == Ground.COORDINATOR

    @property
    def can_write(self) -> bool:
        """Emergency access is there to read in an emergency, and a privacy officer reviews
        access: neither ground changes a family."""
        return self.ground not in {Ground.EMERGENCY, Ground.PRIVACY_OFFICER}

    def require_write(self) -> None:
        """For every service that writes family data: refuse a read-only grant."""
        if self.ground == Ground.EMERGENCY:
            raise PermissionDenied(_("Emergency access is for reading only."))
        if not self.can_write:
            raise PermissionDenied(
                _("A privacy officer reviews access and cannot change a family.")
            )

    def sees_domain(self, domain: str) -> bool:
        return not domain or domain in self.domains

    def sees_any(self, domains) -> bool:
        return not domains or bool(self.domains.intersection(domains))


def professional_for(user) -> Professional:
    """The professional behind a login; anyone else is refused."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in first."))
    # Loaded once per request with its organisation, which every audit event names.
    cache = user._state.fields_cache
    if "professional" not in cache:
        cache["professional"] = (
            Professional.objects.select_related("organisation").filter(user=user).first()
        )
    if cache["professional"] is None:
        raise PermissionDenied(_("Only professionals can see families."))
    return cache["professional"]


def _active_involvements(professional: Professional, today: date) -> QuerySet[Involvement]:
    mine = Q(professional=professional)
    if professional.team_id and professional.organisation.team_shares_caseload:
        mine |= Q(
            professional__team_id=professional.team_id, organisation_id=professional.organisation_id
        )
    # Only approved involvements (the default manager says so too; said here again because
    # this is the one place that decides access): one an import added to an existing
    # family gives nothing until its coordinator or a privacy officer approves it.
    approved = Q(approval=InvolvementApproval.APPROVED)
    return Involvement.all_objects.filter(mine, approved).active(today)


def _active_emergencies(professional: Professional) -> QuerySet[EmergencyAccess]:
    return EmergencyAccess.objects.filter(professional=professional, expires_at__gt=timezone.now())


def visible_families(user) -> QuerySet[Family]:
    """All families the user may see right now (involvement, coordinator, team, emergency)."""
    professional = professional_for(user)
    today = timezone.localdate()
    # Ids first: a caseload is small, and an OR of two subqueries would make PostgreSQL
    # scan every family in the region (and join all their members when searching).
    family_ids = set(_active_involvements(professional, today).values_list("family_id", flat=True))
    family_ids.update(_active_emergencies(professional).values_list("family_id", flat=True))
    return Family.objects.filter(id__in=family_ids)


def grant_for(user, family_id: int | str) -> Grant:
    """What ``user`` may see of family ``family_id``; ``FamilyNotFound`` when nothing."""
    professional = professional_for(user)
    attempted = family_id
    try:
        family_id = parse_int(family_id, name="family_id")
    except BadParameter:
        raise refused_read(user, attempted) from None
    today = timezone.localdate()
    involvements = list(
        _active_involvements(professional, today)
        .filter(family_id=family_id)
        .select_related("family__municipality")
        .only("family", "domains", "is_coordinator", "professional_id")
    )
    if involvements:
        return _grant_from(professional, involvements)
    emergency = (
        _active_emergencies(professional)
        .filter(family_id=family_id)
        .select_related("family__municipality")
        .first()
    )
    if emergency is not None:
        return Grant(emergency.family, professional, Ground.EMERGENCY, ALL_DOMAINS)
    raise refused_read(user, family_id)


def refused_read(user, attempted, *, object_type: str = "family") -> FamilyNotFound:
    """Record that access refused ``user`` a family (``attempted``: the id as given) and
    return the ``FamilyNotFound`` to raise: the same 404 whether or not the family exists.

    The event names the professional and organisation and the attempted id (bounded;
    never a BSN: a BSN-like number is recorded as such, not as itself). When the id is a
    family's, the event carries its ``family_id``, so that the privacy officer sees the
    attempt in that family's access log; the coordinator's view of the log leaves
    refusals out (rits.audit.selectors), and an id that is no family is linked to none.
    The existence query runs for every refused number, existing or not, so that both
    answers take the same work."""
    text = str(attempted)[:40]
    shown = "bsn-like number" if contains_bsn(str(attempted)) else text
    family_id = None
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        family_id = Family.objects.filter(pk=int(text)).values_list("pk", flat=True).first()
    log_event(
        action=AuditAction.REFUSED,
        actor=Actor.for_user(user),
        object_type=object_type,
        object_id=shown,
        family_id=family_id,
        detail={"attempted_id": shown},
    )
    return FamilyNotFound()


def _grant_from(professional: Professional, involvements: list[Involvement]) -> Grant:
    """The grant that one professional's active involvements with one family give."""
    family = involvements[0].family
    if any(i.is_coordinator and i.professional_id == professional.pk for i in involvements):
        return Grant(family, professional, Ground.COORDINATOR, ALL_DOMAINS)
    domains = frozenset(d for i in involvements for d in i.domains)
    own = any(i.professional_id == professional.pk for i in involvements)
    return Grant(family, professional, Ground.INVOLVEMENT if own else Ground.TEAM, domains)


def grants_by_family(professional: Professional, today: date | None = None) -> dict[int, Grant]:
    """``grant_for`` for every family the professional may see now, in two queries: the
    same decision, for lists that show many families at once (the alert inbox)."""
    today = today or timezone.localdate()
    by_family: dict[int, list[Involvement]] = {}
    for involvement in _active_involvements(professional, today).select_related(
        "family__municipality"
    ):
        by_family.setdefault(involvement.family_id, []).append(involvement)
    grants = {fid: _grant_from(professional, found) for fid, found in by_family.items()}
    for emergency in _active_emergencies(professional).select_related("family__municipality"):
        grants.setdefault(
            emergency.family_id,
            Grant(emergency.family, professional, Ground.EMERGENCY, ALL_DOMAINS),
        )
    return grants


def access_log_grant(user, family_id: int | str) -> Grant:
    """Who may read a family's access log: its coordinator, and a privacy officer.

    A privacy officer sees the log (who looked, when, why), not the family's file."""
    professional = professional_for(user)
    if professional.role == ProfessionalRole.PRIVACY_OFFICER:
        try:
            pk = parse_int(family_id, name="family_id")
        except BadParameter:
            pk = None
        family = Family.objects.filter(pk=pk).only("id", "name").first() if pk else None
        if family is None:
            raise refused_read(user, family_id, object_type="family.access_log")
        return Grant(family, professional, Ground.PRIVACY_OFFICER, frozenset())
    grant = grant_for(user, family_id)  # records its own refusal
    if not grant.is_coordinator:
        raise refused_read(user, family_id, object_type="family.access_log")
    return grant


def require_role(user, *roles: str) -> Professional:
    professional = professional_for(user)
    if professional.role not in roles and not user.is_superuser:
        raise PermissionDenied(_("Your role does not allow this."))
    return professional


def find_family_for_emergency(
    *, bsn_pseudonym: str | None = None, reference: str | None = None
) -> Family | None:
    """Look up a family for break-the-glass. Only called after a reason has been given;
    the attempt is audited and reviewed, whether or not a family is found."""
    if bsn_pseudonym:
        return Family.objects.filter(memberships__person__bsn_pseudonym=bsn_pseudonym).first()
    if reference:
        return Family.objects.filter(reference=reference).first()
    return None
