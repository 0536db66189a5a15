"""A linking run: which signals are pending, deciding for each (BSN, the model, the
closed files, the household's review) and writing in chunks of one transaction each (see the package's docstring)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from rits.core.db import in_lists
from rits.families.models import (
    ADULT_ROLES,
    Membership,
)
from rits.signals.linking import store
from rits.signals.linking.decision import SIGNAL_FIELDS, Decision, LinkReport, SignalRow
from rits.signals.linking.matcher import Matcher, population_key, process_matcher
from rits.signals.linking.model import (
    birth_dates_differ,
    field_agreement,
    given_names_differ,
    link_margin,
    link_thresholds,
    refresh_active_model,
)
from rits.signals.linking.normalise import address_key
from rits.signals.linking.population import (
    Member,
    candidate_rows,
    families_with_children_at,
    members_where,
    read_members,
)
from rits.signals.models import (
    LinkMethod,
    Signal,
    SignalStatus,
)

# Signals per write transaction: short locks, little lost when a worker stops, and few
# enough statements per signal that writing stays a small part of linking.
CHUNK_SIZE = 5000


# Signals decided together: the scoring and each read of members cost about the same for
# 1,000 signals as for 50,000, so the more at once the better, up to memory.
DECIDE_SIZE = 50_000


# From this many signals in one run, every known member is read into the linkage model's
# in-memory database (about a second for 400,000 members), instead of the likely
# candidates of each run. (A country's population would not fit: that is what a Splink
# backend such as Spark is for.)
SNAPSHOT_FROM = 1000


ADULT_AGE = 18


def _pending(signal_ids: list[int] | None):
    signals = Signal.objects.filter(linked_at__isnull=True)
    if signal_ids is None:
        return signals.filter(status=SignalStatus.RECEIVED)
    return signals.filter(pk__in=signal_ids)


def _signal_rows(queryset, limit: int | None = None) -> list[SignalRow]:
    rows = queryset.order_by("pk").values_list(*SIGNAL_FIELDS)
    if limit is not None:
        rows = rows[:limit]
    return [SignalRow(*row) for row in rows]


def _pending_signals(signal_ids: list[int] | None) -> Iterator[list[SignalRow]]:
    """The signals still to link, ``DECIDE_SIZE`` at a time, read without a lock (each
    write transaction locks and checks its own)."""
    if signal_ids is not None:
        wanted = sorted(set(signal_ids))
        for start in range(0, len(wanted), DECIDE_SIZE):
            rows: list[SignalRow] = []
            for ids in in_lists(wanted[start : start + DECIDE_SIZE], "bigint"):
                rows += _signal_rows(_pending(ids))
            if rows:
                yield rows
        return
    last = 0
    while True:
        rows = _signal_rows(_pending(None).filter(pk__gt=last), DECIDE_SIZE)
        if not rows:
            return
        last = rows[-1].pk
        yield rows
        if len(rows) < DECIDE_SIZE:
            return


class _Run:
    """What one run keeps between its parts: the matcher, taken on first need (a run
    whose signals all have a known BSN never needs it), and whether it scores against
    the snapshot of every member or against candidates read per part."""

    def __init__(self, *, today: date, snapshot: bool) -> None:
        self.today = today
        self.snapshot = snapshot
        self.use_population = False
        self._matcher: Matcher | None = None

    def matcher(self) -> Matcher:
        if self._matcher is None:
            matcher = process_matcher()
            # A fresh snapshot serves small runs too; only large runs take a new one. A
            # stale one is dropped (it holds every member's name and address). The
            # database is asked only when the snapshot may still be good.
            if not matcher.population_is_fresh(population_key(local=True)):
                matcher.forget_population()
            if self.snapshot or matcher.population:
                key = population_key()
                if not matcher.population_is_fresh(key):
                    matcher.forget_population()
                    if self.snapshot:
                        matcher.load_population(key=key)
                self.use_population = matcher.population_is_fresh(key)
            self._matcher = matcher
        return self._matcher


def link_signals(*, signal_ids: list[int] | None = None, today: date | None = None) -> LinkReport:
    """Link every signal in status ``received`` (or the signals ``signal_ids``) that
    linking has not looked at yet; return what was done.

    Safe to run again and in several workers at once: see the module's docstring. Each
    signal ends ``linked``, ``review`` or ``unlinked`` with ``linked_at`` set.

    Raises :class:`~rits.signals.linking.model.LinkageModelUnavailable` before deciding
    anything when the active linkage model cannot be used: then every signal stays as it
    was (``received``, not looked at), for a later run with a usable model."""
    today = today or timezone.localdate()
    report = LinkReport()
    if signal_ids is not None:
        signal_ids = list(signal_ids)
        pending = len(signal_ids)
    else:
        pending = _pending(None).count()
    if not pending:
        return report
    # Once per run: the model every decision of this run is made by, and recorded with.
    model_version = refresh_active_model().version
    run = _Run(today=today, snapshot=pending >= SNAPSHOT_FROM)
    with translation.override(settings.LANGUAGE_CODE):
        for signals in _pending_signals(signal_ids):
            decisions = _decide(signals, run=run)
            for start in range(0, len(decisions), CHUNK_SIZE):
                report.add(_link_chunk(decisions[start : start + CHUNK_SIZE], model_version))
    return report


def _link_chunk(decisions: list[Decision], model_version: str) -> LinkReport:
    report = LinkReport(chunks=1)
    now = timezone.now()
    with transaction.atomic():
        # Taken and checked again inside the transaction: another worker may have linked
        # some of these meanwhile (then they are skipped here, not linked twice).
        mine = store.claim(decisions, now=now)
        if mine:
            store.write(mine, report, model_version=model_version, now=now)
    return report


# --- deciding ---------------------------------------------------------------------------


def _decide(signals: list[SignalRow], *, run: _Run) -> list[Decision]:
    """What to do with each signal (nothing is written here)."""
    decisions = [Decision(s) for s in signals]
    # Every membership of every person read on the way: whom a BSN names, and the
    # candidates of the model (the closed files and the household rule need them).
    members: dict[int, Member] = {}
    unresolved = _link_by_bsn(decisions, members)
    if unresolved:
        _link_by_model(unresolved, run, members)
    linked = _complete_families(decisions, members)
    _leave_closed_files(decisions, [*members.values(), *linked])
    _review_households(decisions, linked, today=run.today)
    return decisions


def _link_by_bsn(decisions: list[Decision], members: dict[int, Member]) -> list[Decision]:
    """Link signals whose BSN is known; return the others. Adds the memberships read to
    ``members`` (all of each person's)."""
    pseudonyms = {d.signal.bsn_pseudonym for d in decisions if d.signal.bsn_pseudonym}
    by_pseudonym: dict[str, list[Member]] = defaultdict(list)
    for m in members_where("person__bsn_pseudonym", pseudonyms, "text"):
        by_pseudonym[m.bsn_pseudonym].append(m)
        members[m.membership_id] = m
    rest = []
    for d in decisions:
        members = by_pseudonym.get(d.signal.bsn_pseudonym or "")
        if not members:
            rest.append(d)
            continue
        for m in members:
            d.links[m.family_id] = (m.person_id, LinkMethod.BSN, None)
            d.persons.add(m.person_id)
    return rest


def _link_by_model(decisions: list[Decision], run: _Run, members: dict[int, Member]) -> None:
    """Link (or put in review) by the linkage model. Adds every membership of every
    candidate person to ``members``."""
    # Every signal with a name part, as intake accepts them (a surname or given names with
    # a date of birth or an address); the blocking rules find its candidates by the date
    # of birth or the address when there is no surname (see comparisons.blocking_rules).
    comparable = [d for d in decisions if d.signal.surname or d.signal.given_names]
    if not comparable:
        return
    matcher = run.matcher()
    signals = [d.signal for d in comparable]
    candidates = None if run.use_population else candidate_rows(signals)
    link_at, review_at = link_thresholds()
    margin = link_margin()
    # Scored down to ``margin`` bits below the review threshold: a candidate not returned
    # is at least that far below any candidate that may be linked by the margin.
    floor = _below(min(link_at, review_at), margin)
    with matcher.lock:
        if candidates is None and not matcher.population:
            # Dropped meanwhile by another thread of this process (see _Run.matcher).
            candidates = candidate_rows(signals)
        pairs = matcher.predict([s.compared for s in signals], candidates=candidates, floor=floor)
    if not pairs:
        return
    # Read again from the database, not taken from the snapshot: who the member is now;
    # with the person's other memberships, for linking to each of their families.
    for batch in in_lists({p["unique_id_l"] for p in pairs}, "bigint"):
        candidates_q = Membership.objects.filter(pk__in=batch).values("person_id")
        for m in read_members(Q(person_id__in=candidates_q)):
            members[m.membership_id] = m
    by_signal: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in pairs:
        by_signal[p["unique_id_r"]].append(p)
    for d in comparable:
        # Per person the best of their memberships (a child of separated parents is a
        # member of two families, perhaps at two addresses).
        best: dict[int, tuple[dict[str, Any], Member]] = {}
        for p in by_signal.get(d.signal.pk, ()):
            m = members.get(p["unique_id_l"])
            if m is None:
                continue
            # A BSN is decisive: someone with another BSN is someone else.
            if d.signal.bsn_pseudonym and m.bsn_pseudonym:
                continue
            if (
                m.person_id not in best
                or p["match_probability"] > best[m.person_id][0]["match_probability"]
            ):
                best[m.person_id] = (p, m)
        # Only a candidate whose date of birth fits (agrees, nearly agrees, or one side
        # has none) may be linked, and only when no other such candidate with fitting
        # given names is plausible too (e.g. the same name and date of birth in two
        # families, one of them with a typo). Family members at the same address with
        # other given names are no rivals: the address over-counts for them.
        sure = [
            pid
            for pid, (p, _m) in best.items()
            if p["match_probability"] >= link_at and not birth_dates_differ(p)
        ]
        rivals = [
            pid
            for pid, (p, _m) in best.items()
            if pid not in sure
            and p["match_probability"] >= review_at
            and not birth_dates_differ(p)
            and not given_names_differ(p)
        ]
        if len(sure) == 1 and not rivals:
            p, m = best[sure[0]]
            d.links[m.family_id] = (m.person_id, LinkMethod.PROBABILISTIC, p["match_probability"])
            d.persons.add(m.person_id)
            continue
        clear = _clear_winner(best, review_at=review_at, margin=margin)
        if clear is not None:
            p, m = best[clear]
            d.links[m.family_id] = (m.person_id, LinkMethod.PROBABILISTIC, p["match_probability"])
            d.persons.add(m.person_id)
            continue
        for pid, (p, m) in best.items():
            if p["match_probability"] >= review_at:
                d.reviews[pid] = (m.family_id, p["match_probability"], field_agreement(p))


def _weight(probability: float) -> float:
    """The match weight: log2 of the odds."""
    probability = min(max(probability, 1e-300), 1 - 1e-16)
    return math.log2(probability / (1 - probability))


def _below(probability: float, bits: float) -> float:
    """The probability whose match weight is ``bits`` below that of ``probability``."""
    return 1 / (1 + 2 ** (bits - _weight(probability)))


def _clear_winner(
    best: dict[int, tuple[dict[str, Any], Member]], *, review_at: float, margin: float
) -> int | None:
    """The person to link by the margin: the best candidate scores at least the review
    threshold, their date of birth fits, and every other candidate (whatever their date
    of birth) scores at least ``margin`` bits below. Why: the review band is where the
    model is unsure whether the signal is about *someone* it knows; a candidate far
    ahead of everyone else is who it would be. Not when the date of birth clearly
    differs: that keeps a son out of his father's link (the father may be the only
    candidate, far ahead, with the son's date of birth)."""
    if margin <= 0 or not best:
        return None
    ranked = sorted(best, key=lambda pid: best[pid][0]["match_probability"], reverse=True)
    top = best[ranked[0]][0]
    if top["match_probability"] < review_at or birth_dates_differ(top):
        return None
    if len(ranked) > 1:
        second = best[ranked[1]][0]["match_probability"]
        if _weight(top["match_probability"]) - _weight(second) < margin:
            return None
    return ranked[0]


def _complete_families(decisions: list[Decision], members: dict[int, Member]) -> list[Member]:
    """A person linked by the model is linked to each family they are a member of.
    Returns the memberships of every linked person (the household rule needs them), from
    ``members`` (read on the way, see ``_decide``) or, for anyone not there, read now."""
    persons = {pid for d in decisions for pid in d.persons}
    if not persons:
        return []
    known = {m.person_id for m in members.values()}
    linked = [m for m in members.values() if m.person_id in persons]
    linked += members_where("person_id", persons - known)
    families: dict[int, set[int]] = defaultdict(set)
    for m in linked:
        families[m.person_id].add(m.family_id)
    for d in decisions:
        for _family_id, (pid, method, probability) in list(d.links.items()):
            if method != LinkMethod.PROBABILISTIC:
                continue
            for family_id in families.get(pid, ()):
                d.links.setdefault(family_id, (pid, method, probability))
    return linked


def _leave_closed_files(decisions: list[Decision], members: list[Member]) -> None:
    """Rule 4: a closed file takes no new signal. Links to a closed family are dropped
    (a person whose only families are closed leaves the signal unlinked); a review in a
    closed family goes to one of the person's open families, or is dropped.

    Decided here, after matching, not by leaving closed families out of the members
    read: their members are still people, who must keep counting as the person a
    signal is about (or as a rival), or a signal about them could link to a namesake."""
    closed = {m.family_id for m in members if m.family_closed}
    if not closed:
        return
    open_families: dict[int, list[int]] = defaultdict(list)
    for m in members:
        if not m.family_closed and m.family_id not in open_families[m.person_id]:
            open_families[m.person_id].append(m.family_id)
    for d in decisions:
        for family_id in closed & d.links.keys():
            del d.links[family_id]
        for person_id, (family_id, probability, agreement) in list(d.reviews.items()):
            if family_id not in closed:
                continue
            others = sorted(open_families.get(person_id, ()))
            if others:
                d.reviews[person_id] = (others[0], probability, agreement)
            else:
                del d.reviews[person_id]


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _review_households(decisions: list[Decision], members: list[Member], *, today: date) -> None:
    """Rule 3: a signal reaches another family at the same address only through a
    person of that family, or through review by that family's coordinator, never by
    address alone. A signal linked to an adult who is not a member of a family with
    children at the signal's address (or at the address of one of the adult's families)
    is put up for review for that family: is the signal about this household? A signal
    linked to nobody goes nowhere by its address: no person matched, so nothing says
    whose household it is."""
    parents: set[int] = set()  # parent, step-parent or guardian somewhere
    born: dict[int, date | None] = {}
    # Every family linked so far is a family of a linked person, so ``members`` has its
    # address.
    family_addresses: dict[int, str | None] = {}
    for m in members:
        born[m.person_id] = m.birth_date
        if m.family_id not in family_addresses:
            family_addresses[m.family_id] = m.address
        if m.role in ADULT_ROLES:
            parents.add(m.person_id)

    def is_adult(d: Decision) -> bool:
        on = d.signal.signal_date or today
        if d.persons & parents:
            return True
        dates = [born.get(pid) for pid in d.persons]
        return any(b is not None and _age(b, on) >= ADULT_AGE for b in dates)

    wanted: dict[int, set[str]] = {}
    for d in decisions:
        s = d.signal
        if not d.links or not is_adult(d):
            continue
        keys = {address_key(s.postcode, s.house_number, s.house_number_suffix)}
        keys.update(family_addresses.get(fid) for fid in d.links)
        keys.discard(None)
        if keys:
            wanted[s.pk] = keys
    if not wanted:
        return
    at_address: dict[str, set[int]] = defaultdict(set)
    for family_id, postcode, number, suffix in families_with_children_at(
        set().union(*wanted.values())
    ):
        at_address[address_key(postcode, number, suffix)].add(family_id)
    for d in decisions:
        for key in wanted.get(d.signal.pk, ()):
            # The person's own families are linked already (``_complete_families``).
            d.household_reviews.update(at_address.get(key, set()) - d.links.keys())
