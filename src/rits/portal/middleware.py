"""Citizens' sessions, apart from professionals'.

A citizen's session is marked at login (``CITIZEN_SESSION``) and lives on ``/mijn/``
only: every other page sends them to the portal's start page. It ends after
``PORTAL_SESSION_MINUTES`` without a request (DigiD requires 15 at most). A session
of a professional who passed the second factor is never a citizen's, so it does not
open the portal and costs no query here. ``request.citizen`` is the citizen's principal (or None),
which also tells the second-factor middleware not to ask a citizen for a TOTP code:
DigiD and the invitation's code are their second factor."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from rits.access.principals import citizen_for

CITIZEN_SESSION = "rits_citizen"
LAST_SEEN = "rits_citizen_seen"
# What a citizen may reach besides the portal: its API, the language switch, static
# files, the health check, and logging out.
CITIZEN_PATHS = (
    "/mijn/",
    "/api/v1/portal/",
    "/i18n/",
    "/static/",
    "/logout/",
    "/health/",
    "/robots.txt",
)


def start_citizen_session(request) -> None:
    """Mark the (just logged-in) session as a citizen's, with its inactivity limit."""
    request.session[CITIZEN_SESSION] = True
    request.session[LAST_SEEN] = time.time()
    request.session.set_expiry(settings.PORTAL_SESSION_MINUTES * 60)


class CitizenSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.citizen = None
        principal = self._citizen(request)
        if principal is not None:
            seen = request.session.get(LAST_SEEN)
            limit = settings.PORTAL_SESSION_MINUTES * 60
            if seen is None or time.time() - seen > limit:
                logout(request)
                return redirect(reverse("portal:login") + "?verlopen=1")
            request.citizen = principal
            # Every request starts the inactivity period again (and saves the session).
            request.session[LAST_SEEN] = time.time()
            request.session.set_expiry(limit)
            if not request.path.startswith(CITIZEN_PATHS):
                if request.path.startswith("/api/"):
                    # The professionals' API does not exist for a citizen.
                    raise Http404()
                return redirect("portal:home")
        return self.get_response(request)

    @staticmethod
    def _citizen(request):
        user = request.user
        if not user.is_authenticated:
            return None
        if request.session.get(CITIZEN_SESSION):
            principal = citizen_for(user)
            if principal is None:  # the account is gone: the session is nobody's
                logout(request)
            return principal
        # A professional past the second factor is never a citizen (no query for them).
        # Any other login that is a citizen's (a session made by force_login in a test)
        # becomes a citizen's session here.
        if user.is_verified():
            return None
        principal = citizen_for(user)
        if principal is not None:
            start_citizen_session(request)
        return principal
