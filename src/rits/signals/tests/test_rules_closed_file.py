"""Issue 11: a closed file takes no new work. The rules raise no alert for a closed
family (nor join more signals to one), closing the file dismisses its open alerts, and
reopening it leaves them dismissed."""

import datetime

import pytest

from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families import services as family_services
from rits.families.models import FamilyEvent
from rits.signals.models import Alert, Signal
from rits.signals.pipeline import run_daily_rules, run_rules
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import linked_signal
from rits.worklist.models import WorkItemStatus
from tests import factories

pytestmark = pytest.mark.django_db
region = signal_factories.region


def _close(region, reason="Hulp afgerond."):
    user = region["coordinator"].user
    family_services.close_file(user=user, grant=grant_for(user, region["family"].pk), reason=reason)


def _reopen(region):
    user = region["coordinator"].user
    family_services.reopen_file(
        user=user, grant=grant_for(user, region["family"].pk), reason="Nieuwe zorgen."
    )


def test_signals_of_a_closed_family_raise_no_alert(region):
    _close(region)
    signal = linked_signal(region["landlord"], region["family"], region["mother"])
    report = run_rules()
    assert report.signals == 1 and report.families == 0 and report.alerts_raised == 0
    assert not Alert.objects.exists()
    # seen: reopening the file later does not bring the old signal back as new work
    assert Signal.objects.get(pk=signal.pk).rules_run_at is not None
    _reopen(region)
    assert run_rules().signals == 0 and not Alert.objects.exists()


def test_closing_the_file_dismisses_its_open_alerts_and_reopening_leaves_them(region, settings):
    settings.LANGUAGE_CODE = "en"  # the reason is stored in the region's language
    family = region["family"]
    linked_signal(region["landlord"], family, region["mother"])
    run_rules()
    [alert] = Alert.objects.all()
    other_family = factories.FamilyFactory()
    other = Alert.objects.create(
        kind=alert.kind,
        family=other_family,
        key="other",
        reason_code=alert.reason_code,
        due_date=alert.due_date,
    )

    _close(region)
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.DISMISSED
    assert alert.dismissed_reason == "The family's file was closed."
    assert FamilyEvent.objects.filter(family=family, code__endswith="_dismissed").exists()
    changed = AuditEvent.objects.get(object_id=str(alert.pk), detail__status="dismissed")
    assert changed.detail["file_closed"] is True
    assert changed.user_id == region["coordinator"].user.pk
    other.refresh_from_db()
    assert other.status == WorkItemStatus.OPEN  # another family's work stays

    # more arrears while closed join nothing and raise nothing
    linked_signal(region["energy"], family, region["mother"], "energy_arrears")
    assert run_rules().alerts_raised == 0
    assert list(Alert.objects.filter(family=family)) == [alert]

    _reopen(region)
    alert.refresh_from_db()
    assert alert.status == WorkItemStatus.DISMISSED


def test_the_daily_rules_skip_a_closed_family(region):
    factories.MembershipFactory(
        family=region["family"],
        role="child",
        person=factories.PersonFactory(birth_date=datetime.date(2009, 3, 15)),
    )
    _close(region)
    report = run_daily_rules(today=datetime.date(2026, 11, 23))
    assert report.alerts_raised == 0 and report.families == 0
    _reopen(region)
    assert run_daily_rules(today=datetime.date(2026, 11, 23)).alerts_raised == 1
