"""Every write of the portal: citizens' logins (DigiD, invitations) and the coordinator's
invitations to the family's network.

A DigiD login is matched to a ``Person`` through the keyed BSN pseudonym only: the plain
number is validated, turned into its pseudonym and forgotten; it is never stored,
logged or put in an address. A network member without DigiD logs in by invitation: a
one-time link by e-mail, then a six-digit code by e-mail; only hashes of both are kept.

What a family member or someone of the network does themselves in ``/mijn/`` (agreeing
online, marking their agreement done, comments, goals, strengths, their network) also
starts here: each resolves the citizen's grant through ``rits.access``
(``citizen_grant_for``: not allowed is not found, a 404, and the attempt is recorded)
and calls the owning app's service with the portal's ``"contribute"`` permission (the
plan's in ``rits.plans.services``, with the plan's revision; the network's in
``rits.families.services``). What they write is kept as theirs, by name."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from rits.access.principals import Principal
from rits.access.rules import FamilyNotFound, Grant, citizen_grant_for
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.bsn import is_valid_bsn, pseudonymise_bsn
from rits.core.params import MAX_ID
from rits.families import services as family_services
from rits.families.models import NetworkMember, Person
from rits.families.services import record
from rits.plans import services as plan_services
from rits.portal import mail
from rits.portal.models import CitizenAccount, NetworkInvitation

User = get_user_model()


# --- DigiD ------------------------------------------------------------------------------


class DigiDRefusal:
    """Why a DigiD login opened nothing (recorded, never shown with the number)."""

    INVALID = "invalid"  # not a valid BSN
    NONE = "none"  # nobody in Rits has this BSN
    SEVERAL = "several"  # more than one person has it: a coordinator must sort it out


# Who a refused login is in the audit log: nobody known, by the way they came in.
_DIGID_ACTOR = Actor(user_id=None, display="DigiD", role="citizen")


def _new_citizen_user() -> "User":
    # The login names no one: not the BSN, not the person's name (a random address
    # that can receive nothing, since e-mail addresses are unique).
    name = f"citizen-{secrets.token_hex(12)}"
    user = User(username=name, email=f"{name}@portal.invalid")
    user.set_unusable_password()
    user.save()
    return user


def digid_login(*, bsn: str) -> tuple["User | None", str]:
    """The login of the one person with this BSN (made at their first login), or
    ``(None, reason)`` with a ``DigiDRefusal``; a refusal is audited, without the number."""
    if not isinstance(bsn, str) or not is_valid_bsn(bsn):
        _refused(DigiDRefusal.INVALID)
        return None, DigiDRefusal.INVALID
    # Matched as the system would: the citizen has no grant before they are known.
    person_ids = list(
        Person.objects.filter(bsn_pseudonym=pseudonymise_bsn(bsn)).values_list("pk", flat=True)[:2]
    )
    if not person_ids:
        _refused(DigiDRefusal.NONE)
        return None, DigiDRefusal.NONE
    if len(person_ids) > 1:
        _refused(DigiDRefusal.SEVERAL)
        return None, DigiDRefusal.SEVERAL
    with transaction.atomic():
        account = (
            CitizenAccount.objects.select_for_update()
            .select_related("user")
            .filter(person_id=person_ids[0])
            .first()
        )
        if account is None:
            account = CitizenAccount.objects.create(
                user=_new_citizen_user(), person_id=person_ids[0]
            )
    if not account.user.is_active:
        _refused(DigiDRefusal.NONE)
        return None, DigiDRefusal.NONE
    return account.user, ""


def _refused(reason: str) -> None:
    catalogue.log("portal.login_refused", actor=_DIGID_ACTOR, detail={"reason": reason})


def record_login(*, principal: Principal, how: str) -> None:
    """Audit that a citizen logged in (``how``: "digid" or "invitation")."""
    person_ids = [principal.person.pk] if principal.person is not None else []
    catalogue.log(
        "portal.login",
        actor=principal.actor,
        object_id=principal.user.pk,
        person_ids=person_ids,
        family_id=principal.network_member.family_id if principal.network_member else None,
        detail={"how": how},
    )


# --- invitations ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(invitation: NetworkInvitation, code: str) -> str:
    # Keyed and tied to the invitation: a million codes cannot be tried offline.
    return salted_hmac("rits.portal.code", f"{invitation.pk}:{code}").hexdigest()


def invitation_link(token: str) -> str:
    return settings.RITS_BASE_URL.rstrip("/") + reverse("portal:invitation", args=[token])


def invite_network_member(
    *, user, grant: Grant, network_member: NetworkMember
) -> NetworkInvitation:
    """Invite someone of the family's network to the portal: the coordinator only. The
    e-mail with the one-time link goes out after the transaction commits; an earlier
    invitation of theirs that is still open stops working."""
    grant.require("coordinate")
    if network_member.family_id != grant.family.pk:
        raise FamilyNotFound()
    email = (network_member.email or "").strip()
    if not email:
        raise ValidationError(
            _("Add an e-mail address for %(name)s first: the invitation goes by e-mail.")
            % {"name": network_member.name}
        )
    if CitizenAccount.objects.filter(network_member=network_member).exists():
        raise ValidationError(
            _("%(name)s already has a login for the family portal.") % {"name": network_member.name}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        NetworkInvitation.objects.filter(
            network_member=network_member, ended_at__isnull=True
        ).update(ended_at=now, ended_because="revoked")
        invitation = NetworkInvitation.objects.create(
            network_member=network_member,
            invited_by=user,
            email=email,
            token_hash=_token_hash(token),
            expires_at=now + timedelta(days=settings.PORTAL_INVITATION_DAYS),
        )
        record(
            "portal.network_invited",
            user=user,
            family_id=grant.family.pk,
            object_id=invitation.pk,
            ground=grant.ground,
            params={"name": network_member.name},
        )
        link = invitation_link(token)
        transaction.on_commit(lambda: mail.invitation(email, link).send())
    return invitation


class InvitationUnusable(Exception):
    """The link opens nothing: ``reason`` is unknown, expired, accepted, revoked or spent."""

    def __init__(self, reason: str, invitation: NetworkInvitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def _usable(token: str) -> NetworkInvitation:
    invitation = (
        NetworkInvitation.objects.select_for_update()
        .select_related("network_member")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.ended_at is not None:
        raise InvitationUnusable(invitation.ended_because or "accepted", invitation)
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("expired", invitation)
    return invitation


def _refused_invitation(invitation: NetworkInvitation, reason: str) -> None:
    # Outside the transaction that failed, so that the record of it stays.
    catalogue.log(
        "portal.invitation_refused",
        actor=_invitee_actor(invitation),
        object_id=invitation.pk,
        family_id=invitation.network_member.family_id,
        detail={"reason": reason},
    )


def _invitee_actor(invitation: NetworkInvitation) -> Actor:
    return Actor(user_id=None, display=str(invitation.network_member), role="network_member")


def open_invitation(*, token: str, new_code: bool = False) -> NetworkInvitation:
    """The invitation behind a link, e-mailing a six-digit code when none is valid now
    (or when ``new_code`` asks for another, at most one a minute: ``CodeTooSoon``).
    ``InvitationUnusable`` when it opens nothing."""
    try:
        with transaction.atomic():
            return _send_code(_usable(token), new_code=new_code)
    except InvitationUnusable as exc:
        if exc.invitation is not None:
            _refused_invitation(exc.invitation, exc.reason)
        raise


class CodeTooSoon(Exception):
    """A new code was asked for within ``CODE_INTERVAL`` of the last one."""


# The least time between two codes of one invitation (each is an e-mail).
CODE_INTERVAL = timedelta(minutes=1)


def _send_code(invitation: NetworkInvitation, *, new_code: bool) -> NetworkInvitation:
    now = timezone.now()
    if new_code and invitation.code_expires_at is not None:
        sent = invitation.code_expires_at - timedelta(minutes=settings.PORTAL_CODE_MINUTES)
        if now - sent < CODE_INTERVAL:
            raise CodeTooSoon()
    if new_code or invitation.code_expires_at is None or invitation.code_expires_at <= now:
        code = f"{secrets.randbelow(1_000_000):06d}"
        invitation.code_hash = _code_hash(invitation, code)
        invitation.code_expires_at = now + timedelta(minutes=settings.PORTAL_CODE_MINUTES)
        invitation.save(update_fields=["code_hash", "code_expires_at"])
        email = invitation.email
        transaction.on_commit(lambda: mail.code(email, code).send())
    return invitation


@dataclass(frozen=True)
class CodeResult:
    user: "User | None" = None
    # When no user: "wrong" (with attempts left), "expired" (ask a new code) or "spent".
    problem: str = ""
    attempts_left: int = 0


def accept_invitation(*, token: str, code: str) -> CodeResult:
    """Enter the code: the right one, in time, makes the network member's login and ends
    the invitation; a wrong one counts, and the fifth spends the invitation."""
    try:
        with transaction.atomic():
            result = _try_code(_usable(token), code)
    except InvitationUnusable as exc:
        if exc.invitation is not None:
            _refused_invitation(exc.invitation, exc.reason)
        raise
    return result


def _try_code(invitation: NetworkInvitation, code: str) -> CodeResult:
    now = timezone.now()
    if not invitation.code_hash or invitation.code_expires_at <= now:
        return CodeResult(problem="expired")
    code = (code or "").strip()
    if not hmac.compare_digest(_code_hash(invitation, code), invitation.code_hash):
        invitation.wrong_codes += 1
        fields = ["wrong_codes"]
        left = settings.PORTAL_CODE_ATTEMPTS - invitation.wrong_codes
        if left <= 0:
            invitation.ended_at, invitation.ended_because = now, "spent"
            fields += ["ended_at", "ended_because"]
            _refused_invitation(invitation, "spent")
        invitation.save(update_fields=fields)
        return CodeResult(problem="spent" if left <= 0 else "wrong", attempts_left=max(left, 0))
    member = invitation.network_member
    account = CitizenAccount.objects.filter(network_member=member).select_related("user").first()
    if account is None:
        account = CitizenAccount.objects.create(user=_new_citizen_user(), network_member=member)
    invitation.ended_at, invitation.ended_because = now, "accepted"
    invitation.code_hash = ""
    invitation.save(update_fields=["ended_at", "ended_because", "code_hash"])
    principal = Principal.of_network_member(member, account.user)
    record(
        "portal.invitation_accepted",
        user=account.user,
        actor=principal.actor,
        family_id=member.family_id,
        object_id=invitation.pk,
        params={"name": member.name},
    )
    return CodeResult(user=account.user)


# --- what the family does itself ----------------------------------------------------


def _number(value) -> int | None:
    """A number from a form (a revision, a version), or None: a tampered value is
    answered like a stale one (a conflict), never with a server error."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= MAX_ID else None


