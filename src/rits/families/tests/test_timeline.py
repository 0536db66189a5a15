"""The timeline: stored as a code and parameters, put into words when read, written by
one bulk writer."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from rits.families.models import FamilyEvent
from rits.families.services import TIMELINE_FIELDS, TimelineEntry, record, record_timeline
from tests import factories

pytestmark = pytest.mark.django_db


def test_one_stored_event_reads_in_each_readers_language(family_setup, as_user):
    family = family_setup["family"]
    record_timeline(
        [TimelineEntry(family.pk, "family.member_added", {"name": "Selam Haile", "role": "parent"})]
    )
    [event] = FamilyEvent.objects.filter(family=family)
    assert event.params == {"name": "Selam Haile", "role": "parent"}  # no sentence stored
    client = as_user(family_setup["coordinator"])
    url = reverse("families:overview", args=[family.pk])
    assert (
        "Selam Haile toegevoegd als ouder"
        in client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    )
    assert (
        "Selam Haile added as parent" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_the_bulk_writer_writes_many_events_at_once(family_setup, django_assert_max_num_queries):
    family = family_setup["family"]
    entries = [
        TimelineEntry(
            family.pk, "signal.linked", {"signal_type": "rent_arrears", "source": "W"}, "finances"
        )
        for _ in range(500)
    ]
    # One COPY on PostgreSQL; elsewhere as few inserts as the database's parameter limit
    # allows (SQLite: 999 per statement). Never one per event.
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 5):
        assert record_timeline(entries) == 500
    assert FamilyEvent.objects.filter(family=family, domain="finances").count() == 500


def test_the_bulk_writer_fills_every_column():
    columns = {f.attname for f in FamilyEvent._meta.concrete_fields}
    assert columns == {"id", *TIMELINE_FIELDS}


def test_the_writer_decides_the_domain_unless_the_event_fixes_it(family_setup):
    family = family_setup["family"]
    with pytest.raises(ValueError, match="decides its life domain"):
        record_timeline([TimelineEntry(family.pk, "plan.goal_added", {"text": "x"})])
    with pytest.raises(ValueError, match="always in domain"):
        record_timeline(
            [TimelineEntry(family.pk, "family.network_added", {"name": "x"}, domain="safety")]
        )
    with pytest.raises(ValueError, match="not a timeline event"):
        record_timeline([TimelineEntry(family.pk, "family.overview_viewed", {})])
    assert not FamilyEvent.objects.exists()


def test_record_writes_the_audit_and_the_timeline_event_together(family_setup):
    from rits.audit.models import AuditEvent

    family, worker = family_setup["family"], family_setup["worker"]
    record(
        "family.network_added",
        user=worker.user,
        family_id=family.pk,
        object_id=7,
        ground="involvement",
        params={"name": "Buurvrouw Els", "relation": "neighbour"},
    )
    audit = AuditEvent.objects.get(family_id=family.pk)
    assert (audit.action, audit.object_type, audit.object_id) == ("create", "network_member", "7")
    assert audit.detail == {}  # the name stays out of the audit log
    event = FamilyEvent.objects.get(family=family)
    assert (event.code, event.domain, event.actor_id) == (
        "family.network_added",
        "social_network",
        worker.user.pk,
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_old_sentence():
    """0005 (kind and description) to 0006 (code and params) and back."""
    executor = MigrationExecutor(connection)
    old, new = [("families", "0005_involvement_approval")], [("families", "0006_event_code")]
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    Family = apps.get_model("families", "Family")
    Event = apps.get_model("families", "FamilyEvent")
    family = Family.objects.create(reference="M1", name="Gezin M")
    now = timezone.now()
    for kind, text in [
        ("member_added", "Selam toegevoegd als ouder"),
        ("signal", "Signaal ontvangen: huurachterstand (W)"),
        ("note", "Vrije tekst van vroeger"),
    ]:
        Event.objects.create(family=family, occurred_at=now, kind=kind, description=text, domain="")

    executor = MigrationExecutor(connection)
    executor.migrate(new)
    rows = {e.code: e for e in FamilyEvent.objects.filter(family_id=family.pk)}
    assert set(rows) == {"family.member_added", "signal.linked", "legacy.text"}
    assert rows["family.member_added"].params == {"legacy_text": "Selam toegevoegd als ouder"}
    assert rows["family.member_added"].text == "Selam toegevoegd als ouder"
    assert rows["legacy.text"].params == {"text": "Vrije tekst van vroeger", "kind": "note"}
    assert rows["legacy.text"].text == "Vrije tekst van vroeger"

    executor = MigrationExecutor(connection)
    executor.migrate(old)
    apps = executor.loader.project_state(old).apps
    back = apps.get_model("families", "FamilyEvent").objects.filter(family_id=family.pk)
    assert sorted(back.values_list("kind", "description")) == [
        ("member_added", "Selam toegevoegd als ouder"),
        ("note", "Vrije tekst van vroeger"),
        ("signal", "Signaal ontvangen: huurachterstand (W)"),
    ]
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_a_factory_event_is_free_text(family_setup):
    event = factories.FamilyEventFactory(family=family_setup["family"], params={"text": "Hallo"})
    assert event.text == "Hallo"


def test_the_timeline_shows_only_what_the_catalogue_shows_its_reader(family_setup, as_user):
    family = family_setup["family"]
    factories.FamilyEventFactory(family=family, params={"text": "Voor professionals"})
    factories.FamilyEventFactory(family=family, code="nobody.knows", params={"text": "Onbekend"})
    page = as_user(family_setup["coordinator"]).get(reverse("families:overview", args=[family.pk]))
    assert "Voor professionals" in page.content.decode()
    assert "Onbekend" not in page.content.decode()


def test_nothing_to_write_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_timeline([]) == 0
