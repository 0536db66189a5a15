"""The one audit logger. Every read and write of family data calls ``log_event``."""

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from rits.audit.models import AuditAction, AuditChain, AuditEvent
from rits.core import db

HASHED_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "action",
    "object_type",
    "object_id",
    "family_id",
    "person_ids",
    "user_id",
    "user_display",
    "organisation_id",
    "organisation_name",
    "role",
    "ground",
    "detail",
    "prev_hash",
)


@dataclass(frozen=True)
class Actor:
    """Who acts, on behalf of which organisation and in which role."""

    user_id: int | None
    display: str
    organisation_id: int | None = None
    organisation_name: str = ""
    role: str = ""

    @classmethod
    def for_user(cls, user) -> "Actor":
        professional = getattr(user, "professional", None)
        if professional is None:
            return cls(user_id=user.pk, display=str(user), role="user")
        return cls(
            user_id=user.pk,
            display=str(user),
            organisation_id=professional.organisation_id,
            organisation_name=professional.organisation.name,
            role=professional.role,
        )

    @classmethod
    def system(cls, name: str) -> "Actor":
        """Rits itself at work, named as such: ``system: linking``."""
        return cls(user_id=None, display=f"system: {name}", role="system")


def event_hash(values: dict[str, Any]) -> str:
    canonical = json.dumps(
        {f: values[f] for f in HASHED_FIELDS}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _locked_head(chain_id: int) -> AuditChain:
    try:
        return AuditChain.objects.select_for_update().get(pk=chain_id)
    except AuditChain.DoesNotExist:
        try:
            with transaction.atomic():
                AuditChain.objects.create(pk=chain_id)
        except IntegrityError:
            pass  # another process created it first
        return AuditChain.objects.select_for_update().get(pk=chain_id)


def log_event(
    *,
    action: AuditAction | str,
    actor: Actor,
    object_type: str,
    object_id: str | int = "",
    family_id: int | None = None,
    person_ids: list[int] | tuple[int, ...] = (),
    ground: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event to its hash chain and return it."""
    chains = max(settings.AUDIT_CHAINS, 1)
    # Events about one family stay in order in one chain; events without a family (lists,
    # searches) go to any chain, so one user's parallel requests do not queue on one lock.
    chain_id = family_id % chains if family_id is not None else secrets.randbelow(chains)
    values: dict[str, Any] = {
        "chain": chain_id,
        "occurred_at": timezone.now(),
        "action": str(action),
        "object_type": object_type,
        "object_id": str(object_id),
        "family_id": family_id,
        "person_ids": sorted(int(p) for p in person_ids),
        "user_id": actor.user_id,
        "user_display": actor.display[:300],
        "organisation_id": actor.organisation_id,
        "organisation_name": actor.organisation_name[:300],
        "role": actor.role,
        "ground": ground,
        "detail": detail or {},
    }
    with transaction.atomic():
        head = _locked_head(chain_id)
        values["seq"] = head.last_seq + 1
        values["prev_hash"] = head.last_hash
        digest = event_hash(values)
        event = AuditEvent.objects.create(hash=digest, **values)
        AuditChain.objects.filter(pk=chain_id).update(last_seq=values["seq"], last_hash=digest)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event for :func:`log_events` (the arguments of :func:`log_event` but the
    actor)."""

    action: AuditAction | str
    object_type: str
    object_id: str | int = ""
    family_id: int | None = None
    person_ids: Sequence[int] = ()
    ground: str = ""
    detail: dict[str, Any] | None = None


def log_events(*, actor: Actor, entries: Sequence[AuditEntry]) -> int:
    """Append many events of one actor at once, each exactly as :func:`log_event` would
    (so that, e.g., every alert the rules raise shows in its family's access log), with
    one lock and one insert per chain instead of per event. Chains are locked in
    ascending order, so that two bulk writers never wait for each other in a circle.
    Returns the number of events written."""
    if not entries:
        return 0
    chains = max(settings.AUDIT_CHAINS, 1)
    now = timezone.now()
    by_chain: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        family_id = entry.family_id
        chain_id = family_id % chains if family_id is not None else secrets.randbelow(chains)
        by_chain[chain_id].append(
            {
                "chain": chain_id,
                "occurred_at": now,
                "action": str(entry.action),
                "object_type": entry.object_type,
                "object_id": str(entry.object_id),
                "family_id": family_id,
                "person_ids": sorted(int(p) for p in entry.person_ids),
                "user_id": actor.user_id,
                "user_display": actor.display[:300],
                "organisation_id": actor.organisation_id,
                "organisation_name": actor.organisation_name[:300],
                "role": actor.role,
                "ground": entry.ground,
                "detail": entry.detail or {},
            }
        )
    events, heads = [], []
    with transaction.atomic():
        for head in _locked_heads(sorted(by_chain)):
            seq, prev_hash = head.last_seq, head.last_hash
            for values in by_chain[head.pk]:
                seq += 1
                values["seq"] = seq
                values["prev_hash"] = prev_hash
                prev_hash = values["hash"] = event_hash(values)
                events.append(values)
            head.last_seq, head.last_hash = seq, prev_hash
            heads.append(head)
        # Every chain's new head in one statement, not one per chain (a chunk's events
        # reach all of them).
        AuditChain.objects.bulk_update(heads, ["last_seq", "last_hash"])
        _insert_events(events)
    return len(events)


def _locked_heads(chain_ids: list[int]) -> list[AuditChain]:
    """The heads of ``chain_ids`` (ascending), locked in that order with one query (made
    first where missing)."""
    locked = AuditChain.objects.select_for_update().filter(pk__in=chain_ids).order_by("pk")
    heads = list(locked)
    if len(heads) < len(chain_ids):
        known = {h.pk for h in heads}
        AuditChain.objects.bulk_create(
            [AuditChain(pk=c) for c in chain_ids if c not in known], ignore_conflicts=True
        )
        heads = list(locked.all())
    return heads


_EVENT_FIELDS = (*HASHED_FIELDS, "hash")
_JSON_FIELDS = frozenset({"person_ids", "detail"})


def _insert_events(events: list[dict[str, Any]]) -> None:
    """Insert events (their field values) at once (by COPY on PostgreSQL: the rules
    write hundreds of thousands of events for a million signals)."""
    db.write_rows(
        AuditEvent,
        _EVENT_FIELDS,
        ([event[f] for f in _EVENT_FIELDS] for event in events),
        json_fields=_JSON_FIELDS,
        batch_size=2000,
    )


@dataclass
class ChainProblem:
    chain: int
    seq: int
    reason: str


def verify_chains() -> tuple[int, list[ChainProblem]]:
    """Recompute every chain. Returns the number of events checked and what is wrong."""
    problems: list[ChainProblem] = []
    checked = 0
    heads = {c.pk: c for c in AuditChain.objects.all()}
    chain_ids = set(heads) | set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    for chain_id in sorted(chain_ids):
        prev_hash, expected_seq = "0" * 64, 1
        events = (
            AuditEvent.objects.filter(chain=chain_id).order_by("seq").values(*HASHED_FIELDS, "hash")
        )
        for row in events.iterator(chunk_size=2000):
            checked += 1
            if row["seq"] != expected_seq:
                problems.append(ChainProblem(chain_id, expected_seq, "event missing"))
            if row["prev_hash"] != prev_hash:
                problems.append(ChainProblem(chain_id, row["seq"], "link to previous event broken"))
            if event_hash(row) != row["hash"]:
                problems.append(
                    ChainProblem(chain_id, row["seq"], "event changed after it was written")
                )
            prev_hash, expected_seq = row["hash"], row["seq"] + 1
        head = heads.get(chain_id)
        if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
            problems.append(ChainProblem(chain_id, head.last_seq, "latest events removed"))
    return checked, problems
