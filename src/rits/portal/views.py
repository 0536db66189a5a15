"""The family's pages under ``/mijn/``: plain language, the family's own words first.

Every page is for a citizen (a family member or a network member); anyone else is told
to log in through the portal. What each may see is decided by ``rits.access`` through
``rits.portal.selectors``; not allowed is not found (404)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from rits.access.principals import citizen_for
from rits.portal import selectors


def citizen_required(view):
    """A page of the portal: a citizen's login, or to the portal's own login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if citizen_for(request.user) is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        return view(request, *args, **kwargs)

    return wrapper


def _page(request, template: str, grant, **context):
    context.update(grant=grant, family=grant.family, is_network=selectors.is_network(grant))
    return render(request, template, context)


@require_GET
@citizen_required
def home(request):
    """The citizen's start: straight to their family, or a choice when there are two."""
    grants = selectors.my_families(user=request.user)
    if len(grants) == 1:
        return redirect("portal:plan", family_id=grants[0].family.pk)
    return render(request, "portal/home.html", {"grants": grants})


@require_GET
@citizen_required
def plan(request, family_id: int):
    page = selectors.family_plan(user=request.user, family_id=family_id)
    return _page(request, "portal/plan.html", page.grant, page=page)


@require_GET
@citizen_required
def involved(request, family_id: int):
    grant, lines = selectors.who_is_involved(user=request.user, family_id=family_id)
    return _page(request, "portal/involved.html", grant, lines=lines)


@require_GET
@citizen_required
def coming_up(request, family_id: int):
    grant, lines = selectors.coming_up(user=request.user, family_id=family_id)
    return _page(request, "portal/coming_up.html", grant, lines=lines)


@require_GET
@citizen_required
def who_looked(request, family_id: int):
    grant, lines = selectors.who_looked(user=request.user, family_id=family_id)
    return _page(request, "portal/who_looked.html", grant, lines=lines)
