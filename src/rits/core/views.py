"""Login with a second factor, and the health check."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from rits.core.forms import LoginForm, TokenForm
from rits.core.middleware import needs_second_factor
from rits.core.params import without_bsn_query


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        # The page a login started from goes back into a form field: not with a BSN.
        return without_bsn_query(super().get_redirect_url())


@require_http_methods(["GET", "POST"])
def logout(request):
    """Logging out is a POST (the header's button); a GET only asks to confirm, so that
    a link or a prefetch cannot log anyone out."""
    if request.method == "POST":
        auth_logout(request)
        messages.info(request, _("You have been logged out."))
        return redirect("core:login")
    return render(request, "core/logout.html")


def locked_out(request, credentials=None, *args, **kwargs):
    """Shown by django-axes after too many failed attempts (throttling)."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "core/locked_out.html", {"minutes": minutes}, status=429)


def _next_url(request) -> str:
    """Where to go after logging in, if given and on this site; never with a BSN."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return without_bsn_query(target)
    return ""


def _safe_next(request) -> str:
    return _next_url(request) or settings.LOGIN_REDIRECT_URL


def _second_factor_passed(request, device) -> None:
    """Mark the session as verified with ``device``, under a new session id and CSRF
    token: an id known before the second factor (fixated, or read while only the
    password was passed) must not open the verified session."""
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)


@login_required
def verify(request):
    """Second step of logging in: the six-digit code from the authenticator app."""
    if not needs_second_factor(request.user):
        return redirect(_safe_next(request))
    if not user_has_device(request.user, confirmed=True):
        return redirect("core:login-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = False
        for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
            allowed, _reason = device.verify_is_allowed()
            throttled |= not allowed
            # django-otp doubles the wait after each wrong code (throttling).
            if allowed and device.verify_token(form.cleaned_data["token"]):
                _second_factor_passed(request, device)
                return redirect(_safe_next(request))
        if throttled:
            form.add_error(
                "token", _("Too many wrong codes. Wait a few seconds and try the newest code.")
            )
        else:
            form.add_error(
                "token", _("This code is not right or has expired. Try the newest code.")
            )
    return render(request, "core/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def setup(request):
    """First login: link an authenticator app by scanning a QR code."""
    if user_has_device(request.user, confirmed=True):
        return redirect("core:login-verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _second_factor_passed(request, device)
            return redirect(settings.LOGIN_REDIRECT_URL)
        form.add_error(
            "token", _("This code is not right. Check the time on your phone and try again.")
        )
    qr_svg = segno.make(device.config_url, micro=False).svg_inline(
        scale=4, title=str(_("QR code for your authenticator app"))
    )
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "core/setup.html", {"form": form, "qr_svg": qr_svg, "secret": secret})


@require_GET
def health(request):
    """One trivial query: used by load balancers and as the baseline in bench/web.py."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
