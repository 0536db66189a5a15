"""The notifications page: the list (paged), mark read, mark all read, and the choice of
e-mail. Thin: the services and selectors do the work; a person only reaches their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rits.notifications import selectors, services
from rits.notifications.forms import EmailChoiceForm


def _page_back(request):
    """Back to the page of the list the form was sent from."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_GET
def notification_list(request):
    form = EmailChoiceForm(initial={"email": selectors.email_choice(request.user)})
    return _render(request, form)


def _render(request, form, status=200):
    page = selectors.notifications_page(user=request.user, number=request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "form": form, "here": request.get_full_path()},
        status=status,
    )


@login_required
@require_POST
def mark_read(request, notification_id: int):
    services.mark_read(user=request.user, notification_id=notification_id)
    return _page_back(request)


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return _page_back(request)


@login_required
@require_POST
def email_choice(request):
    form = EmailChoiceForm(request.POST)
    if not form.is_valid():
        return _render(request, form, status=400)
    services.set_email_choice(user=request.user, email=form.cleaned_data["email"])
    messages.success(request, _("Your choice of e-mail is saved."))
    return redirect("notifications:list")
