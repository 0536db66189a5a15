"""Who acts: a principal is whoever reads or writes family data, and how audit names them.

Professionals use the professional pages; family members and network members (the
portal's citizens) use ``/mijn/``. The other kinds are named here so that the next
domains (regional tables, placements, funding) add grounds for them instead of a second
notion of "who". A domain that has logins of another kind registers a resolver
(``register_principal_resolver``): ``citizen_for`` asks them, so that access imports no
domain app. The pipeline acts as a ``system`` principal: it reads family tables without
a grant, and audit names it ("system: linking")."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rits.audit.services import Actor


class PrincipalKind:
    PROFESSIONAL = "professional"
    FAMILY_MEMBER = "family_member"
    NETWORK_MEMBER = "network_member"  # also a mentor the young person chose (JIM)
    TABLE_MEMBER = "table_member"
    CAPACITY_MANAGER = "capacity_manager"
    MUNICIPAL_OFFICER = "municipal_officer"  # aggregates and funding data only
    MACHINE_CLIENT = "machine_client"  # a signal source, later iJw senders
    SYSTEM = "system"  # linking, rules, retention

    ALL = (
        PROFESSIONAL,
        FAMILY_MEMBER,
        NETWORK_MEMBER,
        TABLE_MEMBER,
        CAPACITY_MANAGER,
        MUNICIPAL_OFFICER,
        MACHINE_CLIENT,
        SYSTEM,
    )


@dataclass(frozen=True)
class Principal:
    """A kind, and the login, professional or organisation behind it (where there is one)."""

    kind: str
    user: Any = None
    professional: Any = None  # rits.organisations.models.Professional
    organisation: Any = None  # for a kind without a professional, e.g. a machine client
    system_name: str = ""
    person: Any = None  # rits.families.models.Person, for a family member
    network_member: Any = None  # rits.families.models.NetworkMember, for a network member

    def __post_init__(self) -> None:
        if self.kind not in PrincipalKind.ALL:
            raise ValueError(f"Unknown kind of principal: {self.kind!r}")
        if self.kind == PrincipalKind.SYSTEM and not self.system_name:
            raise ValueError("A system principal needs a name, e.g. 'linking'.")

    @classmethod
    def of_professional(cls, professional, user=None) -> "Principal":
        # The organisation is the professional's (not copied here: reading it may cost
        # a query that the callers of grants_by_family never need).
        return cls(PrincipalKind.PROFESSIONAL, user=user, professional=professional)

    @classmethod
    def of_family_member(cls, person, user) -> "Principal":
        return cls(PrincipalKind.FAMILY_MEMBER, user=user, person=person)

    @classmethod
    def of_network_member(cls, network_member, user) -> "Principal":
        return cls(PrincipalKind.NETWORK_MEMBER, user=user, network_member=network_member)

    @property
    def is_citizen(self) -> bool:
        return self.kind in (PrincipalKind.FAMILY_MEMBER, PrincipalKind.NETWORK_MEMBER)

    @classmethod
    def system(cls, name: str) -> "Principal":
        """The pipeline's own work: ``Principal.system("linking")``."""
        return cls(PrincipalKind.SYSTEM, system_name=name)

    @property
    def audit_name(self) -> str:
        """How audit names this principal (``AuditEvent.user_display``)."""
        return self.actor.display

    @property
    def actor(self) -> Actor:
        if self.kind == PrincipalKind.SYSTEM:
            return Actor.system(self.system_name)
        if self.is_citizen:
            # Named as the family knows them, in the role they act in.
            return Actor(
                user_id=self.user.pk,
                display=str(self.person or self.network_member),
                role=self.kind,
            )
        if self.user is not None:
            return Actor.for_user(self.user)
        raise ValueError(f"A {self.kind} principal without a login has no audit name yet.")


# Who else logs in: each resolver turns a login into its principal, or None.
_resolvers: list[Callable[[Any], "Principal | None"]] = []


def register_principal_resolver(resolver: Callable[[Any], "Principal | None"]) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def citizen_for(user) -> "Principal | None":
    """The family member or network member behind a login, or None (a professional, or
    a login of nobody). Cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = user._state.fields_cache
    if "_rits_citizen" not in cache:
        found = None
        for resolver in _resolvers:
            found = resolver(user)
            if found is not None:
                break
        cache["_rits_citizen"] = found
    return cache["_rits_citizen"]
