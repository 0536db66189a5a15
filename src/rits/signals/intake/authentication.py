"""How a signal source's machine client signs in: ``Authorization: Token <key>``.

A key authenticates as its organisation, never as a user: ``request.user`` becomes a
``SignalSourceClient``, which no other endpoint accepts (they authenticate sessions of
professionals only), and the signal endpoints accept nothing else."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from rits.organisations.models import Organisation
from rits.signals.intake.clients import authenticate_token
from rits.signals.models import SignalSourceToken

KEYWORD = "Token"


@dataclass(frozen=True)
class SignalSourceClient:
    """The caller behind a signal source's key."""

    token: SignalSourceToken
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    @property
    def organisation(self) -> Organisation:
        return self.token.organisation

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.token.prefix}…)"


class SignalSourceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the key as 'Authorization: Token <key>'."))
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("This key is not valid.")) from None
        token = authenticate_token(plaintext)
        if token is None:
            raise AuthenticationFailed(_("This key is not valid or has been revoked."))
        return SignalSourceClient(token), token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsSignalSource(BasePermission):
    """A signal source's key, of an organisation that is (still) of a signal-source kind:
    a key issued before its organisation became another kind opens nothing."""

    message = _("Only signal sources can use this endpoint, with their API key.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, SignalSourceClient) and user.organisation.is_signal_source
