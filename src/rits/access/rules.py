"""The single place that decides who may see which family, and which parts of it.

Every page, API endpoint, search, export and background job that reads family data
starts here: ``visible_families`` for lists and searches, ``grant_for`` for one family,
``grants_by_family`` for lists that show many families at once. A professional who is
not involved gets ``FamilyNotFound`` (a 404), never a 403, so that the existence of a
family is not revealed.

**Grant sources.** The grounds come from a registry (``rits.access.sources``): families
registers involvement, coordinator and team (``rits.families.grants``), access registers
emergency (below). The three doors above answer from the registry; a new ground is one
registration in its app's ``ready`` and its tests.

**The grant.** A ``Grant`` is what one principal may see of one family and why: the
ground, the life domains, and persons and items it must not show (``sees_person``,
``sees_item``; empty for every ground today). Its permissions live on it: ``can_write``,
``is_coordinator`` and ``require("write" | "coordinate" | "export")``. Only this module
constructs grants (``Grant(...)`` elsewhere fails), so a grant in hand is always one
access gave. Policy on work items (who sees an alert, who may change it, what a team
lead sees) is here too: ``sees_work_item``, ``may_change_work_item``, ``is_team_lead``,
``sees_team_line_without_family``. Querysets scoped by a grant: ``rits.core.scoping``."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.access.models import EmergencyAccess
from rits.access.principals import Principal, citizen_for
from rits.access.sources import Claim, grant_sources
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.domains import ALL_DOMAINS
from rits.core.params import MAX_ID, BadParameter, contains_bsn, parse_int
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
    # The portal's (rits.portal.grants): a family member about themselves and the
    # household, a parent also about their children, a network member about what they
    # are part of (a mentor the young person chose is one).
    SELF = "self"
    PARENT_OF_MINOR = "parent_of_minor"
    NETWORK_AGREEMENT = "network_agreement"
    MENTOR = "mentor"


CITIZEN_GROUNDS = frozenset(
    {Ground.SELF, Ground.PARENT_OF_MINOR, Ground.NETWORK_AGREEMENT, Ground.MENTOR}
)


# Only this module holds it: ``Grant.__post_init__`` refuses a grant made without it.
_BY_ACCESS = object()

READ_ONLY_GROUNDS = frozenset({Ground.EMERGENCY, Ground.PRIVACY_OFFICER})


@dataclass(frozen=True)
class Grant:
    """What one principal may see of one family, and why. Made by access only.

    A professional's grant names the professional; a citizen's (a family member's or a
    network member's, from the portal) has no professional and names its ``principal``."""

    family: Any  # rits.families.models.Family, with its municipality
    professional: Professional | None
    ground: str
    domains: frozenset[str]
    excluded_person_ids: frozenset[int] = frozenset()
    # (kind, id) pairs, e.g. ("signal.alert", 12): items the grant must not show.
    excluded_items: frozenset[tuple[str, int]] = frozenset()
    # (person id, life domain) pairs: what is about that person in that domain is not
    # shown (a parent does not see their 16-year-old's own health parts).
    hidden_person_domains: frozenset[tuple[int, str]] = frozenset()
    principal: Principal | None = field(default=None, compare=False)
    _made_by: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._made_by is not _BY_ACCESS:
            raise TypeError("Only rits.access makes a Grant: ask grant_for().")

    @property
    def is_coordinator(self) -> bool:
        return self.ground == Ground.COORDINATOR

    @property
    def can_write(self) -> bool:
        """Emergency access is there to read in an emergency, and a privacy officer reviews
        access: neither ground changes a family."""
        return self.ground not in READ_ONLY_GROUNDS

    def require(self, permission: str) -> None:
        """Refuse (``PermissionDenied``, a 403: the reader already sees the family) what
        this grant does not allow: ``"write"`` (change the family's file), ``"export"``
        (take a copy of the file away) or ``"coordinate"`` (what only the family's
        coordinator does). "Emergency access is read-only" is decided here, once.

        ``"contribute"`` is the portal's one permission: what a family member or someone
        of the family's network adds themselves (agrees with the plan online, marks their
        own agreement done, comments, writes a goal in their own words), kept as theirs
        and never passing a professional's service. Every citizen ground allows it here;
        the services narrow it per item: a network member (``network_agreement``,
        ``mentor``) only on what is theirs (their own agreements), the family-only acts
        (agreeing, goals, the network) only for a family member (``self``,
        ``parent_of_minor``). No professional's grant allows it."""
        refusal = self._refusal(permission)
        if refusal is not None:
            raise PermissionDenied(refusal)

    def allows(self, permission: str) -> bool:
        """``require`` without raising, for a page that hides what it would refuse."""
        return self._refusal(permission) is None

    @property
    def is_citizen(self) -> bool:
        return self.ground in CITIZEN_GROUNDS

    def _refusal(self, permission: str):
        if permission not in ("write", "export", "coordinate", "contribute"):
            raise ValueError(f"Unknown permission: {permission!r}")
        if permission == "contribute":
            if self.is_citizen:
                return None
            return _("This is what the family and its network add themselves, in the portal.")
        if self.is_citizen:
            # What a family or its network adds goes through the portal's own services,
            # kept as theirs; a citizen's grant never passes a professional's service.
            return _("This is done by the professionals who help the family.")
        if self.ground == Ground.EMERGENCY:
            if permission == "export":
                return _("Emergency access does not allow exporting a family.")
            return _("Emergency access is for reading only.")
        if not self.can_write:
            return _("A privacy officer reviews access and cannot change a family.")
        if permission == "coordinate" and not self.is_coordinator:
            return _("Only the family's coordinator can do this.")
        return None

    def require_write(self) -> None:
        """For every service that writes family data: refuse a read-only grant."""
        self.require("write")

    @property
    def sees_all_domains(self) -> bool:
        return self.domains >= ALL_DOMAINS

    def sees_domain(self, domain: str) -> bool:
        return not domain or domain in self.domains

    def sees_any(self, domains) -> bool:
        return not domains or bool(self.domains.intersection(domains))

    def sees_person(self, person_id: int | None) -> bool:
        """Whether this grant shows what is about ``person_id`` (a parent must not see
        the Veilig Thuis report about themselves); ``None``: about the whole family."""
        return person_id is None or person_id not in self.excluded_person_ids

    def sees_item(self, kind: str, item_id: int) -> bool:
        return (kind, item_id) not in self.excluded_items

    def sees_about(self, person_id: int | None, domain: str) -> bool:
        """Whether what is about ``person_id`` in life domain ``domain`` is shown."""
        return self.sees_person(person_id) and (
            person_id is None or (person_id, domain) not in self.hidden_person_domains
        )


def _grant(principal: Principal, claim: Claim) -> Grant:
    return Grant(
        claim.family,
        principal.professional,
        claim.ground,
        claim.domains,
        claim.excluded_person_ids,
        claim.excluded_items,
        claim.hidden_person_domains,
        principal=principal,
        _made_by=_BY_ACCESS,
    )


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


def principal_for(user) -> Principal:
    """The principal behind a login (only professionals use the pages today)."""
    return Principal.of_professional(professional_for(user), user=user)


def _active_emergencies(professional: Professional) -> QuerySet[EmergencyAccess]:
    return EmergencyAccess.objects.filter(professional=professional, expires_at__gt=timezone.now())


class EmergencyGrants:
    """Break-the-glass: every domain, for reading only, until it expires."""

    precedence = 90

    def family_ids(self, principal: Principal, *, today: date):
        if principal.professional is None:
            return []
        return _active_emergencies(principal.professional).values_list("family_id", flat=True)

    def claims(self, principal: Principal, *, today: date, family_id: int | None):
        if principal.professional is None:
            return {}
        found = _active_emergencies(principal.professional).select_related("family__municipality")
        if family_id is not None:
            found = found.filter(family_id=family_id)[:1]
        claims: dict[int, Claim] = {}
        for emergency in found:
            claims.setdefault(
                emergency.family_id, Claim(emergency.family, Ground.EMERGENCY, ALL_DOMAINS)
            )
        return claims


emergency_grants = EmergencyGrants()


def _families() -> QuerySet:
    # The Family model by its name: access is the layer below the domains (families
    # contributes its grounds to access's registry, ``rits.access.sources``), so it
    # imports no domain app.
    return apps.get_model("families", "Family").objects.all()


def visible_families(user, *, grants: dict[int, "Grant"] | None = None) -> QuerySet:
    """All families the user may see right now, on any registered ground; with
    ``grants`` (the user's :func:`request_grants`), those, without asking again."""
    if grants is not None:
        return _families().filter(id__in=list(grants))
    principal = principal_for(user)
    today = timezone.localdate()
    # Ids first: a caseload is small, and an OR of subqueries would make PostgreSQL
    # scan every family in the region (and join all their members when searching).
    family_ids: set[int] = set()
    for source in grant_sources():
        family_ids.update(source.family_ids(principal, today=today))
    return _families().filter(id__in=family_ids)


def grant_for(user, family_id: int | str) -> Grant:
    """What ``user`` may see of family ``family_id``; ``FamilyNotFound`` when nothing."""
    principal = principal_for(user)
    attempted = family_id
    try:
        family_id = parse_int(family_id, name="family_id")
    except BadParameter:
        raise refused_read(user, attempted) from None
    today = timezone.localdate()
    # The strongest ground first; a weaker source is not asked once one gives access.
    for source in grant_sources():
        claim = source.claims(principal, today=today, family_id=family_id).get(family_id)
        if claim is not None:
            return _grant(principal, claim)
    raise refused_read(user, family_id)


# --- citizens: family members and their network (the portal) ---------------------------


def citizen_principal(user) -> Principal:
    """The family member or network member behind a login; anyone else gets a 404 (the
    portal does not say that it refuses a professional)."""
    principal = citizen_for(user)
    if principal is None:
        raise FamilyNotFound()
    return principal


def citizen_grants(user) -> dict[int, Grant]:
    """Every family the citizen may see now, with what they may see of it."""
    principal = citizen_principal(user)
    today = timezone.localdate()
    grants: dict[int, Grant] = {}
    for source in grant_sources():
        for family_id, claim in source.claims(principal, today=today, family_id=None).items():
            if claim.ground in CITIZEN_GROUNDS and family_id not in grants:
                grants[family_id] = _grant(principal, claim)
    return grants


def citizen_grant_for(user, family_id: int | str) -> Grant:
    """``grant_for`` for the portal: what a family member or network member may see of
    family ``family_id``; ``FamilyNotFound`` (recorded) when nothing."""
    principal = citizen_principal(user)
    attempted = family_id
    try:
        family_id = parse_int(family_id, name="family_id")
    except BadParameter:
        raise refused_read(user, attempted) from None
    today = timezone.localdate()
    for source in grant_sources():
        claim = source.claims(principal, today=today, family_id=family_id).get(family_id)
        if claim is not None and claim.ground in CITIZEN_GROUNDS:
            return _grant(principal, claim)
    raise refused_read(user, family_id)


def refused_read(user, attempted, *, object_type: str = "family") -> FamilyNotFound:
    """Record that access refused ``user`` a family (``attempted``: the id as given) and
    return the ``FamilyNotFound`` to raise: the same 404 whether or not the family exists.

    The event names the professional and organisation and the attempted id (bounded;
    never a BSN: a BSN-like number is recorded as such, not as itself). When the id is a
    family's, the event carries its ``family_id``, so that the privacy officer sees the
    attempt in that family's access log; the coordinator's view of the log leaves
    refusals out (rits.access.selectors.family_access_log), and an id that is no family is linked to none.
    The existence query runs for every refused number, existing or not, so that both
    answers take the same work."""
    text = str(attempted)[:40]
    shown = "bsn-like number" if contains_bsn(str(attempted)) else text
    family_id = None
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        family_id = _families().filter(pk=int(text)).values_list("pk", flat=True).first()
    citizen = citizen_for(user)
    catalogue.log(
        "access.refused",
        actor=citizen.actor if citizen else Actor.for_user(user),
        object_type=object_type,
        object_id=shown,
        family_id=family_id,
        detail={"attempted_id": shown},
    )
    return FamilyNotFound()


def grants_by_family(professional: Professional, today: date | None = None) -> dict[int, Grant]:
    """``grant_for`` for every family the professional may see now, one query per
    source: the same decision, for lists that show many families at once (the inbox)."""
    today = today or timezone.localdate()
    principal = Principal.of_professional(professional)
    grants: dict[int, Grant] = {}
    for source in grant_sources():
        for family_id, claim in source.claims(principal, today=today, family_id=None).items():
            if family_id not in grants:
                grants[family_id] = _grant(principal, claim)
    return grants


def request_grants(request) -> dict[int, Grant]:
    """:func:`grants_by_family` of the request's reader, read once per request: the
    start page lists the families and counts the reader's work in several apps, each of
    which needs the same families, and access does not change while a page is built."""
    grants = getattr(request, "_rits_grants", None)
    if grants is None:
        grants = request._rits_grants = grants_by_family(professional_for(request.user))
    return grants


# --- work items (alerts today; later table agenda items, placement requests) ----------


def sees_work_item(grant: Grant, domains) -> bool:
    """Whether ``grant`` shows a work item about ``domains`` (its rule's life domains):
    the coordinator sees every one, others those of their domains."""
    return grant.is_coordinator or grant.sees_any(domains)


def is_team_lead(professional: Professional, team_id: int | None = None) -> bool:
    """A team lead with a team (of ``team_id``, if given)."""
    return (
        professional.has_role(ProfessionalRole.TEAM_LEAD)
        and professional.team_id is not None
        and (team_id is None or professional.team_id == team_id)
    )


def sees_team_line_without_family(professional: Professional) -> bool:
    """A team lead sees every work item of their team, also for a family nobody in the
    team may see: then as a line without family data (who, what, when due), so that the
    lead can steer the work without reading the file."""
    return is_team_lead(professional)


def may_change_work_item(grant: Grant, *, assigned_to_id: int | None, team_id: int | None) -> bool:
    """Who may acknowledge, act on or dismiss a work item: the one it is assigned to,
    the family's coordinator, and the lead of the team it belongs to (``team_id``: the
    item's team, else the assignee's). Others who see it may read it."""
    me = grant.professional
    if grant.is_coordinator or (assigned_to_id and assigned_to_id == me.pk):
        return True
    return team_id is not None and is_team_lead(me, team_id)


def access_log_grant(user, family_id: int | str) -> Grant:
    """Who may read a family's access log: its coordinator, and a privacy officer.

    A privacy officer sees the log (who looked, when, why), not the family's file."""
    professional = professional_for(user)
    if professional.has_role(ProfessionalRole.PRIVACY_OFFICER):
        try:
            pk = parse_int(family_id, name="family_id")
        except BadParameter:
            pk = None
        family = _families().filter(pk=pk).only("id", "name").first() if pk else None
        if family is None:
            raise refused_read(user, family_id, object_type="family.access_log")
        claim = Claim(family, Ground.PRIVACY_OFFICER, frozenset())
        return _grant(Principal.of_professional(professional, user=user), claim)
    grant = grant_for(user, family_id)  # records its own refusal
    if not grant.is_coordinator:
        raise refused_read(user, family_id, object_type="family.access_log")
    return grant


def require_role(user, *roles: str) -> Professional:
    professional = professional_for(user)
    if not professional.has_role(*roles) and not user.is_superuser:
        raise PermissionDenied(_("Your role does not allow this."))
    return professional


def find_family_for_emergency(
    *, bsn_pseudonym: str | None = None, reference: str | None = None
) -> Any:
    """Look up a family for break-the-glass. Only called after a reason has been given;
    the attempt is audited and reviewed, whether or not a family is found."""
    if bsn_pseudonym:
        return _families().filter(memberships__person__bsn_pseudonym=bsn_pseudonym).first()
    if reference:
        return _families().filter(reference=reference).first()
    return None
