"""The admin site of the functional administrator.

Who gets in: an active professional with the administrator role, past the second factor
(a demo login in demo mode as everywhere else). ``is_staff`` and ``is_superuser`` open
nothing here: the role is the one place that says who administers. Logging in is Rits's
own (``core:login`` with the second factor); someone logged in without the role is
refused (403) rather than offered another login.

What it shows: only the models ``REFERENCE_MODELS`` names. The admins other libraries
register (second-factor devices with their secrets, login attempts, task results, auth
groups) are not for this site and are left out."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rits.core.middleware import needs_second_factor
from rits.organisations.models import ProfessionalRole

REFERENCE_MODELS = {
    "organisations.region",
    "organisations.municipality",
    "organisations.organisation",
    "organisations.team",
    "organisations.professional",
}


def is_administrator(user) -> bool:
    if not (user.is_authenticated and user.is_active) or needs_second_factor(user):
        return False
    professional = getattr(user, "professional", None)
    return professional is not None and professional.has_role(ProfessionalRole.ADMINISTRATOR)


class RitsAdminSite(admin.AdminSite):
    site_header = _("Rits administration")
    site_title = _("Rits administration")
    index_title = _("Reference data")
    final_catch_all_view = False

    def has_permission(self, request) -> bool:
        return is_administrator(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        ours = [m for m in models if m._meta.label_lower in REFERENCE_MODELS]
        if ours:
            super().register(ours, admin_class, **options)
