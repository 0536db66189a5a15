"""The bulk SQL helpers, on whichever database the tests run (SQLite by default,
PostgreSQL with ``DATABASE_URL``): each writes or filters real rows the same way on both."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.audit.services import HASHED_FIELDS
from rits.core import db
from rits.families.models import Family
from rits.worklist.models import WorkItem, WorkItemStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_insert_rows_fills_in_the_defaults():
    family = factories.FamilyFactory()
    columns = {
        "kind": ["a", "b"],
        "key": ["1", "2"],
        "family_id": [family.pk, family.pk],
        "reason_code": "legacy.text",
        "reason_params": [{"nl": "nl", "en": "en"}, {"nl": "nl", "en": "en", "n": 2}],
        "due_date": [datetime.date(2026, 12, 1), datetime.date(2026, 12, 2)],
    }
    ids = db.insert_rows(WorkItem, columns)
    assert len(ids) == 2 and None not in ids
    rows = list(WorkItem.objects.filter(pk__in=ids).order_by("pk"))
    assert [a.kind for a in rows] == ["a", "b"] and [a.pk for a in rows] == ids
    assert rows[1].reason_params == {"nl": "nl", "en": "en", "n": 2}  # JSON, on both
    for alert in rows:
        assert alert.status == WorkItemStatus.OPEN and alert.reason_params["en"] == "en"
        assert alert.created_at and alert.updated_at and alert.dismissed_reason == ""
    # With ignore_conflicts a row that exists is left as it is.
    columns.update(kind=["a", "c"], key=["1", "3"])
    assert db.insert_rows(WorkItem, columns, ignore_conflicts=True) == []
    assert sorted(WorkItem.objects.values_list("kind", flat=True)) == ["a", "b", "c"]
    assert db.insert_rows(WorkItem, {"kind": [], "key": "x"}) == []


def test_insert_rows_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError, match="every row"):
        db.insert_rows(WorkItem, {"kind": ["a", "b"], "key": ["1"]})


EVENT_FIELDS = (*HASHED_FIELDS, "hash")


def test_write_rows_round_trip_with_json_values():
    now = timezone.now()
    rows = [
        (
            9,
            seq,
            now,
            "read",
            "test",
            str(seq),
            None,
            [seq, 3],
            None,
            "",
            None,
            "",
            "system",
            "",
            {"n": seq, "text": "a,b\t'c\"\n"},
            "0" * 64,
            f"{seq:064d}",
        )
        for seq in (1, 2, 3)
    ]
    db.write_rows(
        AuditEvent, EVENT_FIELDS, iter(rows), json_fields=frozenset({"person_ids", "detail"})
    )
    stored = AuditEvent.objects.filter(chain=9).order_by("seq")
    assert [(e.seq, e.person_ids, e.detail, e.object_id) for e in stored] == [
        (n, [n, 3], {"n": n, "text": "a,b\t'c\"\n"}, str(n)) for n in (1, 2, 3)
    ]
    assert all(e.occurred_at == now for e in stored)


def test_among_joined_and_in_lists_find_every_row_however_many_values():
    families = factories.FamilyFactory.create_batch(3)
    wanted = [f.pk for f in families[:2]]
    # More values than one IN (...) list may hold on SQLite, most of them no row's.
    many = [*wanted, *range(10**9, 10**9 + db.IN_BATCH + 10)]
    assert sorted(
        Family.objects.filter(db.among("pk", many)).values_list("pk", flat=True)
    ) == sorted(wanted)
    assert not Family.objects.filter(db.among("pk", [])).exists()
    # The same with the values as a set to join (and twice over: each counts once).
    assert sorted(
        Family.objects.filter(db.joined("pk", [*many, *wanted])).values_list("pk", flat=True)
    ) == sorted(wanted)
    assert not Family.objects.filter(db.joined("pk", [])).exists()
    found = []
    for ids in db.in_lists(many, "bigint"):
        found += Family.objects.filter(pk__in=ids).values_list("pk", flat=True)
    assert sorted(found) == sorted(wanted)
    references = [f.reference for f in families[1:]] + ["no,such"]
    found = []
    for refs in db.in_lists(references, "text"):
        found += Family.objects.filter(reference__in=refs).values_list("pk", flat=True)
    assert sorted(found) == sorted(f.pk for f in families[1:])
    assert [len(b) for b in db.batched(range(7), 3)] == [3, 3, 1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_rows_in_text_and_binary_format():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE rits_copy_test (n bigint, t text, b bytea)")
        db.copy_rows(cursor, "COPY rits_copy_test (n, t) FROM STDIN", [(1, "een\ttwee"), (2, None)])
        with db.psycopg_cursor() as raw:
            db.copy_rows(
                raw,
                "COPY rits_copy_test (n, b) FROM STDIN (FORMAT BINARY)",
                [(3, b"\x00\xff")],
                types=["int8", "bytea"],
            )
        cursor.execute("SELECT n, t, b FROM rits_copy_test ORDER BY n")
        rows = [(n, t, bytes(b) if b is not None else None) for n, t, b in cursor.fetchall()]
        cursor.execute("DROP TABLE rits_copy_test")
    assert rows == [(1, "een\ttwee", None), (2, None, None), (3, None, b"\x00\xff")]
