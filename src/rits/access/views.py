import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rits.access import selectors, services
from rits.access.forms import (
    AccessLogFilterForm,
    EmergencyAccessForm,
    FindFamilyLogForm,
    ReviewForm,
)
from rits.access.rules import Ground
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
@require_GET
def privacy_workspace(request):
    """The privacy officer's start: find a family's access log by its reference, the
    emergency accesses to review, and the refused attempts (refused to anyone else)."""
    form = FindFamilyLogForm(request.GET if "reference" in request.GET else None)
    refusals = selectors.refused_attempts(user=request.user, page=request.GET.get("page"))
    if form.is_valid():
        family_id = selectors.family_id_for_log(
            user=request.user, reference=form.cleaned_data["reference"]
        )
        if family_id is not None:
            return redirect("access:access-log", family_id=family_id)
        form.add_error("reference", _("No family has this reference. Check it and try again."))
    return render(
        request,
        "access/privacy_workspace.html",
        {
            "form": form,
            "refusals": refusals,
            "pending_reviews": selectors.pending_review_count(user=request.user),
        },
    )


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


def _log_filters(request, grant):
    form = AccessLogFilterForm(
        request.GET if request.GET else None, kinds=selectors.access_log_kinds(grant)
    )
    return form, form.filters()


@login_required
@require_GET
def access_log(request, family_id: int):
    grant = selectors.access_log_grant_for(user=request.user, family_id=family_id)
    form, filters = _log_filters(request, grant)
    log = selectors.family_access_log(
        user=request.user,
        family_id=family_id,
        grant=grant,
        page=request.GET.get("page"),
        filters=filters,
        sort=request.GET.get("sort"),
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    keep["sort"] = log.order.value
    return render(
        request,
        "access/access_log.html",
        {
            "family": log.grant.family,
            "grant": log.grant,
            "page": log.page,
            "form": form,
            "keep": keep,
            "export_query": keep.urlencode(),
            "headers": selectors.ACCESS_LOG_SORTING.headers(
                log.order, keep, "when", "who", "organisation", _("What"), _("Ground")
            ),
            "can_export": log.grant.ground == Ground.PRIVACY_OFFICER,
        },
    )


@login_required
@require_GET
def access_log_export(request, family_id: int):
    grant = selectors.access_log_grant_for(user=request.user, family_id=family_id)
    _form, filters = _log_filters(request, grant)
    export = selectors.family_access_log_export(
        user=request.user, family_id=family_id, filters=filters, sort=request.GET.get("sort")
    )
    response = StreamingHttpResponse(_csv_rows(export), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="access-log-{export.grant.family.pk}.csv"'
    )
    return response


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value) -> str:
    # A cell a spreadsheet would take for a formula is written as text.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(export):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that a spreadsheet reads the file as UTF-8
    yield writer.writerow(
        [_("When"), _("Who"), _("On behalf of"), _("Role"), _("What"), _("Ground")]
    )
    for line in export.lines:
        yield writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    timezone.localtime(line.occurred_at).isoformat(timespec="seconds"),
                    line.who,
                    line.organisation,
                    line.role,
                    line.what,
                    line.ground,
                )
            ]
        )
    if export.total > len(export.lines):
        yield writer.writerow(
            [
                _(
                    "Only the first %(shown)d of %(total)d lines: narrow the filters to "
                    "export the rest."
                )
                % {"shown": len(export.lines), "total": export.total}
            ]
        )
