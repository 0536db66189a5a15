"""The review queue of linking: possible links for the coordinator of the candidate's
family to decide (``/signals/review/``). The alert inbox is the worklist's (``rits.worklist.views``).

Thin: every read goes through ``rits.signals.linking.review`` (access and audit), every write
through its ``decide_review`` and ``reopen_review``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from rits.core.forms import apply_errors
from rits.signals.linking import review
from rits.signals.linking.forms import ReviewDecisionForm, ReviewFilterForm, ReviewReopenForm

DONE_MESSAGES = {
    review.Decision.CONFIRM: _("Linked: the signal now belongs to this family."),
    review.Decision.REJECT: _("Noted: the signal is not about this person."),
    review.Decision.NEW_PERSON: _(
        "Noted: the signal is about someone not known yet. It is not linked to this family."
    ),
}


@login_required
@require_GET
def review_list(request):
    form = ReviewFilterForm(request.GET or None)
    queue = review.open_reviews(
        user=request.user,
        page=request.GET.get("page"),
        sort=request.GET.get("sort"),
        **form.filters(),
    )
    keep = request.GET.copy()
    keep.pop("page", None)
    keep["sort"] = queue.order.value
    headers = review.REVIEW_SORTING.headers(
        queue.order,
        keep,
        gettext("Signal"),
        "date",
        gettext("From"),
        gettext("Possibly about"),
        "family",
        "match",
        gettext("Review"),
    )
    return render(
        request,
        "signals/review_list.html",
        {
            "lines": queue.page.object_list,
            "page": queue.page,
            "form": form,
            "keep": keep,
            "headers": headers,
            "filtered": bool(set(form.filters()) - {"state"}),
            "decided": form.filters().get("state") == review.ReviewState.DECIDED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, review_id: int):
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            review.decide_review(user=request.user, review_id=review_id, decision=decision)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("signals:review-detail", review_id=review_id)
        messages.success(request, DONE_MESSAGES[decision])
        return redirect("signals:review")
    page = review.review_page(user=request.user, review_id=review_id)
    return render(
        request,
        "signals/review_detail.html",
        {"page": page, "form": form, "reopen_form": ReviewReopenForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_reopen(request, review_id: int):
    """Take back a decision: the review's page with the reasoned reopen form."""
    page = review.review_page(user=request.user, review_id=review_id)
    page.grant.require("write")
    reopen_form = ReviewReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and reopen_form.is_valid():
        try:
            review.reopen_review(
                user=request.user,
                review_id=review_id,
                reason=reopen_form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Not about the reason (open already, or cannot be taken back): say so
                # on the review's page.
                messages.error(request, " ".join(exc.messages))
                return redirect("signals:review-detail", review_id=review_id)
            apply_errors(reopen_form, exc)
        else:
            messages.success(
                request,
                gettext("The decision is taken back: the possible link is open to review again."),
            )
            return redirect("signals:review-detail", review_id=review_id)
    return render(
        request,
        "signals/review_detail.html",
        {"page": page, "form": ReviewDecisionForm(), "reopen_form": reopen_form},
    )
