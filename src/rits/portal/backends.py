"""Authentication backends for citizens: the BSN that DigiD returns (the real SAML flow
or, outside production, its mock) becomes the login of the one ``Person`` with that BSN
pseudonym (``rits.portal.services.digid_login``). The library's own user handling (a
``bsn`` field on the user) is not used: Rits keeps no plain BSN anywhere.

A refused login leaves its reason on the request (``rits_digid_refusal``) for the page
that explains it; the reason never contains the number."""

from digid_eherkenning import backends as digid
from digid_eherkenning.mock import backends as digid_mock
from django.conf import settings

from rits.portal import services


class _MatchByPseudonym:
    def get_or_create_user_from_bsn(self, request, bsn):
        user, refusal = services.digid_login(bsn=bsn)
        if request is not None:
            request.rits_digid_refusal = refusal
        return user


class DigiDBackend(_MatchByPseudonym, digid.DigiDBackend):
    """The real DigiD (SAML artifact binding); off while the mock is on."""

    def authenticate(self, request, digid=None, saml_art=None, errors=None):
        if settings.DIGID_MOCK:
            return None
        return super().authenticate(
            request, digid=digid, saml_art=saml_art, errors=[] if errors is None else errors
        )


class MockDigiDBackend(_MatchByPseudonym, digid_mock.DigiDBackend):
    """DigiD's mock, for the demo and the tests only (refused in production)."""

    def authenticate(self, request, bsn=None):
        if bsn is None or not settings.DIGID_MOCK:
            return None
        return self.get_or_create_user_from_bsn(request, bsn)
