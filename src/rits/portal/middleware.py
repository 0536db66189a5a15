"""Citizens' sessions, apart from professionals'.

A citizen's session is marked at login (``CITIZEN_SESSION``) and lives on ``/mijn/``
only: every other page sends them to the portal's start page. It ends after
``PORTAL_SESSION_MINUTES`` without a request (DigiD requires 15 at most). A session
without the mark is never a citizen's, so a professional's login does not open the
portal and costs no query here. ``request.citizen`` is the citizen's principal (or None),
which also tells the second-factor middleware not to ask a citizen for a TOTP code:
DigiD and the invitation's code are their second factor."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from rits.access.principals import citizen_for

CITIZEN_SESSION = "rits_citizen"
LAST_SEEN = "rits_citizen_seen"
# What a citizen may reach besides the portal: the language switch, static files, the
# health check, and logging out.
CITIZEN_PATHS = ("/mijn/", "/i18n/", "/static/", "/logout/", "/health/", "/robots.txt")


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
        if request.session.get(CITIZEN_SESSION) and request.user.is_authenticated:
            principal = citizen_for(request.user)
            seen = request.session.get(LAST_SEEN)
            limit = settings.PORTAL_SESSION_MINUTES * 60
            if principal is None or seen is None or time.time() - seen > limit:
                logout(request)
                return redirect(reverse("portal:login") + "?verlopen=1")
            request.citizen = principal
            # Every request starts the inactivity period again (and saves the session).
            request.session[LAST_SEEN] = time.time()
            request.session.set_expiry(limit)
            if not request.path.startswith(CITIZEN_PATHS):
                return redirect("portal:home")
        return self.get_response(request)
