"""What the plans app contributes to shared pages (rits.components.registry): the plan
at a glance on the family page, and the reminders on "My families"."""

from django.utils import timezone

from rits.components.registry import register_my_families_panel, register_panel
from rits.plans import selectors


def _plan(*, grant, request, overview):
    # The members the family page read already: the summary needs no query for them.
    summary = selectors.plan_summary(grant=grant, members=overview.members)
    return {"plan": summary, "today": timezone.localdate()}


def _reminders(*, request):
    reminders = selectors.my_reminders(user=request.user)
    if not (reminders.overdue_agreements or reminders.reviews_due):
        return None
    return {"reminders": reminders}


def register() -> None:
    register_panel("plan", order=20, template="plans/panels/plan.html", context=_plan)
    register_my_families_panel(
        "reminders", order=10, template="plans/panels/reminders.html", context=_reminders
    )
