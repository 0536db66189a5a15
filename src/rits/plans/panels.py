"""What the plans app contributes to shared pages (rits.components.registry): the plan
at a glance on the family page, and the reminders on "My families"."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.rules import request_grants
from rits.components.registry import (
    WorkCount,
    register_my_families_panel,
    register_my_work,
    register_panel,
)
from rits.plans import selectors


def _plan(*, grant, request, overview):
    # The members the family page read already: the summary needs no query for them.
    summary = selectors.plan_summary(grant=grant, members=overview.members)
    return {"plan": summary, "today": timezone.localdate()}


def _my_reminders(request):
    # "My work" counts them and the reminders panel lists them: one read per request.
    if not hasattr(request, "_rits_reminders"):
        request._rits_reminders = selectors.my_reminders(
            user=request.user, grants=request_grants(request)
        )
    return request._rits_reminders


def _reminders(*, request):
    reminders = _my_reminders(request)
    if not (reminders.overdue_agreements or reminders.reviews_due):
        return None
    return {"reminders": reminders}


def _my_work(*, request):
    reminders = _my_reminders(request)
    here = reverse("families:my-families") + "#reminders"
    return [
        WorkCount(_("Overdue agreements"), reminders.overdue_count, here),
        WorkCount(_("Plans due for review"), reminders.reviews_count, here),
    ]


def register() -> None:
    register_panel("plan", order=20, template="plans/panels/plan.html", context=_plan)
    register_my_families_panel(
        "reminders", order=10, template="plans/panels/reminders.html", context=_reminders
    )
    register_my_work("reminders", order=20, lines=_my_work)
