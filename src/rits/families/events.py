"""The events of families: reading the file, its members, network and involvements,
and the import (see ``rits.audit.catalogue``)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction
from rits.core.domains import LifeDomain
from rits.families.models import ContactKind, MemberRole, NetworkRelation


def _label(choices, value: str) -> str:
    """A stored choice as its label in the reader's language (the value itself when the
    choice no longer exists)."""
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return value


def _member(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**params, "role": _label(MemberRole, params.get("role", ""))}


def _network(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**params, "relation": _label(NetworkRelation, params.get("relation", ""))}


def _contact(params: Mapping[str, Any]) -> Mapping[str, Any]:
    try:
        on = date_format(date.fromisoformat(params.get("on", "")), "j F Y")
    except ValueError:
        on = params.get("on", "")
    kind = _label(ContactKind, params.get("kind", ""))
    return {**params, "kind": kind[:1].upper() + kind[1:], "on": on}


# Free text in one language (the demo's stories, rows from before the catalogue whose
# kind Rits no longer writes): shown as written. ``params["text"]``.
LEGACY_TEXT_EVENT = "legacy.text"

declare(
    EventType(LEGACY_TEXT_EVENT, template="%(text)s", timeline=True),
    # Reads.
    EventType(
        "family.list_viewed",
        AuditAction.VIEW,
        "family.list",
        access_log=_("looked at the list of their families"),
    ),
    EventType(
        "family.searched",
        AuditAction.SEARCH,
        "family.list",
        access_log=_("searched among their families"),
    ),
    EventType(
        "family.overview_viewed",
        AuditAction.VIEW,
        "family.overview",
        access_log=_("looked at the family's overview"),
    ),
    EventType(
        "family.form_viewed",
        AuditAction.VIEW,
        "family.form",
        access_log=_("opened a form in the family's file"),
    ),
    EventType(
        "family.exported",
        AuditAction.EXPORT,
        "family.export",
        access_log=_("exported a copy of the family's file"),
    ),
    EventType(
        "family.pending_involvements_viewed",
        AuditAction.VIEW,
        "involvement.pending",
        access_log=_("looked at involvements waiting for approval"),
    ),
    EventType(
        "family.possible_duplicate_viewed",
        AuditAction.VIEW,
        "possible_duplicate",
        access_log=_("looked at a possible double record of a member"),
    ),
    # Writes.
    EventType(
        "family.member_added",
        AuditAction.CREATE,
        "membership",
        access_log=_("added a member to the family"),
        template=_("%(name)s added as %(role)s"),
        timeline=True,
        domain="",
        values=_member,
    ),
    EventType(
        "family.member_merged",
        AuditAction.UPDATE,
        "membership",
        access_log=_("joined a member's record with a known record of the same person"),
        template=_("%(name)s: the record was joined with the known record of this person"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.possible_duplicate_raised",
        AuditAction.CREATE,
        "possible_duplicate",
        access_log=_("added someone who may be a member of this family"),
    ),
    EventType(
        "family.possible_duplicate_decided",
        AuditAction.UPDATE,
        "possible_duplicate",
        access_log=_("decided whether two records are the same person"),
    ),
    EventType(
        "family.network_added",
        AuditAction.CREATE,
        "network_member",
        access_log=_("added someone to the family's network"),
        template=_("%(name)s added to the network (%(relation)s)"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
        values=_network,
    ),
    # Written by a professional (a conversation, a home visit, a note), in the life
    # domain they chose: only those who see that domain read it.
    EventType(
        "family.contact_recorded",
        AuditAction.CREATE,
        "family_event",
        access_log=_("wrote on the family's timeline"),
        template=_("%(kind)s on %(on)s: %(text)s"),
        timeline=True,
        values=_contact,
    ),
    EventType(
        "family.involvement_decided",
        AuditAction.UPDATE,
        "involvement",
        access_log=_("approved or rejected an involvement"),
    ),
    EventType(
        "family.imported",
        AuditAction.IMPORT,
        "family",
        access_log=_("imported the family's data"),
    ),
    # On the timeline only: their audit row is the import's or the decision's.
    EventType(
        "family.created_by_import",
        template=ngettext_lazy(
            "Family imported with %(count)d member",
            "Family imported with %(count)d members",
            "count",
        ),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.member_imported",
        template=_("%(name)s added as %(role)s (import)"),
        timeline=True,
        domain="",
        values=_member,
    ),
    # Who is involved says something about the family: only the organisation for the
    # coordinator and for an involvement without a domain (shown to everyone), the role
    # (free text) only in the involvement's domain, which the writer passes.
    EventType(
        "family.coordinator_registered",
        template=_("Coordinator registered: %(organisation)s"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.involvement_registered",
        template=_("Involvement registered: %(organisation)s"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.involvement_registered_in_domain",
        template=_("Involvement registered: %(organisation)s as %(role)s"),
        timeline=True,
    ),
)

# The family's own network, changed by the family in the portal (issue 13): as theirs,
# by name, and marked for the coordinator (``from_family``).
declare(
    EventType(
        "family.network_added_by_family",
        AuditAction.CREATE,
        "network_member",
        access_log=_("added someone to the family's network"),
        template=_("%(who)s added %(name)s to the network (family portal)"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
        from_family=True,
    ),
    EventType(
        "family.network_changed_by_family",
        AuditAction.UPDATE,
        "network_member",
        access_log=_("changed the details of someone in the family's network"),
        template=_("%(who)s changed the details of %(name)s in the network (family portal)"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
        from_family=True,
    ),
)

# Changing, removing and putting back members and network members (their history is kept
# by django-simple-history; see ``services.update_member``). On the timeline like their
# adding: a member's event for everyone who sees the family, a network member's in the
# social network.
declare(
    EventType(
        "family.member_changed",
        AuditAction.UPDATE,
        "membership.details",
        access_log=_("changed a member's details"),
        template=_("Details of %(name)s changed"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.member_removed",
        AuditAction.DELETE,
        "membership",
        access_log=_("removed a member from the family"),
        template=_("%(name)s removed from the family"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.member_restored",
        AuditAction.CREATE,
        "membership.restored",
        access_log=_("undid the removal of a member"),
        template=_("%(name)s is back in the family (removal undone)"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.network_changed",
        AuditAction.UPDATE,
        "network_member",
        access_log=_("changed the details of someone in the family's network"),
        template=_("Details of %(name)s in the network changed"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
    ),
    EventType(
        "family.network_removed",
        AuditAction.DELETE,
        "network_member",
        access_log=_("removed someone from the family's network"),
        template=_("%(name)s removed from the network"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
    ),
    EventType(
        "family.network_restored",
        AuditAction.CREATE,
        "network_member.restored",
        access_log=_("undid the removal of someone from the family's network"),
        template=_("%(name)s is back in the network (removal undone)"),
        timeline=True,
        domain=LifeDomain.SOCIAL_NETWORK,
    ),
    EventType(
        "family.member_history_viewed",
        AuditAction.VIEW,
        "membership.history",
        access_log=_("looked at the history of a member's details"),
    ),
    EventType(
        "family.network_history_viewed",
        AuditAction.VIEW,
        "network_member.history",
        access_log=_("looked at the history of someone in the family's network"),
    ),
    EventType(
        "family.removed_viewed",
        AuditAction.VIEW,
        "family.removed",
        access_log=_("looked at what was recently removed from the family's file"),
    ),
)


def _handover(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The hand-over date as a date in the reader's language."""
    shown = dict(params)
    try:
        shown["date"] = date_format(date.fromisoformat(params.get("date", "")), "DATE_FORMAT")
    except (TypeError, ValueError):
        pass
    return shown


