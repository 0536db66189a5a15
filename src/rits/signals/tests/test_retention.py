"""Retention: risk registrations after two years, signals that never linked, and the raw
content of deliveries (which holds BSNs) — each removal audited."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.signals import retention
from rits.signals.models import (
    Alert,
    BatchStatus,
    ConcernMatch,
    Signal,
    SignalBatch,
    SignalBatchPart,
    SignalStatus,
)
from rits.signals.pipeline import run_daily_rules, run_rules
from rits.signals.tests import factories as signal_factories
from rits.signals.tests.factories import TODAY, linked_signal, make_signal
from tests import factories

pytestmark = pytest.mark.django_db
region = signal_factories.region

NOW = timezone.now()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def deletions(object_type="signal"):
    return list(AuditEvent.objects.filter(action="delete", object_type=object_type).order_by("id"))


def test_risk_registrations_are_archived_after_two_years_and_removed_after_five(region):
    family, child = region["family"], region["child"]
    old = linked_signal(
        region["police"], family, child, "risk_registration", signal_date=days_ago(731)
    )
    young = linked_signal(
        region["police"], family, child, "risk_registration", signal_date=days_ago(729)
    )
    very_old = linked_signal(
        region["police"], family, child, "risk_registration", signal_date=days_ago(1830)
    )
    other_old = linked_signal(
        region["school"], family, child, "school_absence", signal_date=days_ago(800)
    )
    # Two archived now (old, very_old); very_old is past the archive term and removed.
    assert retention.purge_risk_registrations(now=NOW) == 3
    assert set(Signal.objects.values_list("pk", flat=True)) == {old.pk, young.pk, other_old.pk}
    assert Signal.objects.get(pk=old.pk).archived_at is not None
    assert Signal.objects.get(pk=young.pk).archived_at is None
    [archived] = AuditEvent.objects.filter(action="update", object_type="signal")
    assert archived.detail["reason"] == "retention.risk_registration.archived"
    assert sorted(archived.detail["signal_ids"]) == sorted([old.pk, very_old.pk])
    [event] = deletions()
    assert event.detail["reason"] == "retention.risk_registration"
    assert event.detail["signal_ids"] == [very_old.pk] and event.detail["family_ids"] == [family.pk]
    assert event.role == "system" and event.user_display == "system: retention"
    # Again: nothing more.
    assert retention.purge_risk_registrations(now=NOW) == 0
    assert len(deletions()) == 1


def test_the_retention_term_is_configurable(region, settings):
    settings.RISK_REGISTRATION_RETENTION_DAYS = 365
    signal = linked_signal(
        region["police"],
        region["family"],
        region["child"],
        "risk_registration",
        signal_date=days_ago(400),
    )
    assert retention.purge_risk_registrations(now=NOW) == 1
    assert Signal.objects.get(pk=signal.pk).archived_at is not None


def _family_with_child():
    family = factories.FamilyFactory()
    child = factories.MembershipFactory(
        family=family, role="child", person=factories.PersonFactory(birth_date="2012-01-01")
    ).person
    return family, child


def test_an_archived_registration_counts_only_next_to_a_new_registration(region):
    family, child = _family_with_child()
    linked_signal(region["police"], family, child, "risk_registration", signal_date=days_ago(740))
    retention.purge_risk_registrations(now=NOW)
    # Another kind of concern does not bring the archived registration back.
    linked_signal(region["school"], family, child, "school_absence", signal_date=days_ago(20))
    run_rules()
    assert not ConcernMatch.objects.exists()
    # A new registration does: police (archived) and JGZ (new) are now both concerned.
    linked_signal(region["jgz"], family, child, "risk_registration", signal_date=days_ago(5))
    run_rules()
    match = ConcernMatch.objects.get()
    assert match.organisations.count() == 3


def test_a_removed_signal_leaves_the_alerts_and_matches_it_was_behind(region):
    family, child = _family_with_child()
    linked_signal(region["police"], family, child, "risk_registration", signal_date=days_ago(740))
    linked_signal(region["school"], family, child, "school_absence", signal_date=days_ago(20))
    run_rules()
    match = ConcernMatch.objects.get()
    assert match.signals.count() == 2
    retention.purge_risk_registrations(now=NOW - datetime.timedelta(days=0))
    Signal.objects.filter(signal_type="risk_registration").update(signal_date=days_ago(1900))
    retention.purge_risk_registrations(now=NOW)
    assert match.signals.count() == 1 and Alert.objects.count() == 1


def test_signals_that_never_linked_are_removed_after_the_term(region, settings):
    old = make_signal(
        region["landlord"],
        status=SignalStatus.UNLINKED,
        received_at=NOW - datetime.timedelta(days=181),
    )
    recent = make_signal(
        region["landlord"],
        status=SignalStatus.UNLINKED,
        received_at=NOW - datetime.timedelta(days=179),
    )
    linked = linked_signal(region["landlord"], region["family"], region["mother"])
    Signal.objects.filter(pk=linked.pk).update(received_at=NOW - datetime.timedelta(days=400))
    waiting = make_signal(
        region["landlord"],
        status=SignalStatus.REVIEW,
        received_at=NOW - datetime.timedelta(days=400),
    )
    assert retention.purge_unlinked_signals(now=NOW) == 1
    assert not Signal.objects.filter(pk=old.pk).exists()
    assert Signal.objects.filter(pk__in=[recent.pk, linked.pk, waiting.pk]).count() == 3
    [event] = deletions()
    assert event.detail["reason"] == "retention.unlinked" and event.detail["family_ids"] == []
    settings.UNLINKED_SIGNAL_RETENTION_DAYS = 30
    assert retention.purge_unlinked_signals(now=NOW) == 1


def test_removal_goes_in_audited_batches(region, monkeypatch):
    monkeypatch.setattr(retention, "PER_BATCH", 2)
    for _ in range(5):
        make_signal(
            region["landlord"],
            status=SignalStatus.UNLINKED,
            received_at=NOW - datetime.timedelta(days=200),
        )
    assert retention.purge_unlinked_signals(now=NOW) == 5
    assert [e.detail["count"] for e in deletions()] == [2, 2, 1]


def batch(source, *, status=BatchStatus.DONE, finished_days_ago=31):
    made = SignalBatch.objects.create(
        source=source,
        format="csv",
        status=status,
        finished_at=(
            NOW - datetime.timedelta(days=finished_days_ago)
            if status in (BatchStatus.DONE, BatchStatus.FAILED)
            else None
        ),
    )
    SignalBatchPart.objects.create(batch=made, seq=0, data=b"reference;bsn\nR-1;123456782\n")
    SignalBatchPart.objects.create(batch=made, seq=1, data=b"R-2;111222333\n")
    return made


def test_raw_content_is_removed_after_processing(region):
    old = batch(region["landlord"])
    failed = batch(region["landlord"], status=BatchStatus.FAILED, finished_days_ago=40)
    recent = batch(region["landlord"], finished_days_ago=29)
    busy = batch(region["landlord"], status=BatchStatus.PROCESSING)
    assert retention.purge_raw_content(now=NOW) == 2
    assert not SignalBatchPart.objects.filter(batch__in=[old, failed]).exists()
    assert SignalBatchPart.objects.filter(batch=recent).count() == 2
    assert SignalBatchPart.objects.filter(batch=busy).count() == 2
    assert SignalBatch.objects.count() == 4  # the batches and their reports stay
    [event] = deletions("signal.batch_content")
    assert event.detail["batch_ids"] == [old.pk, failed.pk] and event.detail["parts"] == 4
    assert retention.purge_raw_content(now=NOW) == 0


def test_purge_signals_command(region):
    linked_signal(
        region["police"],
        region["family"],
        region["child"],
        "risk_registration",
        signal_date=days_ago(800),
    )
    make_signal(
        region["landlord"],
        status=SignalStatus.UNLINKED,
        received_at=NOW - datetime.timedelta(days=200),
    )
    batch(region["landlord"])
    out = StringIO()
    call_command("purge_signals", stdout=out)
    assert out.getvalue().strip() == (
        "1 risk registrations removed, 1 unlinked signals removed, raw content of 1 batches removed"
    )


def test_escalate_alerts_command(region):
    linked_signal(region["landlord"], region["family"], region["mother"])
    run_rules()
    alert = Alert.objects.get()
    out = StringIO()
    after = (alert.due_date + datetime.timedelta(days=1)).isoformat()
    call_command("escalate_alerts", "--today", after, stdout=out)
    assert out.getvalue().strip() == "1 alerts escalated"
    out = StringIO()
    call_command("escalate_alerts", "--daily-rules", "--today", after, stdout=out)
    assert "0 alerts escalated" in out.getvalue()
    assert run_daily_rules(today=TODAY).escalated == 0
