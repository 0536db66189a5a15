"""Who hears of an alert, and what they hear (``rits.notifications``).

A raised alert is told to whom it is assigned or, when nobody is, to the members of its
team; an escalated one to the team lead(s) of its team (whom it is escalated to), or as
a raised one when the team has none. A crisis is what the inbox calls one: a signal
behind the alert says eviction, cut-off or loss of insurance is threatened.

The notice names the rule and the due date, never the family or a person (a team
member may not see the family; the inbox shows it to whoever may). The worklist hands on
the ids of raised and escalated items after its transaction commits
(``rits.worklist.handoff``, connected in ``SignalsConfig.ready``), so raising thousands
of alerts costs no query more in that transaction, and nothing is said of alerts rolled
back."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils.translation import gettext as _

from rits.core.db import among, joined
from rits.notifications import kinds
from rits.notifications.services import Notice, notify
from rits.organisations.models import Professional, ProfessionalRole
from rits.signals.models import Alert, Signal
from rits.worklist.kinds import kind_for

RAISED = "signals.alert_raised"
ESCALATED = "signals.alert_escalated"


def _due(params: dict) -> str:
    return date.fromisoformat(params["due"]).strftime("%d-%m-%Y")


kinds.register(
    RAISED,
    lambda p: (
        _("New alert: %(rule)s, due %(due)s") % {"rule": kind_for(p["rule"]).title, "due": _due(p)}
    ),
)
kinds.register(
    ESCALATED,
    lambda p: (
        _("Overdue alert escalated to the team lead: %(rule)s, due %(due)s")
        % {"rule": kind_for(p["rule"]).title, "due": _due(p)}
    ),
)


def notify_raised(sender=None, *, ids: list[int], **_kwargs) -> None:
    """Tell of these new alerts (a receiver of ``handoff.raised``, after commit)."""
    _tell(ids, escalated=False)


def notify_escalated(sender=None, *, ids: list[int], **_kwargs) -> None:
    """Tell the team leads of these escalated alerts (``handoff.escalated``)."""
    _tell(ids, escalated=True)


def _tell(alert_ids: list[int], *, escalated: bool) -> None:
    alerts = list(
        Alert.objects.filter(among("pk", alert_ids))
        .order_by("pk")
        .values_list("pk", "kind", "family_id", "due_date", "assigned_to_id", "team_id")
    )
    crisis = set(
        Signal.work_items.through.objects.filter(
            joined("workitem_id", alert_ids), signal__crisis=True
        ).values_list("workitem_id", flat=True)
    )
    assignees = dict(
        Professional.objects.filter(among("pk", {a[4] for a in alerts if a[4]})).values_list(
            "pk", "user_id"
        )
    )
    members: dict[int, list[int]] = defaultdict(list)
    leads: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id, role in (
        Professional.objects.filter(among("team_id", {a[5] for a in alerts if a[5]}))
        .order_by("pk")
        .values_list("team_id", "user_id", "role")
    ):
        members[team_id].append(user_id)
        if role == ProfessionalRole.TEAM_LEAD:
            leads[team_id].append(user_id)

    def recipients(assigned_to_id, team_id) -> list[int]:
        if escalated and leads.get(team_id):
            return leads[team_id]
        if assigned_to_id in assignees:
            return [assignees[assigned_to_id]]
        return members.get(team_id, [])

    notify(
        Notice(
            kind=ESCALATED if escalated else RAISED,
            recipient_ids=recipients(assigned_to_id, team_id),
            params={"rule": rule, "due": due.isoformat()},
            url_name="worklist:inbox-team" if escalated else "worklist:inbox",
            family_id=family_id,
            crisis=pk in crisis,
        )
        for pk, rule, family_id, due, assigned_to_id, team_id in alerts
    )
