"""The family page's own panels: what the families app knows of a family. They show
what the page's audited read (``selectors.family_overview``) already loaded, so they
cost no query; other apps contribute theirs (plans: the plan, signals: the alerts)
through ``rits.components.registry`` without this app importing them."""

from rits.components.registry import register_panel


def _duplicates(*, grant, request, overview):
    return {"o": overview} if overview.possible_duplicates else None


def _overview(*, grant, request, overview):
    return {"o": overview}


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
