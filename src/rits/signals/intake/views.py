"""The upload page for a signal source's staff, and the delivery's progress.

The same path as the API and ``import_signals``: the file is stored as it came, then
processed in the background; the progress page polls (htmx) until it is done. Only staff
of a signal source's organisation (``SIGNAL_SOURCE_KINDS``) deliver signals; what they
see of a delivery is what its source may see (``selectors.Delivery``): how it was taken
in, never what became of its signals."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from rits.audit.services import Actor
from rits.signals import pipeline
from rits.signals.intake import selectors, services
from rits.signals.intake.forms import DeliveryFilterForm, UploadForm


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    professional = selectors.source_staff(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.max_upload_bytes():
            form.add_error("file", services.too_large_reason())
        else:
            try:
                batch = pipeline.receive_batch(
                    source=professional.organisation,
                    content=upload.chunks(),
                    file_name=upload.name,
                    fmt=_format_of(upload.name),
                    user=request.user,
                    actor=Actor.for_user(request.user),
                )
            except services.DeliveryRefused as exc:
                form.add_error("file", exc.reason)
            else:
                return redirect("signals:batch", batch_id=batch.pk)
    filters = DeliveryFilterForm(request.GET or None)
    deliveries = selectors.recent_deliveries(
        user=request.user,
        page=request.GET.get("page"),
        sort=request.GET.get("sort"),
        **filters.filters(),
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    keep["sort"] = deliveries.order.value
    return render(
        request,
        "signals/upload.html",
        {
            "form": form,
            "filters": filters,
            "organisation": professional.organisation,
            "page": deliveries.page,
            "batches": deliveries.page.object_list,
            "keep": keep,
            "headers": selectors.DELIVERIES_SORTING.headers(
                deliveries.order, keep, "received", "file", "status", "accepted", "rejected"
            ),
        },
    )


def _format_of(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    return None


@login_required
@require_GET
def batch(request, batch_id: int):
    delivery = selectors.delivery_for_staff(
        user=request.user, batch_id=batch_id, limit=200, page=request.GET.get("page") or 1
    )
    context = {"batch": delivery}
    if request.htmx:
        return render(request, "signals/_batch_progress.html", context)
    return render(request, "signals/batch.html", context)
