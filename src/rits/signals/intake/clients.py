"""Machine clients: the API keys with which a signal source's system delivers signals.

Issuing, revoking and checking a key (``issue_token``, ``revoke_token``,
``authenticate_token``, used by ``authentication.py``), who acts when it is used
(``source_actor``), and the demo region's keys. A key is stored as its SHA-256 and a
short visible prefix, never as its plaintext. Kept apart from the intake so that the
coming machine clients (iJw senders, capacity feeds) can take the same path; the model
(``SignalSourceToken``) stays in this app for now."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.intake import reading
from rits.organisations.models import Organisation
from rits.signals.models import SignalSourceToken

TOKEN_PREFIX = "rits_"
PREFIX_LENGTH = 16  # the visible start of a key that is stored, to recognise it
# A key's last use is written at most this often, not on every request.
LAST_USED_RESOLUTION_SECONDS = 300
# Demo keys are derived from this secret, which is public on purpose: a demo key is as
# public as the demo password, and only works while demo mode is on (see
# ``authenticate_token``), which production refuses. Derived rather than random so that
# the keys stay the same across `make demo` runs and can be used in examples and scripts.
DEMO_TOKEN_SECRET = b"rits-demo-signal-source-keys"


# --- API keys -----------------------------------------------------------------------------------


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _prefix(plaintext: str) -> str:
    # Enough to tell keys apart (also demo keys, which share "rits_demo_"), far too little
    # to guess the rest: a random key has 43 characters after "rits_".
    return plaintext[:PREFIX_LENGTH]


def source_actor(token: SignalSourceToken) -> Actor:
    """Who acts when a source's key is used: the organisation, through that key."""
    return Actor(
        user_id=None,
        display=f"API key {token.prefix}… ({token.name})",
        organisation_id=token.organisation_id,
        organisation_name=token.organisation.name,
        role="signal_source",
    )


class NotASignalSource(Exception):
    """Only organisations of a signal-source kind deliver signals (``SIGNAL_SOURCE_KINDS``)."""

    def __init__(self, organisation: Organisation) -> None:
        super().__init__(not_a_signal_source_reason(organisation))
        self.reason = not_a_signal_source_reason(organisation)


def not_a_signal_source_reason(organisation: Organisation) -> str:
    return _(
        "%(organisation)s is not a signal source: only housing corporations, energy and "
        "water companies, health insurers, schools, youth health care (JGZ), Veilig Thuis "
        "and the police deliver signals."
    ) % {"organisation": organisation.name}


def issue_token(
    *, organisation: Organisation, name: str, actor: Actor
) -> tuple[SignalSourceToken, str]:
    """Make a new API key for a signal source. Returns the key and its plaintext, which
    is not stored anywhere and cannot be shown again."""
    if not organisation.is_signal_source:
        raise NotASignalSource(organisation)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = SignalSourceToken.objects.create(
            organisation=organisation,
            name=reading.storable_text(name, 100),
            prefix=_prefix(plaintext),
            token_hash=hash_token(plaintext),
        )
        catalogue.log(
            "signal.source_token_issued",
            actor=actor,
            object_id=token.pk,
            detail={"organisation": organisation.pk, "prefix": token.prefix},
        )
    return token, plaintext


def revoke_token(*, token: SignalSourceToken, actor: Actor) -> SignalSourceToken:
    """Stop a key from working, at once. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        catalogue.log(
            "signal.source_token_revoked",
            actor=actor,
            object_id=token.pk,
            detail={"organisation": token.organisation_id, "revoked": True},
        )
    return token


def keys_of(organisation: Organisation) -> list[SignalSourceToken]:
    """An organisation's keys, newest first (for the administrator's list: the prefix,
    what it is for, when it was made and last used, whether it still works)."""
    return list(SignalSourceToken.objects.filter(organisation=organisation).order_by("-created_at"))


def key_of(organisation: Organisation, key_id: str) -> SignalSourceToken | None:
    """One of the organisation's active keys, by id (a string from a form), or None."""
    if not key_id.isdigit():
        return None
    return SignalSourceToken.objects.filter(
        organisation=organisation, pk=int(key_id), revoked_at__isnull=True
    ).first()


def demo_token_plaintext(organisation: Organisation) -> str:
    digest = hmac.new(DEMO_TOKEN_SECRET, organisation.name.encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + "demo_" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def ensure_demo_token(organisation: Organisation) -> str:
    """The demo key of a demo signal source, created when missing; returns its plaintext.

    Seeding the demo is not a user action, so this leaves no audit event (as the rest of
    the demo region)."""
    plaintext = demo_token_plaintext(organisation)
    SignalSourceToken.objects.get_or_create(
        token_hash=hash_token(plaintext),
        defaults={
            "organisation": organisation,
            "name": "demo",
            "prefix": _prefix(plaintext),
            "is_demo": True,
        },
    )
    return plaintext


def authenticate_token(plaintext: str) -> SignalSourceToken | None:
    """The active key with this plaintext, or None. Notes when it was last used."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = (
        SignalSourceToken.objects.select_related("organisation")
        .filter(token_hash=hash_token(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None or (token.is_demo and not settings.DEMO_MODE):
        return None
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        SignalSourceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
