"""Thin views of the plan: parse, call a selector or service, render.

Every form carries the plan revision it was loaded with. When someone else changed the
plan meanwhile, the service raises ``PlanConflict``: the form comes back with everything
the user typed, a message on top and the current revision, so that saving again works."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rits.access.rules import grant_for
from rits.core.domains import LifeDomain
from rits.core.forms import apply_errors
from rits.core.history import UNDO_WINDOW
from rits.families.models import ADULT_ROLES
from rits.plans import forms, selectors, services
from rits.plans.models import Perspective, SafetyKind
from rits.plans.scale import assessed_domains
from rits.plans.selectors import PlanEditing


def _plan_url(family_id: int, anchor: str = "") -> str:
    url = reverse("plans:plan", args=[family_id])
    return f"{url}#{anchor}" if anchor else url


def _writable(grant) -> bool:
    return grant.allows("write")


PERSPECTIVE_HEADINGS = {
    Perspective.FAMILY: gettext_lazy("The family"),
    Perspective.PROFESSIONAL: gettext_lazy("Professionals"),
    Perspective.NETWORK: gettext_lazy("The network"),
}


@login_required
@require_GET
def plan_page(request, family_id: int):
    page = selectors.plan_page(user=request.user, family_id=family_id)
    grant = page.grant
    agreements = [a for g in page.goals for a in g.agreements] + page.loose_agreements
    # Just removed a part of the plan: the page offers the undo (once).
    undo = request.session.pop("rits_plan_undo", None)
    if undo and undo.get("family") == grant.family.pk and undo.get("kind") in PART_WRITES:
        undo["url"] = reverse(
            f"plans:undo-{undo['kind']}-removal", args=[grant.family.pk, undo["id"]]
        )
    else:
        undo = None
    # A closed file takes no new or changed plan parts (services.require_open): no links
    # that would lead to a refusal.
    writes = _writable(grant) and not grant.family.is_closed
    for g in page.goals:  # who may change or remove a goal: all its life domains
        g.goal.writable = writes and set(g.goal.domains) <= set(grant.domains)
    context = {
        "undo": undo,
        "writes_safety": writes and LifeDomain.SAFETY in grant.domains,
        "writes_crisis": writes and grant.allows("coordinate"),
        "page": page,
        "family": grant.family,
        "can_write": writes,
        "changeable": {
            a.pk for a in agreements if writes and services.may_change_agreement(grant, a)
        },
        "version_numbers": [v.number for v in page.versions],
        "score_groups": [
            (label, [s for s in page.safety_scores if s.perspective == perspective])
            for perspective, label in PERSPECTIVE_HEADINGS.items()
        ],
        "stale_days": settings.PLAN_ASSESSMENT_STALE_DAYS,
        "safety_kinds": {
            "worry": SafetyKind.HARM,
            "working_well": SafetyKind.WORKING_WELL,
            "need": SafetyKind.SAFETY_GOAL,
        },
    }
    return render(request, "plans/plan.html", context)


# --- forms ----------------------------------------------------------------------------


def _plan_form(
    request,
    editing: PlanEditing,
    form: forms.PlanForm,
    save: Callable[[dict], object],
    *,
    title: str,
    anchor: str,
    success: str,
    template: str = "plans/plan_form.html",
    context: dict | None = None,
):
    """Show ``form``; on a valid POST call ``save`` with the cleaned data (it calls one
    service) and go back to the plan."""
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except services.PlanConflict as exc:
            conflict = exc.messages[0]
            _grant, fresh = selectors.plan_for_editing(
                user=request.user, family_id=editing.grant.family.pk
            )
            form.set_revision(fresh.revision)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_plan_url(editing.grant.family.pk, anchor))
    return render(
        request,
        template,
        {
            "form": form,
            "family": editing.grant.family,
            "title": title,
            "conflict": conflict,
            "cancel_url": _plan_url(editing.grant.family.pk, anchor),
            **(context or {}),
        },
    )


def _editing(request, family_id, *, form: str, needs: str = "", **audit) -> PlanEditing:
    """The plan for the form ``form`` (read and audited by the selector). The services
    decide what may be saved; this refuses a form its reader could never save up front:
    ``needs`` is "coordinator", "safety" (the safety domain) or "domain" (any life
    domain)."""
    editing = selectors.plan_for_forms(user=request.user, family_id=family_id, form=form, **audit)
    grant = editing.grant
    grant.require("write")
    if needs == "coordinator" and not grant.allows("coordinate"):
        raise PermissionDenied(_("Only the family's coordinator can change this part of the plan."))
    if needs == "safety" and not grant.sees_domain(LifeDomain.SAFETY):
        raise PermissionDenied(
            _("Your involvement does not cover this life domain, so you cannot change it.")
        )
    if needs == "domain" and not grant.domains:
        raise PermissionDenied(_("Your involvement does not cover any life domain of the plan."))
    return editing


def _data(request):
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def assess_domain(request, family_id: int):
    editing = _editing(request, family_id, form="assess", needs="domain", lists_members=True)
    grant = editing.grant
    writable = [d for d in assessed_domains() if d in grant.domains]
    if not writable:
        raise PermissionDenied(_("Your involvement does not cover any life domain of the plan."))
    domain = request.GET.get("domain")
    form = forms.AssessmentForm(
        _data(request),
        revision=editing.plan.revision,
        initial={"domain": domain} if domain in writable else {},
        domains=writable,
        members=editing.members,
    )

    def save(d):
        services.assess_domain(
            user=request.user,
            grant=grant,
            revision=d["revision"],
            domain=d["domain"],
            score=d["score"],
            explanation=d["explanation"],
            person_id=int(d["person"]) if d["person"] else None,
            assessed_on=d["assessed_on"],
        )

    chosen = form["domain"].value() or ""
    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Assess a life domain"),
        anchor=f"domain-{chosen}" if chosen in writable else "domains",
        success=_("The assessment has been saved."),
        template="plans/assess_form.html",
    )


SAFETY_TITLES = {
    SafetyKind.HARM: gettext_lazy("Add a worry"),
    SafetyKind.DANGER: gettext_lazy("Add a worry"),
    SafetyKind.COMPLICATING: gettext_lazy("Add a worry"),
    SafetyKind.WORKING_WELL: gettext_lazy("Add what is working well"),
    SafetyKind.SAFETY_GOAL: gettext_lazy("Add what needs to happen"),
    SafetyKind.NEXT_STEP: gettext_lazy("Add what needs to happen"),
}


@login_required
@require_http_methods(["GET", "POST"])
def add_safety_item(request, family_id: int):
    editing = _editing(request, family_id, form="add-safety-item", needs="safety")
    kind = request.GET.get("kind")
    form = forms.SafetyItemForm(
        _data(request),
        revision=editing.plan.revision,
        initial={"kind": kind} if kind in SafetyKind.values else {},
    )

    def save(d):
        services.add_safety_item(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            kind=d["kind"],
            text=d["text"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=str(SAFETY_TITLES.get(kind, _("Add to the safety mapping"))),
        anchor="safety",
        success=_("Added to the safety mapping."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_safety_score(request, family_id: int):
    editing = _editing(request, family_id, form="add-safety-score", needs="safety")
    form = forms.SafetyScoreForm(_data(request), revision=editing.plan.revision)

    def save(d):
        services.record_safety_score(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            perspective=d["perspective"],
            name=d["name"],
            score=d["score"],
            explanation=d["explanation"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Record a safety score"),
        anchor="safety-scores",
        success=_("The safety score has been saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_goal(request, family_id: int):
    editing = _editing(request, family_id, form="add-goal", needs="domain")
    form = forms.GoalForm(
        _data(request), revision=editing.plan.revision, domains=editing.grant.domains
    )

    def save(d):
        services.add_goal(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            text=d["text"],
            said_by=d["said_by"],
            domains=d["domains"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Add a goal in the family's own words"),
        anchor="goals",
        success=_("The goal has been added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_agreement(request, family_id: int):
    editing = _editing(request, family_id, form="add-agreement", needs="domain", lists_members=True)
    goal = request.GET.get("goal", "")
    goals = editing.goals
    form = forms.AgreementForm(
        _data(request),
        revision=editing.plan.revision,
        initial={"goal": goal} if goal in {str(g.pk) for g in goals} else {},
        owners=services.agreement_owner_choices(editing.grant),
        domains=editing.grant.domains,
        goals=goals,
    )

    def save(d):
        services.add_agreement(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            data=form.agreement_data(),
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Add an agreement"),
        anchor="agreements",
        success=_("The agreement has been added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_agreement(request, family_id: int, agreement_id: int):
    editing = _editing(
        request,
        family_id,
        form="change-agreement",
        lists_members=True,
        detail={"agreement": agreement_id},
    )
    grant = editing.grant
    agreement = selectors.agreement_for_editing(grant=grant, agreement_id=agreement_id)
    if not services.may_change_agreement(grant, agreement):
        raise PermissionDenied(_("You cannot change this agreement."))
    form = forms.AgreementChangeForm(
        _data(request),
        revision=editing.plan.revision,
        initial={
            "action": agreement.action,
            "kind": agreement.kind,
            "owner": agreement.owner_key,
            "due_date": agreement.due_date,
            "domains": agreement.domains,
            "goal": agreement.goal_id,
            "status": agreement.status,
            "status_note": agreement.status_note,
        },
        owners=services.agreement_owner_choices(grant),
        current_owner=(
            agreement.owner_key,
            selectors.owner_name_for(agreement, selectors.shown_owner_ids(grant)),
        ),
        # Its own life domains and goal stay choosable, so that saving never drops one.
        domains=grant.domains | set(agreement.domains),
        goals=editing.goals,
        hidden_goal_id=(
            agreement.goal_id
            if agreement.goal_id and agreement.goal_id not in {g.pk for g in editing.goals}
            else None
        ),
    )

    def save(d):
        services.update_agreement(
            user=request.user,
            grant=grant,
            revision=d["revision"],
            agreement_id=agreement.pk,
            data=form.agreement_data(status=d["status"], status_note=d["status_note"]),
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Change an agreement"),
        anchor=f"agreement-{agreement.pk}",
        success=_("The agreement has been changed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_crisis_contact(request, family_id: int):
    editing = _editing(request, family_id, form="add-crisis-contact", needs="coordinator")
    form = forms.CrisisContactForm(
        _data(request),
        revision=editing.plan.revision,
        network=services.crisis_network_choices(editing.grant),
    )

    def save(d):
        services.add_crisis_contact(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            name=d["name"],
            relation=d["relation"],
            phone=d["phone"],
            availability=d["availability"],
            is_trusted_person=d["is_trusted_person"],
            network_member_id=d["network_member"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Add a crisis contact"),
        anchor="crisis",
        success=_("The crisis contact has been added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_details(request, family_id: int):
    editing = _editing(request, family_id, form="details", needs="coordinator")
    plan = editing.plan
    form = forms.PlanDetailsForm(
        _data(request),
        revision=plan.revision,
        initial={
            "review_date": plan.review_date,
            "family_group_plan_status": plan.family_group_plan_status,
            "family_group_plan_date": plan.family_group_plan_date,
            "family_group_plan_text": plan.family_group_plan_text,
        },
    )

    def save(d):
        services.update_plan_details(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            review_date=d["review_date"],
            family_group_plan_status=d["family_group_plan_status"],
            family_group_plan_date=d["family_group_plan_date"],
            family_group_plan_text=d["family_group_plan_text"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Review date and family group plan"),
        anchor="family-group-plan",
        success=_("The plan details have been saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_family_agreement(request, family_id: int, number: int):
    editing = _editing(
        request,
        family_id,
        form="agree",
        needs="coordinator",
        lists_members=True,
        detail={"number": number},
    )
    version = next((v for v in editing.versions if v.number == number), None)
    if version is None:
        raise Http404(_("This plan has no version %(n)s.") % {"n": number})
    form = forms.FamilyAgreementForm(
        _data(request),
        revision=editing.plan.revision,
        names=[m.person.full_name for m in editing.members if m.role in ADULT_ROLES],
    )

    def save(d):
        services.record_family_agreement(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            version_number=version.number,
            agreed_by=form.agreed_by,
            method=d["method"],
            interpreter_language=d["interpreter_language"],
            note=d["note"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("The family agrees with version %(n)d") % {"n": version.number},
        anchor="versions",
        success=_("The family's agreement with version %(n)d has been recorded.")
        % {"n": version.number},
        template="plans/family_agreement_form.html",
        context={"version": version, "current": editing.versions[0]},
    )


@login_required
@require_GET
def compare_versions(request, family_id: int):
    editing = selectors.plan_for_forms(user=request.user, family_id=family_id, form="compare")
    numbers = [v.number for v in editing.versions]
    initial = {"older": numbers[1], "newer": numbers[0]} if len(numbers) > 1 else {}
    form = forms.CompareForm(request.GET or None, initial=initial, numbers=numbers)
    comparison = None
    if len(numbers) > 1:
        older = newer = None
        if not form.is_bound:
            older, newer = initial["older"], initial["newer"]
        elif form.is_valid():
            older, newer = form.cleaned_data["older"], form.cleaned_data["newer"]
        if older is not None and older == newer:
            form.add_error(None, _("Choose two different versions."))
        elif older is not None:
            comparison = selectors.compare_versions(
                user=request.user, family_id=family_id, older=older, newer=newer
            )
    return render(
        request,
        "plans/compare.html",
        {
            "form": form,
            "family": editing.grant.family,
            "comparison": comparison,
            "numbers": numbers,
        },
    )


# --- changing, removing and undoing the plan's parts (issue 11) ------------------------
#
# Each change form is the part's adding form, filled in; a removal asks first and can be
# undone (once from the plan page, "Removed. Undo", and under 'Recently removed' within
# ``UNDO_WINDOW``); each part has its history. Every write carries the plan revision.

# kind -> who may write it (``_editing``'s ``needs``), its anchor on the plan page and
# the services that remove it and put it back (with the name of their id argument)
PART_WRITES = {
    "goal": ("domain", "goals", "goal_id", services.remove_goal, services.undo_goal_removal),
    "safety-item": (
        "safety",
        "safety",
        "item_id",
        services.remove_safety_item,
        services.undo_safety_item_removal,
    ),
    "safety-score": (
        "safety",
        "safety-scores",
        "score_id",
        services.remove_safety_score,
        services.undo_safety_score_removal,
    ),
    "crisis-contact": (
        "coordinator",
        "crisis",
        "contact_id",
        services.remove_crisis_contact,
        services.undo_crisis_contact_removal,
    ),
}


def _change_part(request, family_id, kind: str, part_id):
    needs, anchor, _arg, _remove, _undo = PART_WRITES[kind]
    editing = _editing(
        request, family_id, form=f"change-{kind}", needs=needs, detail={kind: part_id}
    )
    part = selectors.part_for_change(grant=editing.grant, kind=kind, part_id=part_id)
    return editing, part, anchor


@login_required
@require_http_methods(["GET", "POST"])
def change_goal(request, family_id: int, goal_id: int):
    editing, goal, _anchor = _change_part(request, family_id, "goal", goal_id)
    grant = editing.grant
    form = forms.GoalForm(
        _data(request),
        revision=editing.plan.revision,
        initial={"text": goal.text, "said_by": goal.said_by, "domains": goal.domains},
        # its own life domains stay choosable, so that saving never drops one
        domains=grant.domains | set(goal.domains),
    )

    def save(d):
        services.update_goal(
            user=request.user,
            grant=grant,
            revision=d["revision"],
            goal_id=goal.pk,
            text=d["text"],
            said_by=d["said_by"],
            domains=d["domains"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Change a goal"),
        anchor=f"goal-{goal.pk}",
        success=_("The goal has been changed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_safety_item(request, family_id: int, safety_item_id: int):
    editing, item, anchor = _change_part(request, family_id, "safety-item", safety_item_id)
    form = forms.SafetyItemForm(
        _data(request),
        revision=editing.plan.revision,
        initial={"kind": item.kind, "text": item.text},
    )

    def save(d):
        services.update_safety_item(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            item_id=item.pk,
            kind=d["kind"],
            text=d["text"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Change a line of the safety mapping"),
        anchor=anchor,
        success=_("The line has been changed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_safety_score(request, family_id: int, safety_score_id: int):
    editing, entry, anchor = _change_part(request, family_id, "safety-score", safety_score_id)
    form = forms.SafetyScoreForm(
        _data(request),
        revision=editing.plan.revision,
        initial={
            "perspective": entry.perspective,
            "name": entry.name,
            "score": entry.score,
            "explanation": entry.explanation,
        },
    )

    def save(d):
        services.update_safety_score(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            score_id=entry.pk,
            perspective=d["perspective"],
            name=d["name"],
            score=d["score"],
            explanation=d["explanation"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Correct a safety score"),
        anchor=anchor,
        success=_("The safety score has been corrected."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_crisis_contact(request, family_id: int, crisis_contact_id: int):
    editing, contact, anchor = _change_part(request, family_id, "crisis-contact", crisis_contact_id)
    form = forms.CrisisContactForm(
        _data(request),
        revision=editing.plan.revision,
        initial={
            "name": contact.name,
            "relation": contact.relation,
            "phone": contact.phone,
            "availability": contact.availability,
            "is_trusted_person": contact.is_trusted_person,
            "network_member": contact.network_member_id,
        },
        network=services.crisis_network_choices(editing.grant),
    )

    def save(d):
        services.update_crisis_contact(
            user=request.user,
            grant=editing.grant,
            revision=d["revision"],
            contact_id=contact.pk,
            name=d["name"],
            relation=d["relation"],
            phone=d["phone"],
            availability=d["availability"],
            is_trusted_person=d["is_trusted_person"],
            network_member_id=d["network_member"],
        )

    return _plan_form(
        request,
        editing,
        form,
        save,
        title=_("Change a crisis contact"),
        anchor=anchor,
        success=_("The crisis contact has been changed."),
    )


def _remove_part(request, family_id, kind: str, part_id):
    """Ask, then remove; the plan page offers the undo once."""
    needs, anchor, arg, remove, _undo = PART_WRITES[kind]
    editing = _editing(
        request, family_id, form=f"remove-{kind}", needs=needs, detail={kind: part_id}
    )
    grant = editing.grant
    part = selectors.part_for_change(grant=grant, kind=kind, part_id=part_id)
    name = selectors.part_name(part)
    form = forms.PlanForm(_data(request), revision=editing.plan.revision)
    conflict = error = ""
    if request.method == "POST" and form.is_valid():
        try:
            remove(
                user=request.user,
                grant=grant,
                revision=form.cleaned_data["revision"],
                **{arg: part.pk},
            )
        except services.PlanConflict as exc:
            conflict = exc.messages[0]
            _grant, fresh = selectors.plan_for_editing(user=request.user, family_id=family_id)
            form.set_revision(fresh.revision)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Removed. You can undo this under 'Recently removed' of the plan."),
            )
            request.session["rits_plan_undo"] = {
                "kind": kind,
                "id": part.pk,
                "family": grant.family.pk,
                "name": name,
            }
            return redirect(_plan_url(grant.family.pk, anchor))
    return render(
        request,
        "plans/confirm_remove.html",
        {
            "family": grant.family,
            "form": form,
            "name": name,
            "conflict": conflict,
            "error": error,
            "undo_days": UNDO_WINDOW.days,
            "cancel_url": _plan_url(grant.family.pk, anchor),
        },
        status=400 if error else 200,
    )


def _undo_part(request, family_id, kind: str, part_id):
    _needs, anchor, arg, _remove, undo = PART_WRITES[kind]
    grant = grant_for(request.user, family_id)
    grant.require("write")
    form = forms.PlanForm(request.POST)
    revision = form.cleaned_data["revision"] if form.is_valid() else None
    try:
        undo(user=request.user, grant=grant, revision=revision, **{arg: part_id})
    except services.PlanConflict as exc:
        messages.error(request, exc.messages[0])
        return redirect("plans:removed", family_id=grant.family.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plans:removed", family_id=grant.family.pk)
    messages.success(request, _("The removal has been undone."))
    return redirect(_plan_url(grant.family.pk, anchor))


def _part_history(request, family_id, kind: str, part_id):
    found = selectors.part_history(
        user=request.user, family_id=family_id, kind=kind, part_id=part_id
    )
    grant = found["grant"]
    return render(request, "plans/history.html", {"family": grant.family, **found})


@login_required
@require_http_methods(["GET", "POST"])
def remove_goal(request, family_id: int, goal_id: int):
    return _remove_part(request, family_id, "goal", goal_id)


@login_required
@require_POST
def undo_goal_removal(request, family_id: int, goal_id: int):
    return _undo_part(request, family_id, "goal", goal_id)


@login_required
@require_GET
def goal_history(request, family_id: int, goal_id: int):
    return _part_history(request, family_id, "goal", goal_id)


@login_required
@require_http_methods(["GET", "POST"])
def remove_safety_item(request, family_id: int, safety_item_id: int):
    return _remove_part(request, family_id, "safety-item", safety_item_id)


@login_required
@require_POST
def undo_safety_item_removal(request, family_id: int, safety_item_id: int):
    return _undo_part(request, family_id, "safety-item", safety_item_id)


@login_required
@require_GET
def safety_item_history(request, family_id: int, safety_item_id: int):
    return _part_history(request, family_id, "safety-item", safety_item_id)


@login_required
@require_http_methods(["GET", "POST"])
def remove_safety_score(request, family_id: int, safety_score_id: int):
    return _remove_part(request, family_id, "safety-score", safety_score_id)


@login_required
@require_POST
def undo_safety_score_removal(request, family_id: int, safety_score_id: int):
    return _undo_part(request, family_id, "safety-score", safety_score_id)


@login_required
@require_GET
def safety_score_history(request, family_id: int, safety_score_id: int):
    return _part_history(request, family_id, "safety-score", safety_score_id)


@login_required
@require_http_methods(["GET", "POST"])
def remove_crisis_contact(request, family_id: int, crisis_contact_id: int):
    return _remove_part(request, family_id, "crisis-contact", crisis_contact_id)


@login_required
@require_POST
def undo_crisis_contact_removal(request, family_id: int, crisis_contact_id: int):
    return _undo_part(request, family_id, "crisis-contact", crisis_contact_id)


@login_required
@require_GET
def crisis_contact_history(request, family_id: int, crisis_contact_id: int):
    return _part_history(request, family_id, "crisis-contact", crisis_contact_id)


@login_required
@require_GET
def agreement_history(request, family_id: int, agreement_id: int):
    return _part_history(request, family_id, "agreement", agreement_id)


@login_required
@require_GET
def recently_removed(request, family_id: int):
    found = selectors.removed_from_plan(user=request.user, family_id=family_id)
    grant = found["grant"]
    return render(
        request,
        "plans/removed.html",
        {
            "family": grant.family,
            "grant": grant,
            "can_write": _writable(grant),
            "revision": found["plan"].revision,
            "removed": [
                (r, reverse(f"plans:undo-{r.kind}-removal", args=[grant.family.pk, r.object_id]))
                for r in found["removed"]
            ],
            "undo_days": UNDO_WINDOW.days,
        },
    )


@login_required
@require_POST
def comment_on_agreement(request, family_id: int, agreement_id: int):
    """A professional's comment under an agreement (an answer to the family, say)."""
    grant = grant_for(request.user, family_id)
    try:
        services.comment_on_agreement(
            user=request.user,
            grant=grant,
            agreement_id=agreement_id,
            text=request.POST.get("text", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your comment is saved."))
    return redirect(_plan_url(grant.family.pk, f"agreement-{agreement_id}"))
