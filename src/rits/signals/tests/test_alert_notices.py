"""Who hears of an alert (``signals.notices``): the assignee of a raised alert (or,
without one, its team), the team lead of an escalated one; a crisis when a signal
behind it says so; after the raising commits, and nothing of the family in the text."""

import datetime

import pytest
from django.utils import translation

from rits.notifications import selectors
from rits.notifications.models import Notification
from rits.signals import alerts, notices
from rits.signals.models import Alert
from rits.signals.pipeline import run_rules
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import linked_signal
from rits.worklist import services as worklist
from rits.worklist.services import WorkItemDraft

pytestmark = pytest.mark.django_db
region = signal_factories.region


def raise_one(region, capture, **signal):
    linked_signal(region["landlord"], region["family"], region["mother"], **signal)
    with capture(execute=True):
        run_rules()
    return Alert.objects.get()


def test_the_assignee_hears_of_a_new_alert(region, django_capture_on_commit_callbacks):
    alert = raise_one(region, django_capture_on_commit_callbacks)
    coordinator = region["coordinator"]
    assert alert.assigned_to == coordinator
    [n] = Notification.objects.all()
    assert (n.recipient, n.kind, n.family_id, n.crisis) == (
        coordinator.user,
        notices.RAISED,
        region["family"].pk,
        False,
    )
    with translation.override("en"):
        [line] = selectors.notifications_page(user=coordinator.user, number=1).object_list
    assert line.text.startswith("New alert: ") and alert.due_date.strftime("%d-%m-%Y") in line.text
    assert "Haile" not in line.text and region["family"].name not in line.text
    assert line.href == "/inbox/"


def test_a_crisis_signal_makes_a_crisis_notification(region, django_capture_on_commit_callbacks):
    raise_one(region, django_capture_on_commit_callbacks, crisis=True)
    assert Notification.objects.get().crisis is True


def test_an_alert_joined_by_a_new_signal_is_not_told_again(
    region, django_capture_on_commit_callbacks
):
    raise_one(region, django_capture_on_commit_callbacks)
    linked_signal(region["landlord"], region["family"], region["mother"], amount="99.00")
    with django_capture_on_commit_callbacks(execute=True):
        run_rules()
    assert Notification.objects.count() == 1


def test_without_an_assignee_the_team_hears_of_it(region, django_capture_on_commit_callbacks):
    team = region["team"]
    with django_capture_on_commit_callbacks(execute=True):
        alerts.raise_alerts(
            [
                WorkItemDraft(
                    kind="arrears_without_finance_agreement",
                    family_id=region["family"].pk,
                    key="k",
                    reason_code="arrears_without_finance_agreement",
                    reason_params={},
                    due_date=signal_factories.TODAY,
                    team_id=team.pk,
                )
            ]
        )
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {p.user_id for p in team.members.all()}


def test_nothing_is_told_before_the_raising_commits(region, django_capture_on_commit_callbacks):
    linked_signal(region["landlord"], region["family"], region["mother"])
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        run_rules()
    assert Alert.objects.exists() and not Notification.objects.exists()
    assert waiting  # told once it commits


def test_the_team_lead_hears_of_an_escalated_alert(region, django_capture_on_commit_callbacks):
    alert = raise_one(region, django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert worklist.escalate_overdue(today=alert.due_date + datetime.timedelta(days=1))
    [n] = Notification.objects.all()
    assert (n.recipient, n.kind, n.url_name) == (
        region["lead"].user,
        notices.ESCALATED,
        "worklist:inbox-team",
    )
