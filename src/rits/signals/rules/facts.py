"""The facts the rules read, loaded in bulk: a chunk covers thousands of families, and
every read below is one query for the whole chunk, of plain values (no model instances),
and of the signals the rules need only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from rits.core.db import among, joined
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    Membership,
    Person,
)
from rits.organisations.models import Organisation
from rits.plans.selectors import agreement_facts
from rits.signals.models import Alert, Signal, SignalLink, SignalType
from rits.signals.rule_catalogue import (
    UNRESOLVED,
    YOUTH_ROLES,
    FamilyFacts,
    Finding,
    LinkedSignal,
    Member,
    SignalFact,
    Source,
)
from rits.signals.types import CONCERN, VISIT_AND_ABSENCE

SIGNAL_VALUES = (
    "signal_id",
    "signal__source_id",
    "signal__signal_type",
    "signal__signal_date",
    "signal__since",
    "signal__amount_eur",
    "signal__crisis",
    "signal__archived_at",
)


class _SignalReader:
    """Signal links read as ``(family_id, person_id, SignalFact)``: each signal once
    however many families it is linked to, its source named with one query per read."""

    def __init__(self) -> None:
        self.signals: dict[int, SignalFact] = {}
        self.sources: dict[int, Source] = {}

    def read(self, links, *fields: str) -> list[tuple]:
        """The rows of ``links``: ``fields`` first, then the signal."""
        rows = list(links.values_list(*fields, *SIGNAL_VALUES))
        n = len(fields)
        missing = {row[n + 1] for row in rows} - self.sources.keys()
        if missing:
            for pk, name in Organisation.objects.filter(pk__in=missing).values_list("pk", "name"):
                self.sources[pk] = Source(pk, name)
        result = []
        for row in rows:
            signal = self.signals.get(row[n])
            if signal is None:
                signal = self.signals[row[n]] = SignalFact(
                    row[n], self.sources[row[n + 1]], *row[n + 2 :]
                )
            result.append((*row[:n], signal))
        return result


def load_facts(
    family_ids: Iterable[int],
    *,
    today: date,
    new_signal_ids: Iterable[int] = (),
    with_signals: bool = True,
) -> list[FamilyFacts]:
    """The facts of a chunk of families, in a constant number of queries: with
    ``with_signals``, those about the signals ``new_signal_ids`` (the rules conclude
    nothing from earlier signals alone); without, the members' dates of birth and names
    for the date-driven rules."""
    ids = sorted(set(family_ids))
    new_ids = frozenset(new_signal_ids)
    facts = {pk: FamilyFacts(family_id=pk, today=today) for pk in ids}
    members = Membership.objects.filter(among("family_id", ids))
    if with_signals:
        # Roles only: reading every member's person row costs more than the rest of the
        # facts together, and only the few people a finding names need it.
        for family_id, person_id, role in members.values_list("family_id", "person_id", "role"):
            facts[family_id].members[person_id] = Member(person_id, role, with_details=False)
    else:
        for family_id, person_id, *member in members.values_list(
            "family_id",
            "person_id",
            "role",
            "person__birth_date",
            "person__given_names",
            "person__prefix",
            "person__surname",
        ):
            facts[family_id].members[person_id] = Member(person_id, *member)
    for family_id, agreements in agreement_facts(ids).items():
        facts[family_id].agreements = agreements
    for rule, family_id, key, person_id, status in Alert.objects.filter(
        among("family_id", ids)
    ).values_list("kind", "family_id", "key", "person_id", "status"):
        fact = facts[family_id]
        fact.keys.setdefault(rule, set()).add(key)
        if status in UNRESOLVED:
            fact.unresolved.setdefault(rule, []).append((key, person_id))
    if with_signals and new_ids:
        for fact in facts.values():
            fact.new_signal_ids = new_ids
        _load_signals(facts, new_ids)
    return list(facts.values())


def load_coordinators(facts: Iterable[FamilyFacts]) -> None:
    """Who coordinates each family of ``facts`` today (and their team), and for a family
    without a coordinator its municipality: for the families not read yet, in two
    queries. Most families of a chunk need neither, the rules conclude nothing there."""
    todo = {f.family_id: f for f in facts if not f.coordinator_known}
    if not todo:
        return
    today = next(iter(todo.values())).today
    for family_id, professional_id, team_id in (
        Involvement.objects.coordinating(today)
        .filter(among("family_id", todo))
        .values_list("family_id", "professional_id", "professional__team_id")
    ):
        todo[family_id].coordinator_id = professional_id
        todo[family_id].coordinator_team_id = team_id
    without = [pk for pk, f in todo.items() if f.coordinator_id is None]
    for pk, municipality_id in Family.objects.filter(among("pk", without)).values_list(
        "pk", "municipality_id"
    ):
        todo[pk].municipality_id = municipality_id
    for f in todo.values():
        f.coordinator_known = True


def name_people(found: list[tuple[FamilyFacts, Finding]]) -> None:
    """The details of the people the findings are about, where ``load_facts`` left them
    out (one query)."""
    wanted = {
        finding.person_id
        for fact, finding in found
        if finding.person_id in fact.members and not fact.members[finding.person_id].with_details
    }
    if not wanted:
        return
    people = {
        pk: details
        for pk, *details in Person.objects.filter(among("pk", wanted)).values_list(
            "pk", "birth_date", "given_names", "prefix", "surname"
        )
    }
    for fact, _finding in found:
        for person_id, member in fact.members.items():
            if person_id in people and not member.with_details:
                fact.members[person_id] = Member(person_id, member.role, *people[person_id])


def _load_signals(facts: dict[int, FamilyFacts], new_ids: frozenset[int]) -> None:
    reader = _SignalReader()
    linked = SignalLink.objects.filter(signal__archived_at=None)
    # Every link of the new signals, also to families outside the chunk: a concern
    # signal about a young person counts for each family of that young person's parents.
    new_links = reader.read(
        linked.filter(joined("signal_id", new_ids)), "family_id", "person_id", "created_at", "id"
    )
    rows = [row for row in new_links if row[0] in facts]
    # The earlier missed visits and school absences of a child with a new one: the
    # pattern rule pairs them (and nothing else needs the family's earlier signals).
    children = {
        (family_id, person_id)
        for family_id, person_id, *_r, signal in rows
        if person_id and signal.signal_type in VISIT_AND_ABSENCE
    }
    if children:
        earlier = reader.read(
            linked.filter(
                among("family_id", {f for f, _p in children}),
                joined("person_id", {p for _f, p in children}),
                signal__signal_type__in=VISIT_AND_ABSENCE,
            ),
            "family_id",
            "person_id",
            "created_at",
            "id",
        )
        rows += [
            row for row in earlier if (row[0], row[1]) in children and row[-1].pk not in new_ids
        ]
    # In the order of the family's timeline, newest first, as the links are listed.
    rows.sort(key=lambda row: (row[2], row[3]), reverse=True)
    for family_id, person_id, _created_at, _id, signal in rows:
        facts[family_id].signals.append(LinkedSignal(signal, person_id))
    for rule, family_id, signal_id in Signal.work_items.through.objects.filter(
        joined("signal_id", new_ids)
    ).values_list("workitem__kind", "workitem__family_id", "signal_id"):
        if family_id in facts:
            facts[family_id].covered.setdefault(rule, set()).add(signal_id)
    concerned = {
        person_id
        for _f, person_id, *_r, signal in new_links
        if person_id and signal.signal_type in CONCERN
    }
    if concerned:
        load_coordinators(facts.values())
        _load_concern_links(
            [f for f in facts.values() if f.coordinator_id is None], concerned, reader
        )


def _load_concern_links(
    facts: list[FamilyFacts], concerned: set[int], reader: _SignalReader
) -> None:
    """For families without a coordinator: the concern signals about their young people
    and about the young people who share a parent with them in another family, for the
    families where ``concerned`` (the young people of new concern signals) are among
    them (the rule needs a new concern signal)."""
    if not facts:
        return
    parents: dict[int, set[int]] = defaultdict(set)  # parent → our families
    for f in facts:
        for person_id, m in f.members.items():
            if m.role in ADULT_ROLES:
                parents[person_id].add(f.family_id)
    # Other families those parents are a parent in, and the young people there.
    related: dict[int, set[int]] = defaultdict(set)  # other family → our families
    for person_id, family_id in Membership.objects.filter(
        among("person_id", parents), role__in=list(ADULT_ROLES)
    ).values_list("person_id", "family_id"):
        related[family_id].update(parents[person_id] - {family_id})
    youths: dict[int, set[int]] = defaultdict(set)  # young person → our families
    for f in facts:
        for m in f.youths:
            youths[m.person_id].add(f.family_id)
    related = {family_id: ours for family_id, ours in related.items() if ours}
    if related:
        for person_id, family_id in Membership.objects.filter(
            among("family_id", related), role__in=list(YOUTH_ROLES)
        ).values_list("person_id", "family_id"):
            youths[person_id].update(related[family_id])
    wanted = set().union(*(youths[p] for p in concerned if p in youths))
    if not wanted:
        return
    youths = {p: ours & wanted for p, ours in youths.items() if ours & wanted}
    by_family = {f.family_id: f for f in facts if f.family_id in wanted}
    seen: set[tuple[int, int]] = set()
    for person_id, signal in reader.read(
        SignalLink.objects.filter(among("person_id", youths), signal__signal_type__in=CONCERN),
        "person_id",
    ):
        for family_id in youths[person_id]:
            if (family_id, signal.pk) not in seen:
                seen.add((family_id, signal.pk))
                by_family[family_id].concern_links.append(LinkedSignal(signal, person_id))
    for family_id, signal_id in SignalLink.objects.filter(
        among("family_id", by_family),
        among("signal_id", {s for _f, s in seen}),
        signal__archived_at=None,
    ).values_list("family_id", "signal_id"):
        by_family[family_id].own_concern_ids.add(signal_id)
    # An archived risk registration only counts again next to a new registration.
    for f in by_family.values():
        if not any(link.signal.archived_at for link in f.concern_links):
            continue
        if not any(
            link.signal.signal_type == SignalType.RISK_REGISTRATION
            and not link.signal.archived_at
            and link.id in f.new_signal_ids
            for link in f.concern_links
        ):
            f.concern_links = [link for link in f.concern_links if not link.signal.archived_at]