# Managing the file in the pages (issue 11): creating a family, its involvements, the
# hand-over of the coordination, closing and reopening. The audit rows say what was done
# (ids only); the timeline follows the rule of ``involvement_timeline``: the organisation
# only for everyone, the role only in the involvement's domain. The reason for closing or
# reopening is the one free text shown to everyone: its form says so to who writes it.
declare(
    EventType(
        "family.created",
        AuditAction.CREATE,
        "family",
        access_log=_("created the family's file"),
        template=_("Family file created"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.involvement_added",
        AuditAction.CREATE,
        "involvement",
        access_log=_("added an involvement to the family"),
    ),
    EventType(
        "family.involvement_changed",
        AuditAction.UPDATE,
        "involvement.details",
        access_log=_("changed an involvement with the family"),
    ),
    EventType(
        "family.involvement_ended",
        AuditAction.UPDATE,
        "involvement.end",
        access_log=_("ended an involvement with the family"),
    ),
    EventType(
        "family.coordination_handed_over",
        AuditAction.UPDATE,
        "involvement.coordination",
        access_log=_("planned the hand-over of the coordination"),
        template=_("The coordination passes from %(from)s to %(to)s after %(date)s"),
        timeline=True,
        domain="",
        values=_handover,
    ),
    EventType(
        "family.details_changed",
        AuditAction.UPDATE,
        "family.details",
        access_log=_("changed the family's details"),
        template=_("The family's details were changed"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.history_viewed",
        AuditAction.VIEW,
        "family.history",
        access_log=_("looked at the history of the family's details"),
    ),
    EventType(
        "family.coordination_hand_over_cancelled",
        AuditAction.UPDATE,
        "involvement.hand_over_cancel",
        access_log=_("cancelled the planned hand-over of the coordination"),
        template=_(
            "The planned hand-over of the coordination from %(from)s to %(to)s was cancelled"
        ),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.file_closed",
        AuditAction.UPDATE,
        "family.closure",
        access_log=_("closed the family's file"),
        template=_("File closed: %(reason)s"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.file_reopened",
        AuditAction.UPDATE,
        "family.reopening",
        access_log=_("reopened the family's file"),
        template=_("File reopened: %(reason)s"),
        timeline=True,
        domain="",
    ),
    # On the timeline only: their audit row is the change's or the end's.
    EventType(
        "family.involvement_changed_on_timeline",
        template=_("Involvement changed: %(organisation)s"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.involvement_changed_in_domain",
        template=_("Involvement changed: %(organisation)s as %(role)s"),
        timeline=True,
    ),
    EventType(
        "family.involvement_ended_on_timeline",
        template=_("Involvement ended: %(organisation)s"),
        timeline=True,
        domain="",
    ),
    EventType(
        "family.involvement_ended_in_domain",
        template=_("Involvement ended: %(organisation)s as %(role)s"),
        timeline=True,
    ),
)
