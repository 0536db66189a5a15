"""The migration that makes alerts work items (signals 0007), run for real on the test
database (SQLite, or PostgreSQL with ``DATABASE_URL``): every alert keeps its id, its
signals and its stored sentences, and a new item after it gets a fresh id."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from rits.worklist.models import WorkItem

BEFORE = [("signals", "0006_removed_signal_reference")]
AFTER = [("signals", "0007_alerts_are_work_items")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrate_to_the_latest() -> None:
    """Back to the schema every other test expects: going back to 0006 also unapplied
    what came after 0007 (in signals and in the apps that depend on it)."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_alerts(apps) -> tuple[int, list[int]]:
    """Two alerts as signals stored them before, the first with a signal behind it."""
    Organisation = apps.get_model("organisations", "Organisation")
    Family = apps.get_model("families", "Family")
    Signal = apps.get_model("signals", "Signal")
    Alert = apps.get_model("signals", "Alert")
    landlord = Organisation.objects.create(name="Woonstichting Test", kind="housing")
    family = Family.objects.create(reference="G-1", name="Gezin Test")
    signal = Signal.objects.create(
        source=landlord,
        reference="R-1",
        signal_type="rent_arrears",
        signal_date=datetime.date(2026, 11, 2),
    )
    first = Alert.objects.create(
        id=41,
        rule="arrears_without_finance_agreement",
        key="signal:1",
        family=family,
        reason_nl="Huurachterstand.",
        reason_en="Rent arrears.",
        due_date=datetime.date(2026, 11, 16),
        status="acknowledged",
        action_note="",
    )
    first.signals.add(signal)
    second = Alert.objects.create(
        id=57,
        rule="concern_match",
        key="orgs:1,2",
        family=family,
        reason_nl="Twee organisaties.",
        reason_en="Two organisations.",
        due_date=datetime.date(2026, 11, 20),
        dismissed_reason="Al bekend.",
        status="dismissed",
    )
    return signal.pk, [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_every_alert_becomes_a_work_item_with_its_id_signals_and_sentences():
    try:
        signal_id, ids = _old_alerts(_migrate(BEFORE))
        _migrate(AFTER)
        items = list(WorkItem.objects.order_by("pk"))
        assert [i.pk for i in items] == ids == [41, 57]
        first, second = items
        assert first.kind == "arrears_without_finance_agreement" and first.key == "signal:1"
        assert first.status == "acknowledged" and first.due_date == datetime.date(2026, 11, 16)
        assert first.reason_code == "legacy.text"
        assert first.reason_params == {"nl": "Huurachterstand.", "en": "Rent arrears."}
        assert list(first.signals.values_list("pk", flat=True)) == [signal_id]
        assert second.dismissed_reason == "Al bekend." and not second.signals.exists()
        with translation.override("en"):
            assert first.reason == "Rent arrears."
        with translation.override("nl"):
            assert first.reason == "Huurachterstand."
        with translation.override("de"):
            assert first.reason == "Huurachterstand."  # Dutch otherwise
        # The id sequence moved past the copied ids (PostgreSQL; SQLite does it itself).
        fresh = WorkItem.objects.create(
            kind="x", family_id=first.family_id, reason_code="x", due_date=first.due_date
        )
        assert fresh.pk > 57
    finally:
        _migrate_to_the_latest()


@pytest.mark.django_db(transaction=True)
def test_going_back_returns_the_work_items_to_alerts():
    try:
        _signal_id, ids = _old_alerts(_migrate(BEFORE))
        _migrate(AFTER)
        apps = _migrate(BEFORE)
        Alert = apps.get_model("signals", "Alert")
        back = list(Alert.objects.order_by("pk").values_list("pk", "reason_nl", "reason_en"))
        assert back == [
            (41, "Huurachterstand.", "Rent arrears."),
            (57, "Twee organisaties.", "Two organisations."),
        ]
        assert Alert.objects.get(pk=41).signals.count() == 1
        assert not WorkItem.objects.exists()
    finally:
        _migrate_to_the_latest()
