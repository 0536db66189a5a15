"""Writing what linking decided: the signals' status (:func:`claim`, which also takes
the signals for this worker), then links, reviews, the families' timeline events and the
audit (:func:`write`), one chunk of signals at a time (on PostgreSQL through COPY)."""

from __future__ import annotations

import json
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from rits.access.principals import Principal
from rits.audit import catalogue
from rits.audit.services import Actor, log_events
from rits.core.db import batched, copy_rows, in_lists
from rits.families.services import TimelineEntry, record_timeline
from rits.signals.linking.decision import Decision, LinkReport
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
)
from rits.signals.types import signal_domain

ACTOR = "linking"


def timeline_entry(family_id: int, signal_type: str, source_name: str) -> TimelineEntry:
    """The family's timeline event for a signal linked to it, e.g. 'Signal received:
    rent arrears (Woonstichting X)', in the signal's life domain (which decides who may
    see it)."""
    return TimelineEntry(
        family_id,
        "signal.linked",
        {"signal_type": signal_type, "source": source_name},
        signal_domain(signal_type),
    )


def withdrawn_entry(family_id: int, signal_type: str, source_name: str) -> TimelineEntry:
    """The family's timeline event for a link taken back (a confirmation that was
    reopened), in the same life domain as the event of the link."""
    return TimelineEntry(
        family_id,
        "signal.link_withdrawn",
        {"signal_type": signal_type, "source": source_name},
        signal_domain(signal_type),
    )


def claim(decisions: list[Decision], *, now) -> list[Decision]:
    """Of ``decisions``, those whose signal no other worker holds and linking has not
    looked at yet (another worker may have linked some meanwhile: they are left out, not
    linked twice), their signals locked and given their status and ``linked_at`` (in the
    caller's transaction, with what :func:`write` writes for them). On PostgreSQL one
    statement: each signal row is written once by linking, not locked first and updated
    later."""
    if not decisions:
        return []
    if connection.vendor == "postgresql":
        table = Signal._meta.db_table
        with connection.cursor() as cursor:
            # Ids and statuses as two comma-separated strings (see ``core.db.in_lists``).
            cursor.execute(
                f"UPDATE {table} AS s SET status = t.status, linked_at = %s "  # noqa: S608 (the model's table)
                "FROM unnest(string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')) "
                "AS t(id, status) WHERE s.id = t.id AND s.id IN ("
                f"SELECT c.id FROM {table} AS c WHERE c.id = ANY(string_to_array(%s, ',')::bigint[]) "
                "AND c.linked_at IS NULL ORDER BY c.id FOR UPDATE SKIP LOCKED) RETURNING s.id",
                [
                    now,
                    ",".join(str(d.signal.pk) for d in decisions),
                    ",".join(str(d.status) for d in decisions),
                    ",".join(str(d.signal.pk) for d in decisions),
                ],
            )
            taken = {pk for (pk,) in cursor.fetchall()}
        return [d for d in decisions if d.signal.pk in taken]
    locked: set[int] = set()
    for ids in in_lists((d.signal.pk for d in decisions), "bigint"):
        locked.update(
            Signal.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, linked_at__isnull=True)
            .order_by()
            .values_list("pk", flat=True)
        )
    mine = [d for d in decisions if d.signal.pk in locked]
    by_status: dict[str, list[int]] = defaultdict(list)
    for d in mine:
        by_status[d.status].append(d.signal.pk)
    for status, ids in by_status.items():
        for batch in batched(ids):
            Signal.objects.filter(pk__in=batch).update(status=status, linked_at=now)
    return mine


def write(
    decisions: list[Decision], report: LinkReport, *, model_version: str = "", now=None
) -> None:
    """Write ``decisions`` (their signals taken by :func:`claim`, at ``now``); the links
    and reviews the linkage model decided record its ``model_version``."""
    now = now or timezone.now()
    links, reviews, events = [], [], []
    by_status: dict[str, list[int]] = defaultdict(list)
    for d in decisions:
        s = d.signal
        by_status[d.status].append(s.pk)
        for family_id, (person_id, method, probability) in sorted(d.links.items()):
            version = model_version if method == LinkMethod.PROBABILISTIC else ""
            links.append((s.pk, family_id, person_id, str(method), probability, version))
            # One event per signal and family: the family's timeline shows each signal.
            events.append(timeline_entry(family_id, s.signal_type, s.source_name))
            report.links[str(method)] += 1
        for person_id, (family_id, probability, agreement) in sorted(d.reviews.items()):
            reviews.append((s.pk, person_id, family_id, probability, agreement, model_version))
        # Family-level: no person compared, so no probability, no field agreement and no
        # model.
        for family_id in sorted(d.household_reviews):
            reviews.append((s.pk, None, family_id, None, {}, ""))
            report.household_reviews += 1
    if connection.vendor == "postgresql":
        _store_postgresql(links, reviews, now)
    else:
        _store(links, reviews)
    record_timeline(events, at=now)
    report.signals += len(decisions)
    report.linked += len(by_status.get(SignalStatus.LINKED, []))
    report.review += len(by_status.get(SignalStatus.REVIEW, []))
    report.unlinked += len(by_status.get(SignalStatus.UNLINKED, []))
    report.reviews += len(reviews)
    actor = Principal.system(ACTOR).actor
    _audit_per_family(decisions, actor)
    catalogue.log(
        "signal.linked",
        actor=actor,
        # Ids and counts only: never names, dates of birth or BSNs.
        person_ids=sorted({pid for d in decisions for pid, *_ in d.links.values() if pid}),
        detail={
            "signal_ids": [d.signal.pk for d in decisions],
            "family_ids": sorted({fid for d in decisions for fid in d.links}),
            "review_family_ids": sorted(
                {fid for d in decisions for fid, *_ in d.reviews.values()}
                | {fid for d in decisions for fid in d.household_reviews}
            ),
            "linked": report.linked,
            "review": report.review,
            "unlinked": report.unlinked,
            "links": dict(report.links),
        },
    )


