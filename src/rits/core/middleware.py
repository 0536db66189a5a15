from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Pages reachable before the second factor is passed.
OPEN_PREFIXES = ("/static/", "/login/", "/logout/", "/health/", "/i18n/", "/api/v1/schema/")


def needs_second_factor(user) -> bool:
    if not user.is_authenticated or not settings.REQUIRE_SECOND_FACTOR:
        return False
    if settings.DEMO_MODE and user.is_demo:
        return False
    return not user.is_verified()


class SecondFactorRequiredMiddleware:
    """A password alone never opens a page with family data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_second_factor(request.user) and not request.path.startswith(OPEN_PREFIXES):
            if request.path.startswith("/api/"):
                # the API's own authentication refuses unverified sessions
                return self.get_response(request)
            return redirect(reverse("core:login-verify"))
        return self.get_response(request)
