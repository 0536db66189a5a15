"""The inbox: the coordinator's own (``/inbox/``) and the team's (``/inbox/team/``), and
what can be done with a work item of any kind — acknowledge it, act on it (an agreement
in the family's plan, prefilled from the item: its kind may suggest what it says) or
dismiss it with a reason. The pages call the items alerts, as the coordinators do.

Thin: every read goes through ``rits.worklist.selectors`` (access and audit), every
write through ``rits.worklist.services``. What is particular to a kind (the details of
a line, the suggested agreement) comes from ``rits.worklist.kinds``: this module knows
no kind, only the plan an item's agreement goes into (``rits.plans``' public form and
services)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rits.core.forms import apply_errors
from rits.plans import selectors as plan_selectors
from rits.plans import services as plan_services
from rits.plans.models import AgreementKind
from rits.worklist import selectors, services
from rits.worklist.forms import ActForm, DismissForm, InboxFilterForm, ReopenForm
from rits.worklist.kinds import kind_for, kinds
from rits.worklist.selectors import WorkItemLine

STATUS_LABELS = {
    "active": gettext_lazy("To do"),
    "open": gettext_lazy("Open"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "acted_on": gettext_lazy("Acted on"),
    "dismissed": gettext_lazy("Dismissed"),
    "all": gettext_lazy("All"),
}


def _filters(request) -> InboxFilterForm:
    return InboxFilterForm(
        request.GET or None,
        statuses=[(value, STATUS_LABELS[value]) for value in selectors.STATUS_FILTERS],
        kinds=[(k.code, k.title) for k in kinds()],
        sorts=[(key, s.label) for key, s in selectors.INBOX_SORTING.keys.items()],
    )


def _read_inbox(request, selector, *, view: str):
    form = _filters(request)
    box = selector(
        user=request.user,
        status=form.value("status", "active"),
        kind=form.value("kind"),
        sort=form.value("sort") or None,
        page=request.GET.get("page") or 1,
    )
    keep = QueryDict(mutable=True)
    for name in ("status", "kind", "sort"):
        if form.value(name):
            keep[name] = form.value(name)
    return render(
        request,
        "worklist/inbox.html",
        {
            "inbox": box,
            "view": view,
            "form": form,
            "keep": keep,
            "statuses": [(value, STATUS_LABELS[value]) for value in selectors.STATUS_FILTERS],
            "back": view,
        },
    )


@login_required
@require_GET
def inbox(request):
    return _read_inbox(request, selectors.my_inbox, view="mine")


@login_required
@require_GET
def team_inbox(request):
    return _read_inbox(request, selectors.team_inbox, view="team")


def _back_url(back: str | None) -> str:
    return reverse("worklist:inbox-team" if back == "team" else "worklist:inbox")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_POST
def acknowledge(request, item_id: int):
    try:
        services.acknowledge(user=request.user, item_id=item_id)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The alert has been acknowledged."))
    return redirect(f"{_back_url(request.POST.get('back'))}#alert-{item_id}")


def _changeable(request, item_id: int) -> WorkItemLine:
    line = selectors.item_for_user(user=request.user, item_id=item_id)
    if not line.can_change:
        raise PermissionDenied(_("This alert is closed, or you can only read it."))
    return line


def suggested_action(line: WorkItemLine) -> str:
    """What the agreement could say: as the item's kind suggests it, or else a follow-up
    of the item."""
    suggest = kind_for(line.item.kind).suggest_action
    suggestion = suggest(line) if suggest is not None else ""
    return suggestion or _("Follow up the alert: %(title)s.") % {"title": line.title}


@login_required
@require_http_methods(["GET", "POST"])
def act(request, item_id: int):
    line = _changeable(request, item_id)
    editing = plan_selectors.plan_for_forms(
        user=request.user,
        family_id=line.family.pk,
        form="alert-act",
        lists_members=True,
        detail={"alert": item_id},
    )
    grant = editing.grant
    owners = plan_services.agreement_owner_choices(grant)
    me = f"professional:{grant.professional.pk}"
    kind = kind_for(line.item.kind)
    today = timezone.localdate()
    form = ActForm(
        request.POST if request.method == "POST" else None,
        revision=editing.plan.revision,
        initial={
            "action": suggested_action(line),
            "kind": AgreementKind.ARRANGE,
            "owner": me if any(key == me for _group, key, _name in owners) else "",
            "due_date": max(line.due_date, today),
            "domains": [d for d in kind.domains if d in grant.domains][:1],
        },
        owners=owners,
        domains=grant.domains,
        goals=editing.goals,
    )
    back = request.POST.get("back") or request.GET.get("back") or "mine"
    conflict = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.act_on(
                user=request.user,
                item_id=item_id,
                revision=d["revision"],
                data=form.agreement_data(),
                note=d["note"],
            )
        except plan_services.PlanConflict as exc:
            conflict = exc.messages[0]
            _grant, fresh = plan_selectors.plan_for_editing(
                user=request.user, family_id=line.family.pk
            )
            form.set_revision(fresh.revision)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("The agreement has been added to the plan and the alert is acted on.")
            )
            return redirect(_back_url(back))
    return render(
        request,
        "worklist/act.html",
        {
            "line": line,
            "form": form,
            "conflict": conflict,
            "back": back,
            "cancel_url": _back_url(back),
            "summary_template": kind.summary_template,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dismiss(request, item_id: int):
    line = _changeable(request, item_id)
    form = DismissForm(
        request.POST if request.method == "POST" else None,
        initial={"back": request.GET.get("back", "mine")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.dismiss(user=request.user, item_id=item_id, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The alert has been dismissed."))
            return redirect(_back_url(form.cleaned_data["back"]))
    back = form["back"].value()
    return render(
        request,
        "worklist/dismiss.html",
        {
            "line": line,
            "form": form,
            "cancel_url": _back_url(back),
            "summary_template": kind_for(line.item.kind).summary_template,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, item_id: int):
    line = selectors.item_for_user(user=request.user, item_id=item_id)
    if not line.can_reopen:
        raise PermissionDenied(_("This alert is open, or you can only read it."))
    form = ReopenForm(
        request.POST if request.method == "POST" else None,
        initial={"back": request.GET.get("back", "mine")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen(user=request.user, item_id=item_id, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The alert is open again."))
            return redirect(f"{_back_url(form.cleaned_data['back'])}#alert-{item_id}")
    return render(
        request,
        "worklist/reopen.html",
        {
            "line": line,
            "form": form,
            "cancel_url": _back_url(form["back"].value()),
            "summary_template": kind_for(line.item.kind).summary_template,
        },
    )
