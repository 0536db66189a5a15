from rest_framework.authentication import SessionAuthentication

from rits.access.principals import citizen_for
from rits.core.middleware import needs_second_factor


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, but only after the second factor (the same rule as the pages).
    A citizen's session (the family portal) came from DigiD or an invitation's code: that
    is their second factor, and the portal's endpoints are the only ones that let them in."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if needs_second_factor(user) and citizen_for(user) is None:
            return None
        return user, auth
