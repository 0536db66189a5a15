"""The open-items panel of the family page (registered in ``WorklistConfig.ready``): the
family's open work items of every kind that the reader may see."""

from django.urls import reverse
from django.utils.translation import gettext as _

from rits.access.rules import request_grants
from rits.components.registry import WorkCount
from rits.worklist import selectors


def open_items(*, grant, request, overview):
    """The family's open items the reader may see; no panel when there are none."""
    lines = selectors.open_items_of_family(grant=grant)
    return {"alerts": lines} if lines else None


def my_work(*, request):
    """The "My work" line of the start page: the alerts still to do, and how many are
    overdue, linking to the inbox."""
    counts = selectors.my_inbox_counts(user=request.user, grants=request_grants(request))
    inbox = reverse("worklist:inbox")
    return [
        WorkCount(_("Open alerts"), counts.open, inbox),
        WorkCount(_("Overdue alerts"), counts.overdue, inbox + "?sort=due"),
    ]


def team_caseload(*, request):
    """A team lead's caseload of their team on the start page; nothing for others."""
    caseload = selectors.team_caseload(user=request.user)
    return {"caseload": caseload} if caseload is not None else None