def agree_online(*, user, family_id, revision, version_number):
    grant = citizen_grant_for(user, family_id)
    return plan_services.family_agrees_online(
        user=user, grant=grant, revision=_number(revision), version_number=_number(version_number)
    )


def mark_agreement_done(*, user, family_id, agreement_id, revision, note: str = ""):
    grant = citizen_grant_for(user, family_id)
    return plan_services.family_marks_agreement_done(
        user=user, grant=grant, revision=_number(revision), agreement_id=agreement_id, note=note
    )


def comment_on_agreement(*, user, family_id, agreement_id, text: str):
    grant = citizen_grant_for(user, family_id)
    return plan_services.comment_on_agreement(
        user=user, grant=grant, agreement_id=agreement_id, text=text
    )


def add_goal(*, user, family_id, revision, text: str):
    grant = citizen_grant_for(user, family_id)
    return plan_services.family_adds_goal(
        user=user, grant=grant, revision=_number(revision), text=text
    )


def add_strength(*, user, family_id, revision, text: str):
    grant = citizen_grant_for(user, family_id)
    return plan_services.family_adds_strength(
        user=user, grant=grant, revision=_number(revision), text=text
    )


def add_network_member(*, user, family_id, data: dict[str, Any]):
    grant = citizen_grant_for(user, family_id)
    return family_services.family_adds_network_member(user=user, grant=grant, data=data)


def change_network_member(*, user, family_id, member_id, data: dict[str, Any]):
    grant = citizen_grant_for(user, family_id)
    return family_services.family_changes_network_member(
        user=user, grant=grant, member_id=member_id, data=data
    )
