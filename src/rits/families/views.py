"""Thin views: parse, call a selector or service, render."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rits.access.rules import grant_for
from rits.components.registry import family_panels, my_families_panels
from rits.core.forms import apply_errors
from rits.families import selectors, services
from rits.families.forms import MemberForm, NetworkMemberForm, SearchForm


@login_required
@require_http_methods(["GET", "POST"])
def my_families(request):
    # The search form posts, so that a BSN typed into it never ends up in a URL or an
    # access log; a GET with ?q= still works for names, references, dates and postcodes.
    params = request.POST if request.method == "POST" else request.GET
    form = SearchForm(params if "q" in params else None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query and request.method == "GET" and selectors.looks_like_bsn(query):
        query = ""
    listing = selectors.my_families_page(
        user=request.user, query=query, sort=params.get("sort"), page=params.get("page")
    )
    shown_query = query
    # What the sort headers and the page links carry: the search and the order, never a BSN.
    keep = QueryDict(mutable=True)
    if query and selectors.looks_like_bsn(query):
        form = SearchForm()  # do not echo the BSN back into the page
        shown_query = _("a BSN")
    elif query:
        keep["q"] = query
    keep["sort"] = listing.order.value
    sorting = selectors.MY_FAMILIES_SORTING
    context = {
        "form": form,
        "page": listing.page,
        "families": listing.page.object_list,
        "query": shown_query,
        "order": listing.order,
        "keep": keep,
        "headers": sorting.headers(
            listing.order, keep, "name", "reference", _("Members"), "postcode"
        ),
    }
    if request.htmx:
        return render(request, "families/_family_list.html", context)
    # Sections other apps contribute (plans: the reminders), registered in their AppConfig.
    context["panels"] = my_families_panels.shown(request=request)
    return render(request, "families/my_families.html", context)


@login_required
@require_GET
def family_overview(request, family_id: int):
    overview = selectors.family_overview(user=request.user, family_id=family_id)
    # The page is composed of the panels the apps registered (rits.components.registry):
    # each reads through its own app's selector with the grant the overview holds.
    panels = family_panels.shown(grant=overview.grant, request=request, overview=overview)
    return render(
        request,
        "families/overview.html",
        {"o": overview, "family": overview.family, "panels": panels},
    )


@login_required
@require_GET
def family_export(request, family_id: int):
    data = selectors.family_export(user=request.user, family_id=family_id)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="family-{int(family_id)}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def add_member(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")  # refused before the form is shown, not only when it is sent
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.PersonData(
            surname=d["surname"],
            given_names=d["given_names"],
            prefix=d["prefix"],
            birth_date=d["birth_date"],
            gender=d["gender"],
            bsn=d["bsn"],
            languages=d["languages"],
            interpreter_needed=d["interpreter_needed"],
        )
        try:
            services.add_member(user=request.user, grant=grant, data=data, role=d["role"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The member has been added."))
            return redirect("families:overview", family_id=grant.family.pk)
    selectors.form_page_viewed(user=request.user, grant=grant, form="member")
    return render(
        request,
        "families/family_form.html",
        {"form": form, "family": grant.family, "title": _("Add a member")},
    )


@login_required
def add_network_member(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    form = NetworkMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_network_member(
                user=request.user, grant=grant, member=form.save(commit=False)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The network member has been added."))
            return redirect("families:overview", family_id=grant.family.pk)
    selectors.form_page_viewed(user=request.user, grant=grant, form="network_member")
    return render(
        request,
        "families/family_form.html",
        {"form": form, "family": grant.family, "title": _("Add someone from the network")},
    )


@login_required
@require_POST
def decide_possible_duplicate(request, family_id: int, duplicate_id: int):
    grant = grant_for(request.user, family_id)
    decision = request.POST.get("decision")
    if decision not in {"same", "different"}:
        messages.error(request, _("Choose 'the same person' or 'a different person'."))
    else:
        services.decide_possible_duplicate(
            user=request.user,
            grant=grant,
            duplicate_id=duplicate_id,
            same_person=decision == "same",
        )
        messages.success(
            request,
            _("The records have been joined.")
            if decision == "same"
            else _("Recorded as a different person."),
        )
    return redirect("families:overview", family_id=grant.family.pk)


@login_required
@require_GET
def pending_involvements(request):
    involvements = selectors.pending_involvements(user=request.user)
    return render(request, "families/pending_involvements.html", {"involvements": involvements})


@login_required
@require_POST
def decide_involvement(request, involvement_id: int):
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose 'approve' or 'reject'."))
    else:
        services.decide_involvement(
            user=request.user, involvement_id=involvement_id, approve=decision == "approve"
        )
        messages.success(
            request,
            _("The involvement has been approved.")
            if decision == "approve"
            else _("The involvement has been rejected."),
        )
    return redirect("families:pending-involvements")
