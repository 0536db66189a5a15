"""Thin views: parse, call a selector or service, render."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rits.access.rules import grant_for, professional_for, request_grants
from rits.components.registry import (
    family_panels,
    my_families_panels,
    my_work_for,
    start_page_for,
)
from rits.core.forms import apply_errors
from rits.families import selectors, services
from rits.families.forms import (
    ContactForm,
    EndInvolvementForm,
    FamilyDetailsForm,
    FamilyForm,
    FileStatusForm,
    HandOverForm,
    InvolvementChangeForm,
    InvolvementForm,
    MemberChangeForm,
    MemberForm,
    NetworkMemberForm,
    SearchForm,
)
from rits.families.models import UNDO_WINDOW, LivingSituation


@login_required
@require_http_methods(["GET", "POST"])
def my_families(request):
    # The search form posts, so that a BSN typed into it never ends up in a URL or an
    # access log; a GET with ?q= still works for names, references, dates and postcodes.
    # "/" is where everyone starts: a role with work elsewhere starts there (the roles'
    # start pages are registered by their apps: delivering, privacy, administration).
    start = start_page_for(getattr(request.user, "professional", None), request.user)
    if start is not None:
        return redirect(start)
    params = request.POST if request.method == "POST" else request.GET
    form = SearchForm(params if "q" in params else None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query and request.method == "GET" and selectors.looks_like_bsn(query):
        query = ""
    not_looked_at = params.get("not_looked_at") == "1"
    listing = selectors.my_families_page(
        user=request.user,
        # the reader's families, read once for the list and the "My work" counts below
        grants=request_grants(request),
        query=query,
        sort=params.get("sort"),
        page=params.get("page"),
        not_looked_at=not_looked_at,
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
    if not_looked_at:
        keep["not_looked_at"] = "1"
    sorting = selectors.MY_FAMILIES_SORTING
    context = {
        "form": form,
        "not_looked_at": not_looked_at,
        "not_looked_at_days": selectors.NOT_LOOKED_AT_DAYS,
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
    # "My work": the counts other apps keep for this reader, each linking to its list.
    context["my_work"] = my_work_for(request)
    context["may_create_family"] = services.may_create_family(professional_for(request.user))
    return render(request, "families/my_families.html", context)


@login_required
@require_GET
def family_overview(request, family_id: int):
    overview = selectors.family_overview(user=request.user, family_id=family_id)
    # The page is composed of the panels the apps registered (rits.components.registry):
    # each reads through its own app's selector with the grant the overview holds.
    panels = family_panels.shown(grant=overview.grant, request=request, overview=overview)
    # Just removed a member or network member: the page offers the undo (once).
    undo = request.session.pop("rits_undo", None)
    if not undo or undo.get("family") != overview.family.pk:
        undo = None
    return render(
        request,
        "families/overview.html",
        {"o": overview, "family": overview.family, "panels": panels, "undo": undo},
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
            services.add_member(
                user=request.user,
                grant=grant,
                data=data,
                role=d["role"],
                living_situation=d["living_situation"] or LivingSituation.AT_HOME,
            )
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
        try:
            services.decide_involvement(
                user=request.user, involvement_id=involvement_id, approve=decision == "approve"
            )
        except PermissionDenied as refused:  # the family's file is closed
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("The involvement has been approved.")
                if decision == "approve"
                else _("The involvement has been rejected."),
            )
    return redirect("families:pending-involvements")


@login_required
def record_contact(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    form = ContactForm(request.POST or None, domains=grant.domains)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_contact(user=request.user, grant=grant, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("It is on the timeline."))
            return redirect("families:overview", family_id=grant.family.pk)
    selectors.form_page_viewed(user=request.user, grant=grant, form="contact")
    return render(
        request,
        "families/family_form.html",
        {"form": form, "family": grant.family, "title": _("Write on the timeline")},
    )


# --- Changing, removing and undoing -------------------------------------------------------


def _person_data(d) -> services.PersonData:
    return services.PersonData(
        surname=d["surname"],
        given_names=d["given_names"],
        prefix=d["prefix"],
        birth_date=d["birth_date"],
        gender=d["gender"],
        bsn=d["bsn"],
        languages=d["languages"],
        interpreter_needed=d["interpreter_needed"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_member(request, family_id: int, membership_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    membership = selectors.member_for_change(grant=grant, membership_id=membership_id)
    form = MemberChangeForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_member(
                user=request.user,
                grant=grant,
                membership_id=membership.pk,
                data=_person_data(d),
                role=d["role"],
                living_situation=d["living_situation"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The member's details have been saved."))
            return redirect("families:overview", family_id=grant.family.pk)
    selectors.form_page_viewed(user=request.user, grant=grant, form="change_member")
    return render(
        request,
        "families/family_form.html",
        {
            "form": form,
            "family": grant.family,
            "title": _("Change the details of %(name)s") % {"name": membership.person.full_name},
        },
    )


def _confirm_remove(request, grant, *, name, form, undo_hint=True, error=""):
    selectors.form_page_viewed(user=request.user, grant=grant, form=form)
    return render(
        request,
        "families/confirm_remove.html",
        {
            "family": grant.family,
            "name": name,
            "error": error,
            "undo_days": UNDO_WINDOW.days,
        },
        status=400 if error else 200,
    )


def _remove(request, grant, *, kind: str, pk: int, name: str, form: str, remove):
    """The confirmation page of removing a member (``kind`` "member") or a network member
    ("network"), and on POST the removal (``remove()``), offering the undo once."""
    if request.method == "POST":
        try:
            remove()
        except ValidationError as exc:
            return _confirm_remove(
                request, grant, name=name, form=form, error=" ".join(exc.messages)
            )
        messages.success(
            request,
            _("%(name)s has been removed. You can undo this under 'Recently removed'.")
            % {"name": name},
        )
        request.session["rits_undo"] = {"kind": kind, "id": pk, "family": grant.family.pk}
        return redirect("families:overview", family_id=grant.family.pk)
    return _confirm_remove(request, grant, name=name, form=form)


def _undo_removal(request, grant, undo):
    """Put back what was removed (``undo()``); refused, back to the list of removals."""
    try:
        undo()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("families:removed", family_id=grant.family.pk)
    messages.success(request, _("The removal has been undone."))
    return redirect("families:overview", family_id=grant.family.pk)


@login_required
@require_http_methods(["GET", "POST"])
def remove_member(request, family_id: int, membership_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    membership = selectors.member_for_change(grant=grant, membership_id=membership_id)
    return _remove(
        request,
        grant,
        kind="member",
        pk=membership.pk,
        name=membership.person.full_name,
        form="remove_member",
        remove=lambda: services.remove_member(
            user=request.user, grant=grant, membership_id=membership.pk
        ),
    )


@login_required
@require_POST
def undo_member_removal(request, family_id: int, membership_id: int):
    grant = grant_for(request.user, family_id)
    return _undo_removal(
        request,
        grant,
        lambda: services.undo_member_removal(
            user=request.user, grant=grant, membership_id=membership_id
        ),
    )


@login_required
@require_GET
def member_history(request, family_id: int, membership_id: int):
    grant = grant_for(request.user, family_id)
    history = selectors.history_of(user=request.user, grant=grant, membership_id=membership_id)
    return render(
        request, "families/history.html", {"family": grant.family, "grant": grant, **history}
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_network_member(request, family_id: int, network_member_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    member = selectors.network_member_for_change(grant=grant, network_member_id=network_member_id)
    form = NetworkMemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_network_member(
                user=request.user, grant=grant, member_id=member.pk, data=form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The network member's details have been saved."))
            return redirect("families:overview", family_id=grant.family.pk)
    selectors.form_page_viewed(user=request.user, grant=grant, form="change_network_member")
    return render(
        request,
        "families/family_form.html",
        {
            "form": form,
            "family": grant.family,
            "title": _("Change the details of %(name)s") % {"name": form.initial.get("name", "")},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def remove_network_member(request, family_id: int, network_member_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    member = selectors.network_member_for_change(grant=grant, network_member_id=network_member_id)
    return _remove(
        request,
        grant,
        kind="network",
        pk=member.pk,
        name=member.name,
        form="remove_network_member",
        remove=lambda: services.remove_network_member(
            user=request.user, grant=grant, member_id=member.pk
        ),
    )


@login_required
@require_POST
def undo_network_removal(request, family_id: int, network_member_id: int):
    grant = grant_for(request.user, family_id)
    return _undo_removal(
        request,
        grant,
        lambda: services.undo_network_removal(
            user=request.user, grant=grant, member_id=network_member_id
        ),
    )


@login_required
@require_GET
def network_member_history(request, family_id: int, network_member_id: int):
    grant = grant_for(request.user, family_id)
    history = selectors.history_of(
        user=request.user, grant=grant, network_member_id=network_member_id
    )
    return render(
        request, "families/history.html", {"family": grant.family, "grant": grant, **history}
    )


@login_required
@require_GET
def recently_removed(request, family_id: int):
    grant = grant_for(request.user, family_id)
    removed = selectors.recently_removed(user=request.user, grant=grant)
    return render(
        request,
        "families/removed.html",
        {"family": grant.family, "grant": grant, "removed": removed, "undo_days": UNDO_WINDOW.days},
    )


# --- Managing the file (issue 11) ------------------------------------------------------


def _form_page(request, grant, form, *, title: str, name: str, **extra):
    selectors.form_page_viewed(user=request.user, grant=grant, form=name)
    return render(
        request,
        "families/family_form.html",
        {"form": form, "family": grant.family, "title": title, **extra},
    )


def _involvement_data(d) -> services.InvolvementData:
    return services.InvolvementData(
        organisation=d.get("organisation"),
        professional=d.get("professional"),
        role=d["role"],
        legal_basis=d["legal_basis"],
        domains=list(d["domains"]),
        start_date=d.get("start_date"),
        end_date=d.get("end_date"),
        is_coordinator=d.get("is_coordinator", False),
    )


@login_required
@require_http_methods(["GET", "POST"])
def create_family(request):
    if not services.may_create_family(professional_for(request.user)):
        raise PermissionDenied(_("Your role does not allow starting a family's file."))
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.FamilyData(
            name=d["name"],
            street=d["street"],
            house_number=d["house_number"],
            house_number_suffix=d["house_number_suffix"],
            postcode=d["postcode"],
            city=d["city"],
            municipality=d["municipality"],
            reference=d["reference"],
        )
        try:
            family, _involvement = services.create_family(
                user=request.user,
                data=data,
                involvement=services.InvolvementData(
                    organisation=None,
                    role=d["role"],
                    legal_basis=d["legal_basis"],
                    domains=list(d["domains"]),
                    is_coordinator=d["is_coordinator"],
                ),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The family's file has been created."))
            return redirect("families:overview", family_id=family.pk)
    return render(request, "families/create_family.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def add_involvement(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    services.require_open(grant)
    form = InvolvementForm(
        request.POST or None, initial={"start_date": timezone.localdate().isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            involvement = services.add_involvement(
                user=request.user, grant=grant, data=_involvement_data(form.cleaned_data)
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The involvement has been added. It waits for the coordinator's approval.")
                if involvement.approval == "pending"
                else _("The involvement has been added."),
            )
            return redirect("families:overview", family_id=grant.family.pk)
    return _form_page(request, grant, form, title=_("Add an involvement"), name="involvement")


@login_required
@require_http_methods(["GET", "POST"])
def change_involvement(request, family_id: int, involvement_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    involvement = services.involvement_for_change(grant=grant, involvement_id=involvement_id)
    services.require_open(grant)
    form = InvolvementChangeForm(
        request.POST or None,
        initial={
            "role": involvement.role,
            "legal_basis": involvement.legal_basis,
            "domains": involvement.domains,
            "start_date": involvement.start_date.isoformat(),
            "end_date": involvement.end_date.isoformat() if involvement.end_date else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_involvement(
                user=request.user,
                grant=grant,
                involvement_id=involvement.pk,
                data=_involvement_data(form.cleaned_data),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The involvement has been changed."))
            return redirect("families:overview", family_id=grant.family.pk)
    title = _("Change the involvement of %(organisation)s") % {
        "organisation": involvement.organisation.name
    }
    return _form_page(request, grant, form, title=title, name="involvement_change")


@login_required
@require_http_methods(["GET", "POST"])
def end_involvement(request, family_id: int, involvement_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    involvement = services.involvement_for_change(grant=grant, involvement_id=involvement_id)
    form = EndInvolvementForm(
        request.POST or None, initial={"end_date": timezone.localdate().isoformat()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.end_involvement(
                user=request.user,
                grant=grant,
                involvement_id=involvement.pk,
                end_date=form.cleaned_data["end_date"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The involvement has been ended."))
            return redirect("families:overview", family_id=grant.family.pk)
    title = _("End the involvement of %(organisation)s") % {
        "organisation": involvement.organisation.name
    }
    return _form_page(request, grant, form, title=title, name="involvement_end")


@login_required
@require_http_methods(["GET", "POST"])
def hand_over_coordination(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("coordinate")
    services.require_open(grant)
    form = HandOverForm(request.POST or None, candidates=services.successor_candidates(grant))
    if request.method == "POST" and form.is_valid():
        try:
            services.hand_over_coordination(
                user=request.user,
                grant=grant,
                successor_id=form.cleaned_data["successor"],
                last_day=form.cleaned_data["last_day"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The hand-over of the coordination is planned."))
            return redirect("families:overview", family_id=grant.family.pk)
    return _form_page(request, grant, form, title=_("Hand over the coordination"), name="hand_over")


@login_required
@require_http_methods(["GET", "POST"])
def change_family_details(request, family_id: int):
    grant = grant_for(request.user, family_id)
    grant.require("write")
    services.require_open(grant)
    family = grant.family
    form = FamilyDetailsForm(
        request.POST or None,
        initial={
            "name": family.name,
            "street": family.street,
            "house_number": family.house_number,
            "house_number_suffix": family.house_number_suffix,
            "postcode": family.postcode,
            "city": family.city,
            "municipality": family.municipality_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_family_details(
                user=request.user,
                grant=grant,
                data=services.FamilyData(
                    name=d["name"],
                    street=d["street"],
                    house_number=d["house_number"],
                    house_number_suffix=d["house_number_suffix"],
                    postcode=d["postcode"],
                    city=d["city"],
                    municipality=d["municipality"],
                ),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The family's details have been saved."))
            return redirect("families:overview", family_id=family.pk)
    return _form_page(
        request, grant, form, title=_("Change the family's details"), name="family_details"
    )


@login_required
@require_GET
def family_history(request, family_id: int):
    grant = grant_for(request.user, family_id)
    found = selectors.family_history(user=request.user, grant=grant)
    return render(
        request, "families/history.html", {"family": grant.family, "grant": grant, **found}
    )


@login_required
@require_POST
def cancel_hand_over(request, family_id: int):
    """The button next to the planned hand-over on the overview."""
    grant = grant_for(request.user, family_id)
    grant.require("coordinate")
    try:
        services.cancel_hand_over(user=request.user, grant=grant)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The hand-over of the coordination has been cancelled."))
    return redirect("families:overview", family_id=grant.family.pk)


@login_required
@require_http_methods(["GET", "POST"])
def file_status(request, family_id: int):
    """Close the file, or reopen it when it is closed: one page, as the file is one or
    the other."""
    grant = grant_for(request.user, family_id)
    grant.require("coordinate")
    closed = grant.family.is_closed
    form = FileStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = services.reopen_file if closed else services.close_file
        try:
            service(user=request.user, grant=grant, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The file has been reopened.") if closed else _("The file has been closed."),
            )
            return redirect("families:overview", family_id=grant.family.pk)
    title = _("Reopen the file") if closed else _("Close the file")
    return _form_page(request, grant, form, title=title, name="file_status")
