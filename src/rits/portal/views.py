"""The family's pages under ``/mijn/``: plain language, the family's own words first.

Every page is for a citizen (a family member or a network member): nobody logged in is
sent to the portal's login, and a professional's login finds no portal (404). What each may see is decided by ``rits.access`` through
``rits.portal.selectors``; not allowed is not found (404)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from rits.portal import selectors
from rits.portal.auth_views import citizen_required


def _page(request, template: str, grant, **context):
    context.update(grant=grant, family=grant.family, is_network=selectors.is_network(grant))
    return render(request, template, context)


@require_GET
@citizen_required
def home(request):
    """The citizen's start: a welcome by name and the pages of their family (or of each,
    when they are in two)."""
    grants = selectors.my_families(user=request.user)
    return render(
        request,
        "portal/home.html",
        {"grants": grants, "citizen": request.citizen},
    )


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
