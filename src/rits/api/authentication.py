from rest_framework.authentication import SessionAuthentication

from rits.core.middleware import needs_second_factor


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, but only after the second factor (the same rule as the pages)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if needs_second_factor(user):
            return None
        return user, auth
