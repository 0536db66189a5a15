from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from rits.core.params import text_problem

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
        # A citizen (rits.portal's middleware marks them) logged in with DigiD or an
        # invitation's code: that is their second factor, they have no TOTP device.
        if getattr(request, "citizen", None) is not None:
            return self.get_response(request)
        if needs_second_factor(request.user) and not request.path.startswith(OPEN_PREFIXES):
            if request.path.startswith("/api/"):
                # the API's own authentication refuses unverified sessions
                return self.get_response(request)
            return redirect(reverse("core:login-verify"))
        return self.get_response(request)


class CheckedQueryStringMiddleware:
    """Refuses a query string with a NUL or another control character in any parameter,
    once for every page and endpoint, before a view can pass it to the database (where
    PostgreSQL answers NUL in text with a server error). A clear 400 that names the
    parameter: a problem detail for the API, a page otherwise. The value is never echoed:
    it may be a name or a BSN. (Lone surrogates cannot come from a query string: Django
    decodes it with replacement characters; JSON bodies are checked by the API's parser.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            for text in (name, *values):
                reason = text_problem(text)
                if reason is not None:
                    shown = name if text_problem(name) is None else _("a parameter name")
                    return self._refuse(request, shown, reason)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, name: str, reason: str):
        if request.path.startswith("/api/"):
            body = {
                "type": "about:blank",
                "title": str(_("Invalid input.")),
                "status": 400,
                "detail": str(_("See invalid_params for what is wrong and where.")),
                "invalid_params": [{"name": name, "reason": reason}],
            }
            return JsonResponse(body, status=400, content_type="application/problem+json")
        return render(
            request, "core/bad_request.html", {"name": name, "reason": reason}, status=400
        )


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every answer but static files (which
    WhiteNoise serves before this middleware is reached): pages and API answers carry
    family data, and no browser, proxy or shared computer may keep a copy of them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store, private"
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Django's language choice (the ``set_language`` cookie, then the browser's
    Accept-Language), with one limit: outside the family portal only
    ``PROFESSIONAL_LANGUAGES``. A citizen who chose Arabic in ``/mijn/`` keeps it there
    and reads a professional page in Dutch; a professional whose browser asks for
    Turkish first and English second gets English."""

    def process_request(self, request):
        super().process_request(request)
        if request.LANGUAGE_CODE in settings.PROFESSIONAL_LANGUAGES:
            return
        if request.path_info.startswith(reverse("portal:home")):
            return
        translation.activate(professional_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def professional_language(request) -> str:
    """The first of the browser's languages that the professionals' pages speak, or
    ``LANGUAGE_CODE``. (The cookie is passed over: it holds a portal language.)"""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            supported = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if supported in settings.PROFESSIONAL_LANGUAGES:
            return supported
    return settings.LANGUAGE_CODE
