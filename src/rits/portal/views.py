"""The family's pages under ``/mijn/``: plain language, the family's own words first.

Every page is for a citizen (a family member or a network member): nobody logged in is
sent to the portal's login, and a professional's login finds no portal (404). What each
may see is decided by ``rits.access`` through ``rits.portal.selectors``; not allowed is
not found (404)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rits.plans.models import COMMENT_MAX_LENGTH
from rits.plans.services import PlanConflict
from rits.portal import forms, selectors, services
from rits.portal.auth_views import citizen_required


def _page(request, template: str, grant, **context):
    context.update(grant=grant, family=grant.family, is_network=selectors.is_network(grant))
    if template == "portal/plan.html":
        context.update(
            new_goal_form=forms.GoalForm(),
            new_strength_form=forms.StrengthForm(),
            comment_max=COMMENT_MAX_LENGTH,
        )
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


# --- what the family does itself (issue 13) -------------------------------------------
# Each write answers with a redirect to the page it came from (and a message); a form
# with an error is the plan page again, the input kept, the error next to its field.
# Someone else's plan (or none at all) is not found, also for a professional's login
# (``citizen_required``).


def citizen_writes(view):
    """A write of the portal (``citizen_required``). What the reader may see but not do
    (a child of 14 agreeing, a friend writing a goal) is a portal page that says why,
    with the way back, not the professionals' 403 page."""

    @citizen_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as refused:
            context = {"reason": " ".join(str(m) for m in refused.args) or "", **kwargs}
            return render(request, "portal/refused.html", context, status=403)

    return wrapper


def _messages_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            name: [str(m) for e in errors for m in e] for name, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _with_errors(form, exc: ValidationError):
    for name, texts in _messages_of(exc).items():
        for message in texts:
            form.add_error(name if name in form.fields else None, message)
    return form


def _plan_again(request, family_id: int, *, status: int = 400, **forms):
    page = selectors.family_plan(user=request.user, family_id=family_id)
    response = _page(request, "portal/plan.html", page.grant, page=page, **forms)
    response.status_code = status
    return response


def _status_of(exc: ValidationError) -> int:
    return 409 if isinstance(exc, PlanConflict) else 400


def _done(request, family_id: int, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("portal:plan", kwargs={"family_id": family_id}) + anchor)


@require_POST
@citizen_writes
def agree(request, family_id: int):
    form = forms.AgreeForm(request.POST)
    form.is_valid()
    try:
        services.agree_online(
            user=request.user,
            family_id=family_id,
            revision=form.cleaned_data.get("revision"),
            version_number=form.cleaned_data.get("version"),
        )
    except ValidationError as exc:
        return _plan_again(
            request, family_id, status=_status_of(exc), agree_form=_with_errors(form, exc)
        )
    return _done(request, family_id, _("Thank you. You agreed with the plan."))


@require_POST
@citizen_writes
def agreement_done(request, family_id: int, agreement_id: int):
    form = forms.DoneForm(request.POST)
    form.is_valid()
    try:
        services.mark_agreement_done(
            user=request.user,
            family_id=family_id,
            agreement_id=agreement_id,
            revision=form.cleaned_data.get("revision"),
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as exc:
        return _plan_again(
            request,
            family_id,
            status=_status_of(exc),
            done_form=_with_errors(form, exc),
            form_for=agreement_id,
        )
    return _done(
        request, family_id, _("Done. Your coordinator sees it."), f"#agreement-{agreement_id}"
    )


@require_POST
@citizen_writes
def agreement_comment(request, family_id: int, agreement_id: int):
    form = forms.CommentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.comment_on_agreement(
            user=request.user,
            family_id=family_id,
            agreement_id=agreement_id,
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        if form.is_bound and not form.errors:
            _with_errors(form, exc)
        return _plan_again(request, family_id, comment_form=form, form_for=agreement_id)
    return _done(
        request,
        family_id,
        _("Your comment is saved. Your coordinator reads it."),
        f"#agreement-{agreement_id}",
    )


def _own_words(request, family_id: int, form_class, service, context_name: str, saved: str):
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        service(
            user=request.user,
            family_id=family_id,
            revision=form.cleaned_data.get("revision"),
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        if not form.errors:
            _with_errors(form, exc)
        return _plan_again(request, family_id, status=_status_of(exc), **{context_name: form})
    return _done(request, family_id, saved)


@require_POST
@citizen_writes
def add_goal(request, family_id: int):
    return _own_words(
        request,
        family_id,
        forms.GoalForm,
        services.add_goal,
        "goal_form",
        _("Your goal is in the plan. Your coordinator sees it."),
    )


@require_POST
@citizen_writes
def add_strength(request, family_id: int):
    return _own_words(
        request,
        family_id,
        forms.StrengthForm,
        services.add_strength,
        "strength_form",
        _("Thank you. What is working well is in the plan."),
    )


@require_http_methods(["GET", "POST"])
@citizen_writes
def network(request, family_id: int):
    """Who is in the family's network and how to reach them; a parent or an adult adds
    someone here."""
    form = forms.NetworkMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            services.add_network_member(
                user=request.user, family_id=family_id, data=form.cleaned_data
            )
        except ValidationError as exc:
            if not form.errors:
                _with_errors(form, exc)
        else:
            messages.success(request, _("Added to your network. Your coordinator sees it."))
            return redirect("portal:network", family_id=family_id)
    page = selectors.family_network(user=request.user, family_id=family_id)
    response = _page(request, "portal/network.html", page.grant, page=page, form=form)
    if form.errors:
        response.status_code = 400
    return response


@require_http_methods(["GET", "POST"])
@citizen_writes
def network_member(request, family_id: int, network_member_id: int):
    """Change the details of someone in the network (how to reach them)."""
    grant, member, may_change = selectors.network_member(
        user=request.user, family_id=family_id, member_id=network_member_id
    )
    if request.method == "POST":
        form = forms.NetworkMemberForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            services.change_network_member(
                user=request.user,
                family_id=family_id,
                member_id=network_member_id,
                data=form.cleaned_data,
            )
        except ValidationError as exc:
            if not form.errors:
                _with_errors(form, exc)
        else:
            messages.success(request, _("Saved. Your coordinator sees it."))
            return redirect("portal:network", family_id=family_id)
    else:
        form = forms.NetworkMemberForm(
            initial={f: getattr(member, f) for f in forms.NetworkMemberForm.base_fields}
        )
    response = _page(
        request,
        "portal/network_member.html",
        grant,
        member=member,
        form=form,
        may_change=may_change,
    )
    if form.errors:
        response.status_code = 400
    return response
