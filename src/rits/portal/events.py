"""The portal's events (see ``rits.audit.catalogue``): what family members and their
network read and do in ``/mijn/``, citizens logging in, and network members invited to
it. Each read names its ground (self, parent_of_minor, network_agreement, mentor) in the
audit row, as every read of family data does. No event carries a BSN: a refused DigiD
login says only why (no match, several, not a valid number)."""

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction

declare(
    EventType(
        "portal.plan_viewed",
        AuditAction.VIEW,
        "portal.plan",
        access_log=_("looked at the plan in the family portal"),
    ),
    EventType(
        "portal.involved_viewed",
        AuditAction.VIEW,
        "portal.involved",
        access_log=_("looked at who is involved, in the family portal"),
    ),
    EventType(
        "portal.coming_up_viewed",
        AuditAction.VIEW,
        "portal.coming_up",
        access_log=_("looked at what is coming up, in the family portal"),
    ),
    EventType(
        "portal.access_log_viewed",
        AuditAction.VIEW,
        "portal.access_log",
        access_log=_("looked at who looked at the file, in the family portal"),
    ),
    EventType(
        "portal.login",
        AuditAction.CREATE,
        "portal.session",
        access_log=_("logged in to the family portal"),
    ),
    EventType(
        "portal.login_refused",
        AuditAction.REFUSED,
        "portal.login",
        access_log=_("could not be found in Rits when logging in to the family portal"),
    ),
    EventType(
        "portal.network_invited",
        AuditAction.CREATE,
        "portal.invitation",
        access_log=_("invited someone of the family's network to the family portal"),
        template=_("%(name)s invited to the family portal"),
        timeline=True,
        domain="",
    ),
    EventType(
        "portal.invitation_accepted",
        AuditAction.UPDATE,
        "portal.invitation",
        access_log=_("accepted an invitation to the family portal"),
        template=_("%(name)s accepted the invitation to the family portal"),
        timeline=True,
        domain="",
    ),
    EventType(
        "portal.invitation_refused",
        AuditAction.REFUSED,
        "portal.invitation",
        access_log=_("tried an invitation to the family portal that no longer works"),
    ),
    EventType(
        "portal.network_viewed",
        AuditAction.VIEW,
        "portal.network",
        access_log=_("looked at the family's network, in the family portal"),
    ),
    EventType(
        "portal.network_member_viewed",
        AuditAction.VIEW,
        "portal.network_member",
        access_log=_("looked at someone of the family's network, in the family portal"),
    ),
)
