import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from rits.audit.models import AuditEvent
from rits.audit.services import Actor, AuditEntry, log_event, log_events, verify_chains

pytestmark = pytest.mark.django_db


def test_every_family_view_leaves_an_audit_event_with_nen7513_fields(family_setup, as_user):
    family = family_setup["family"]
    worker = family_setup["worker"]
    client = as_user(worker)
    for url in [
        reverse("families:overview", args=[family.pk]),
        reverse("families:export", args=[family.pk]),
        f"/api/v1/families/{family.pk}",
    ]:
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 200
        event = AuditEvent.objects.order_by("-id").first()
        assert AuditEvent.objects.count() > before, url
        assert event.family_id == family.pk
        assert event.user_id == worker.user.pk
        assert event.organisation_id == worker.organisation_id
        assert event.role == worker.role
        assert event.ground == "involvement"
        assert set(event.person_ids) == {family_setup["mother"].pk, family_setup["child"].pk}
        assert event.occurred_at is not None


def test_changes_are_audited(family_setup, as_user):
    family = family_setup["family"]
    as_user(family_setup["worker"]).post(
        reverse("families:add-network-member", args=[family.pk]),
        {"name": "Buurvrouw Els", "relation": "neighbour", "availability": "overdag"},
    )
    assert AuditEvent.objects.filter(
        action="create", object_type="network_member", family_id=family.pk
    ).exists()


def test_chains_verify_and_tampering_is_detected(db):
    actor = Actor.system("test")
    for i in range(30):
        log_event(action="view", actor=actor, object_type="family.overview", family_id=i % 5)
    checked, problems = verify_chains()
    assert checked == 30 and problems == []
    call_command("verify_audit")

    victim = AuditEvent.objects.filter(family_id=3).order_by("seq")[1]
    _without_append_only_guard(
        "UPDATE audit_auditevent SET user_display = %s WHERE id = %s", ["someone else", victim.pk]
    )
    _, problems = verify_chains()
    assert [p.reason for p in problems] == ["event changed after it was written"]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_removing_an_event_is_detected(db):
    actor = Actor.system("test")
    for _ in range(5):
        log_event(action="view", actor=actor, object_type="x", family_id=1)
    last = AuditEvent.objects.filter(family_id=1).order_by("-seq").first()
    middle = AuditEvent.objects.filter(family_id=1).order_by("seq")[2]
    _without_append_only_guard(
        "DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [middle.pk, last.pk]
    )
    reasons = {p.reason for p in verify_chains()[1]}
    assert "event missing" in reasons
    assert "latest events removed" in reasons


def test_database_refuses_update_and_delete_of_audit_events(db):
    event = log_event(action="view", actor=Actor.system("test"), object_type="x", family_id=1)
    for sql in [
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ]:
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_events_spread_over_chains(db, settings):
    settings.AUDIT_CHAINS = 4
    actor = Actor.system("test")
    for family_id in range(8):
        log_event(action="view", actor=actor, object_type="x", family_id=family_id)
    assert set(AuditEvent.objects.values_list("chain", flat=True)) == {0, 1, 2, 3}
    assert verify_chains()[1] == []


def test_events_logged_in_bulk_chain_like_single_ones(db, settings, django_assert_max_num_queries):
    settings.AUDIT_CHAINS = 4
    actor = Actor.system("test")
    for family_id in range(4):  # every chain has its head already
        log_event(action="view", actor=actor, object_type="x", family_id=family_id)
    entries = [
        AuditEntry(action="create", object_type="signal.alert", object_id=i, family_id=i % 6)
        for i in range(40)
    ]
    # One lock, one head update per chain and one insert: not one round per event.
    with django_assert_max_num_queries(4 * 3 + 2):
        assert log_events(actor=actor, entries=entries) == 40
    log_event(action="view", actor=actor, object_type="x", family_id=1)
    assert AuditEvent.objects.filter(object_type="signal.alert").count() == 40
    assert set(
        AuditEvent.objects.filter(object_type="signal.alert", family_id=5).values_list(
            "object_id", flat=True
        )
    ) == {"5", "11", "17", "23", "29", "35"}
    assert verify_chains() == (45, [])
    assert log_events(actor=actor, entries=[]) == 0


def _without_append_only_guard(sql: str, params: list) -> None:
    """Simulate an attacker with database access who disables the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")
            # DDL is transactional in SQLite: the test's rollback restores the triggers.
            cursor.execute(sql, params)
