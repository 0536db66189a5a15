"""The portal's pages for logging in and out, the network's invitations, and the
coordinator's invitation page. Thin: the services decide, these parse and render."""

from functools import wraps

from digid_eherkenning.mock.idp.views.digid import DigiDMockIDPBSNLoginView
from digid_eherkenning.views.digid import DigiDAssertionConsumerServiceView
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.http import require_http_methods

from rits.access.principals import citizen_for
from rits.access.rules import grant_for
from rits.families import selectors as families
from rits.portal import services
from rits.portal.middleware import start_citizen_session

# The mock IdP hands the BSN to our mock ACS through the session, never the address
# (the library's mock puts it in the ACS's query string).
_MOCK_BSN = "rits_mock_digid_bsn"


def citizen_required(view):
    """A portal page: a citizen's only. Nobody logged in goes to the portal's login; a
    professional's login is no citizen's, and the portal does not exist for it (404)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "citizen", None) is not None:
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            raise Http404()
        return redirect("portal:login")

    return wrapper


def login(request):
    if getattr(request, "citizen", None) is not None:
        return redirect("portal:home")
    return render(
        request,
        "portal/login.html",
        {"mock": settings.DIGID_MOCK, "expired": request.GET.get("verlopen") == "1"},
    )


@require_http_methods(["GET", "POST"])
def logout(request):
    """A POST logs out (the header's button); a GET only asks to confirm."""
    if request.method == "POST":
        auth.logout(request)
        return redirect(reverse("portal:login") + "?uitgelogd=1")
    if getattr(request, "citizen", None) is None:
        return redirect("portal:login")
    return render(request, "portal/logout.html")


def _logged_in(request, user, *, how: str):
    auth.login(request, user, backend=getattr(user, "backend", None) or _BACKENDS[how])
    start_citizen_session(request)
    services.record_login(principal=citizen_for(user), how=how)
    return HttpResponseRedirect(reverse("portal:home"))


_BACKENDS = {
    "digid": "rits.portal.backends.DigiDBackend",
    # An invitation's login is made by the portal itself; the session names a backend
    # that can load the user again.
    "invitation": "django.contrib.auth.backends.ModelBackend",
}


def _not_found(request):
    """A DigiD login that matched nobody, or several people: one page for both, which
    says nothing about who is in Rits (the refusal is audited by the service)."""
    return render(request, "portal/not_found.html", status=403)


class MockIdPBSNLogin(DigiDMockIDPBSNLoginView):
    """The library's mock DigiD page, handing the BSN on through the session."""

    def get_success_url(self):
        self.request.session[_MOCK_BSN] = str(self.bsn)
        return f"{self.acs_url}?{self.request.GET.urlencode()}"


class MockAssertionConsumerService(View):
    """DigiD's mock coming back: the BSN from the mock page, matched by our backend."""

    def get(self, request):
        if not settings.DIGID_MOCK:
            raise Http404()
        bsn = request.session.pop(_MOCK_BSN, None)
        if bsn is None:
            return redirect("portal:login")
        user = auth.authenticate(request=request, bsn=bsn)
        if user is None:
            return _not_found(request)
        return _logged_in(request, user, how="digid")


class AssertionConsumerService(DigiDAssertionConsumerServiceView):
    """The real DigiD coming back (SAML artifact): the library resolves the artifact,
    our backend matches the BSN; a refused match gets the portal's own page."""

    def get(self, request):
        errors: list = []
        user = auth.authenticate(
            request=request, digid=True, saml_art=request.GET.get("SAMLart"), errors=errors
        )
        if user is None:
            if getattr(request, "rits_digid_refusal", ""):
                return _not_found(request)
            messages.error(request, self.error_messages["default"])
            return redirect("portal:login")
        return _logged_in(request, user, how="digid")


# --- invitations ---------------------------------------------------------------------


_UNUSABLE = {
    "unknown": _("This link does not work. Check that you opened the whole link from the e-mail."),
    "expired": _("This invitation has expired. Ask the family's coordinator for a new one."),
    "accepted": _(
        "This link has already been used. Log in with the link from a new invitation: ask "
        "the family's coordinator for one."
    ),
    "revoked": _("There is a newer invitation for you. Use the link in the newest e-mail."),
    "spent": _(
        "A wrong code was entered too often, so this invitation no longer works. Ask the "
        "family's coordinator for a new one."
    ),
}


def _unusable(request, reason: str):
    return render(
        request,
        "portal/invitation_unusable.html",
        {"message": _UNUSABLE[reason]},
        status=404 if reason == "unknown" else 410,
    )


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """A network member's invitation: opening the link e-mails a code, the code logs in."""
    error = ""
    try:
        if request.method == "POST" and request.POST.get("action") == "code":
            result = services.accept_invitation(token=token, code=request.POST.get("code", ""))
            if result.user is not None:
                return _logged_in(request, result.user, how="invitation")
            if result.problem == "spent":
                return _unusable(request, "spent")
            if result.problem == "expired":
                services.open_invitation(token=token, new_code=True)
                error = _("The code had expired. We have sent you a new one.")
            else:
                error = _("This code is not right. You can try %(count)d more times.") % {
                    "count": result.attempts_left
                }
        elif request.method == "POST":
            try:
                services.open_invitation(token=token, new_code=True)
            except services.CodeTooSoon:
                messages.info(
                    request,
                    _(
                        "We sent you a code less than a minute ago. Wait a minute before you ask for a new one."
                    ),
                )
            else:
                messages.info(request, _("We have sent you a new code."))
            return redirect("portal:invitation", token=token)
        else:
            services.open_invitation(token=token)
    except services.InvitationUnusable as exc:
        return _unusable(request, exc.reason)
    return render(
        request,
        "portal/invitation.html",
        {"error": error, "minutes": settings.PORTAL_CODE_MINUTES},
        status=400 if error else 200,
    )


# --- the coordinator's side ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invite_network_member(request, family_id: int, network_member_id: int):
    """The coordinator invites someone of the family's network to the portal."""
    grant = grant_for(request.user, family_id)
    grant.require("coordinate")
    member = families.network_member_for_change(grant=grant, network_member_id=network_member_id)
    error = ""
    if request.method == "POST":
        try:
            services.invite_network_member(user=request.user, grant=grant, network_member=member)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(name)s has been invited to the family portal by e-mail.")
                % {"name": member.name},
            )
            return redirect("families:overview", family_id=grant.family.pk)
    families.form_page_viewed(user=request.user, grant=grant, form="portal_invitation")
    return render(
        request,
        "portal/coordinator/invite.html",
        {"family": grant.family, "member": member, "error": error},
        status=400 if error else 200,
    )