def _audit_per_family(decisions: list[Decision], actor: Actor) -> None:
    """Besides the chunk's summary, one event per family that got signals linked or put
    up for review, so that the family's access log shows what reached its file (ids
    only: never names, dates of birth or BSNs)."""
    linked: dict[int, list[int]] = defaultdict(list)
    persons: dict[int, set[int]] = defaultdict(set)
    review: dict[int, list[int]] = defaultdict(list)
    for d in decisions:
        for family_id, (person_id, _method, _probability) in d.links.items():
            linked[family_id].append(d.signal.pk)
            if person_id:
                persons[family_id].add(person_id)
        for person_id, (family_id, _probability, _agreement) in d.reviews.items():
            review[family_id].append(d.signal.pk)
            persons[family_id].add(person_id)
        for family_id in d.household_reviews:
            review[family_id].append(d.signal.pk)
    log_events(
        actor=actor,
        entries=[
            catalogue.entry(
                "signal.linked",
                family_id=family_id,
                person_ids=sorted(persons[family_id]),
                detail={
                    "signal_ids": sorted(linked.get(family_id, ())),
                    "review_signal_ids": sorted(set(review.get(family_id, ()))),
                },
            )
            for family_id in sorted(linked.keys() | review.keys())
        ],
    )


# The columns the writers below fill (a test checks that they are all the models have).
LINK_COLUMNS = (
    "signal_id",
    "family_id",
    "person_id",
    "method",
    "match_probability",
    "model_version",
)


REVIEW_COLUMNS = (
    "signal_id",
    "person_id",
    "family_id",
    "match_probability",
    "field_agreement",
    "model_version",
)


def _store(links, reviews) -> None:
    """Any database: Django's bulk inserts."""
    SignalLink.objects.bulk_create(
        [SignalLink(**dict(zip(LINK_COLUMNS, row, strict=True))) for row in links],
        ignore_conflicts=True,
    )
    LinkReview.objects.bulk_create(
        [LinkReview(**dict(zip(REVIEW_COLUMNS, row, strict=True))) for row in reviews],
        ignore_conflicts=True,
    )


# For ``_store_postgresql``: the commit of a chunk need not wait for the disk (should
# the database crash right after, the chunk is lost as a whole, links, events, audit
# and linked_at together, and the next run links those signals again; any later commit
# that does wait makes it durable too); and staging tables of this connection, emptied
# at each commit and before each use (a chunk run inside a longer transaction, as with
# the immediate tasks backend or in a test, must not write an earlier chunk's rows again:
# they may name persons removed since).
_STAGING = """
SET LOCAL synchronous_commit TO OFF;
CREATE TEMPORARY TABLE IF NOT EXISTS rits_link_rows
    (signal_id bigint, family_id bigint, person_id bigint, method text,
     match_probability double precision, model_version text) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS rits_review_rows
    (signal_id bigint, person_id bigint, family_id bigint, match_probability double precision,
     field_agreement jsonb, model_version text) ON COMMIT DELETE ROWS;
TRUNCATE rits_link_rows, rits_review_rows
"""


def _store_postgresql(links, reviews, now) -> None:
    """PostgreSQL: every row through COPY (no statement text, parameter or model instance
    per row), links and reviews by way of a staging table so that those that already
    exist are left as they are, as ``bulk_create(ignore_conflicts=True)`` would."""
    link_table, review_table = SignalLink._meta.db_table, LinkReview._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(_STAGING)
        if links:
            copy_rows(cursor, f"COPY rits_link_rows ({', '.join(LINK_COLUMNS)}) FROM STDIN", links)
            cursor.execute(
                f"INSERT INTO {link_table} ({', '.join(LINK_COLUMNS)}, created_at) "  # noqa: S608 (the models' tables)
                f"SELECT {', '.join(LINK_COLUMNS)}, %s FROM rits_link_rows "
                "ON CONFLICT DO NOTHING",
                [now],
            )
        if reviews:
            copy_rows(
                cursor,
                f"COPY rits_review_rows ({', '.join(REVIEW_COLUMNS)}) FROM STDIN",
                ((*row[:4], json.dumps(row[4]), row[5]) for row in reviews),
            )
            cursor.execute(
                # A new review: open, nothing decided yet, so no effects (NULL) and no
                # history.
                f"INSERT INTO {review_table} ({', '.join(REVIEW_COLUMNS)}, status, created_at, "  # noqa: S608
                f"history) SELECT {', '.join(REVIEW_COLUMNS)}, %s, %s, '[]'::jsonb "
                "FROM rits_review_rows "
                "ON CONFLICT DO NOTHING",
                [LinkReview._meta.get_field("status").default, now],
            )
