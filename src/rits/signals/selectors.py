"""Reads of the signals app for the family page: its open alerts (the alerts panel).

The intake's reads are in ``intake/selectors.py``."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from rits.signals.alerts import UNRESOLVED, sees_alert
from rits.signals.models import Alert
from rits.signals.rule_catalogue import RULES, rule_title

# --- the family page's alerts panel --------------------------------------------------


@dataclass(frozen=True)
class FamilyAlert:
    """An open alert as the family page lists it: what, when due, and its state."""

    id: int
    title: str
    due_date: date
    overdue: bool
    status_label: str
    escalated: bool


def open_alerts_of_family(*, grant) -> list[FamilyAlert]:
    """The unresolved alerts about the grant's family whose life domains the grant
    covers (``alerts.sees_alert``), the most urgent first. For the family page, whose
    read is audited itself; one query, none for a reader whom no rule concerns."""
    today = timezone.localdate()
    alerts = Alert.objects.filter(family_id=grant.family.pk, status__in=UNRESOLVED)
    if not grant.is_coordinator:
        # Only the rules whose life domains the reader sees (an alert of a rule no longer
        # in the catalogue is left to the coordinator).
        codes = [rule.code for rule in RULES if sees_alert(grant, rule.code)]
        if not codes:
            return []
        alerts = alerts.filter(rule__in=codes)
    alerts = alerts.only("id", "rule", "due_date", "status", "escalated_at").order_by(
        "due_date", "id"
    )
    return [
        FamilyAlert(
            a.pk,
            rule_title(a.rule),
            a.due_date,
            a.due_date < today,
            a.get_status_display(),
            a.escalated_at is not None,
        )
        for a in alerts
        if sees_alert(grant, a.rule)
    ]
