from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rits.access import selectors, services
from rits.access.forms import EmergencyAccessForm, ReviewForm
from rits.components.dates import time_element


@login_required
def emergency_access(request):
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        granted = services.request_emergency_access(
            user=request.user, reason=d["reason"], bsn=d["bsn"], reference=d["reference"]
        )
        if granted is not None:
            # The end time as the reader's clock says it (TIME_ZONE, not the stored
            # UTC), in the date component's <time> element; the message framework
            # keeps the escaped, safe HTML.
            text = _("Emergency access until %(time)s. This access is logged and will be reviewed.")
            messages.warning(
                request,
                mark_safe(escape(text) % {"time": time_element(granted.expires_at, "time")}),  # noqa: S308
            )
            return redirect("families:overview", family_id=granted.family_id)
        form.add_error(
            None, _("No family was found with these details. Your attempt has been logged.")
        )
    return render(request, "access/emergency_access.html", {"form": form})


@login_required
def emergency_review_list(request):
    pending, done = selectors.emergency_review_list(user=request.user)
    return render(
        request, "access/review_list.html", {"pending": pending, "done": done, "form": ReviewForm()}
    )


@login_required
@require_POST
def emergency_review(request, pk: int):
    emergency = selectors.emergency_access_for_review(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        services.review_emergency_access(
            user=request.user,
            emergency=emergency,
            justified=form.cleaned_data["justified"] == "yes",
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Review recorded."))
    else:
        messages.error(request, _("Choose whether the access was justified."))
    return redirect("access:review-list")


@login_required
@require_GET
def access_log(request, family_id: int):
    log = selectors.family_access_log(
        user=request.user, family_id=family_id, page=request.GET.get("page")
    )
    return render(
        request,
        "access/access_log.html",
        {"family": log.grant.family, "grant": log.grant, "page": log.page},
    )
