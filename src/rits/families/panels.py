"""The family page's own panels: what the families app knows of a family. They show
what the page's audited read (``selectors.family_overview``) already loaded, so they
cost no query; other apps contribute theirs (plans: the plan, signals: the alerts)
through ``rits.components.registry`` without this app importing them."""

from django.urls import reverse
from django.utils.translation import gettext as _

from rits.access.rules import request_grants
from rits.components.registry import WorkCount, register_panel
from rits.core.durations import in_words
from rits.families import selectors


def _duplicates(*, grant, request, overview):
    return {"o": overview} if overview.possible_duplicates else None


def _overview(*, grant, request, overview):
    return {"o": overview}


def my_work(*, request):
    """The "My work" line of the start page: families not looked at for a while."""
    count = selectors.count_not_looked_at(user=request.user, grants=request_grants(request))
    label = _("Families you have not looked at for %(period)s") % {
        "period": in_words(selectors.NOT_LOOKED_AT_DAYS)
    }
    return [WorkCount(label, count, reverse("families:my-families") + "?not_looked_at=1")]


def register() -> None:
    register_panel(
        "possible_duplicates",
        order=10,
        template="families/panels/possible_duplicates.html",
        context=_duplicates,
    )
    register_panel("members", order=30, template="families/panels/members.html", context=_overview)
    register_panel(
        "involvements", order=40, template="families/panels/involvements.html", context=_overview
    )
    register_panel("network", order=50, template="families/panels/network.html", context=_overview)
    register_panel(
        "timeline", order=60, template="families/panels/timeline.html", context=_overview
    )
