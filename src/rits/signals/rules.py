"""The rules: what the signals linked to a family mean for its coordinator.

Third stage of the pipeline ``intake → link → rules → alert → inbox → action``. Each rule
is a small named object with a ``code`` (configuration, audit, the alert's ``rule``), a
``title`` and ``findings(facts)``: what it concludes about one family, each finding with
the signals behind it, the parameters of the sentence saying why (stored with the alert,
rendered in the reader's language when read), whether it is a crisis (due sooner) and a ``key`` that makes the
alert unique, so that running the rules again never doubles an alert while a genuinely
new situation raises a new one.

The catalogue of rules and the facts they read are in ``rule_catalogue.py``, the
working-day calendar in ``rits.worklist.working_days``; this module loads the facts and runs the
rules. Two entry points:

- :func:`run_rules` evaluates the families of linked signals the rules have not seen yet
  (``Signal.rules_run_at`` empty), in chunks of one transaction each; an interrupted run
  resumes where it stopped. A chunk is a constant number of queries however many
  signals, families and alerts: its facts are read in bulk (``load_facts``) and its
  alerts and concern matches written in bulk (``alerts.raise_alerts``).
- :func:`run_daily_rules` runs the date-driven rules (turning 18) and escalates alerts
  nobody acknowledged in time.

A rule is switched off for a region with ``RITS_RULES_DISABLED``; its periods and the
working days alerts are due in are settings too (docs/configuration.md)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from rits.core.db import among
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    MemberRole,
    Membership,
    Person,
)
from rits.organisations.models import Organisation, OrganisationKind, Team
from rits.plans.models import Agreement
from rits.signals import alerts
from rits.signals.models import Alert, Signal, SignalLink, SignalType
from rits.signals.rule_catalogue import (
    CONCERN,
    RULES,
    UNRESOLVED,
    YOUTH_ROLES,
    AgreementFact,
    FamilyFacts,
    Finding,
    LinkedSignal,
    Member,
    Rule,
    SignalFact,
    Source,
)
from rits.worklist import services as worklist
from rits.worklist.working_days import add_months, due_date

# Signals per transaction: small enough to keep locks short (a chunk takes well under a
# second), large enough that every query and insert, one per chunk, pays off.
SIGNALS_PER_CHUNK = 2000
FAMILIES_PER_CHUNK = 2000


# --- loading the facts in bulk ---------------------------------------------------------------
#
# A chunk covers thousands of families: every read below is one query for the whole
# chunk, of plain values (no model instances), and of the signals the rules need only.

VISIT_AND_ABSENCE = (SignalType.MISSED_CHILD_HEALTH_VISIT, SignalType.SCHOOL_ABSENCE)
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
    for pk, family_id, domains, status, updated_at, owner in Agreement.objects.filter(
        among("plan__family_id", ids)
    ).values_list("id", "plan__family_id", "domains", "status", "updated_at", "owner_person_id"):
        facts[family_id].agreements.append(
            AgreementFact(pk, tuple(domains or ()), status, timezone.localdate(updated_at), owner)
        )
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


def _load_coordinators(facts: Iterable[FamilyFacts]) -> None:
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


def _name_people(found: list[tuple[FamilyFacts, Finding]]) -> None:
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
        linked.filter(among("signal_id", new_ids)), "family_id", "person_id", "created_at", "id"
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
                among("person_id", {p for _f, p in children}),
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
        among("signal_id", new_ids)
    ).values_list("workitem__kind", "workitem__family_id", "signal_id"):
        if family_id in facts:
            facts[family_id].covered.setdefault(rule, set()).add(signal_id)
    concerned = {
        person_id
        for _f, person_id, *_r, signal in new_links
        if person_id and signal.signal_type in CONCERN
    }
    if concerned:
        _load_coordinators(facts.values())
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


# --- running the rules ---------------------------------------------------------------------


@dataclass
class RulesReport:
    """What a run did: signals and families looked at, alerts raised (per rule) or
    joined by more signals, concern matches made and alerts escalated."""

    signals: int = 0
    families: int = 0
    raised: Counter = field(default_factory=Counter)
    updated: int = 0
    concern_matches: int = 0
    escalated: int = 0

    @property
    def alerts_raised(self) -> int:
        return sum(self.raised.values())

    def add(self, other: RulesReport) -> None:
        self.signals += other.signals
        self.families += other.families
        self.raised.update(other.raised)
        self.updated += other.updated
        self.concern_matches += other.concern_matches
        self.escalated += other.escalated


class _Assignment:
    """Whom an alert goes to: the family's coordinator (and their team), or — without a
    coordinator — the neighbourhood team of the family's municipality (the first team of
    a neighbourhood-team organisation there; none found: no team, and the alert shows
    in no team's inbox until a coordinator is assigned)."""

    def __init__(self) -> None:
        self._teams: dict[int | None, int | None] = {None: None}

    def load(self, facts: list[FamilyFacts]) -> None:
        _load_coordinators(facts)
        wanted = {
            f.municipality_id
            for f in facts
            if f.coordinator_id is None and f.municipality_id not in self._teams
        }
        if not wanted:
            return
        rows = (
            Team.objects.filter(
                organisation__kind=OrganisationKind.WIJKTEAM,
                organisation__municipality_id__in=wanted,
            )
            .order_by("organisation__name", "name", "id")
            .values_list("organisation__municipality_id", "id")
        )
        for municipality_id, team_id in rows:
            self._teams.setdefault(municipality_id, team_id)
        for municipality_id in wanted:
            self._teams.setdefault(municipality_id, None)

    def __call__(self, facts: FamilyFacts) -> tuple[int | None, int | None]:
        if facts.coordinator_id is not None:
            return facts.coordinator_id, facts.coordinator_team_id
        return None, self._teams.get(facts.municipality_id)


def _evaluate(facts: list[FamilyFacts], rules: list[Rule]) -> list[tuple[FamilyFacts, Finding]]:
    """What the rules conclude about each family of the chunk."""
    return [(fact, finding) for fact in facts for rule in rules for finding in rule.findings(fact)]


def _reasons(findings: list[Finding]) -> list[dict]:
    """The reason parameters of each finding (rendered when the alert is read)."""
    return [f.reason_params() for f in findings]


def _apply(
    facts: list[FamilyFacts], rules: list[Rule], report: RulesReport, assign: _Assignment
) -> None:
    """Evaluate the rules for ``facts`` and raise (or join) their alerts and concern
    matches, all of the chunk at once."""

    found = _evaluate(facts, rules)
    if not found:
        return
    _name_people(found)
    assign.load([fact for fact, _finding in found])
    # A due date walks the calendar day by day: once per day and kind (crisis or not).
    due: dict[tuple[date, bool], date] = {}
    drafts, matches = [], []
    for (fact, finding), reason_params in zip(
        found, _reasons([f for _fact, f in found]), strict=True
    ):
        assigned_to_id, team_id = assign(fact)
        if finding.organisations:
            matches.append(
                alerts.ConcernMatchDraft(
                    family_id=fact.family_id,
                    key=finding.key,
                    organisations=finding.organisations,
                    signal_ids=[s.pk for s in finding.match_signals],
                )
            )
        when = (fact.today, finding.crisis)
        if when not in due:
            due[when] = due_date(fact.today, crisis=finding.crisis)
        drafts.append(
            worklist.WorkItemDraft(
                kind=finding.rule.code,
                family_id=fact.family_id,
                key=finding.key,
                reason_code=finding.rule.code,
                reason_params=reason_params,
                due_date=due[when],
                behind=[s.pk for s in finding.signals],
                person_id=finding.person_id,
                assigned_to_id=assigned_to_id,
                team_id=team_id,
            )
        )
    for _pk, created in alerts.record_concern_matches(matches):
        report.concern_matches += int(created)
    for draft, (_pk, outcome) in zip(drafts, alerts.raise_alerts(drafts), strict=True):
        if outcome == worklist.RAISED:
            report.raised[draft.kind] += 1
        elif outcome == worklist.UPDATED:
            report.updated += 1


def _enabled(*, daily: bool) -> list[Rule]:
    return [r for r in RULES if r.daily == daily and r.enabled]


def _pending_signals(after: int, limit: int) -> list[int]:
    """Linked signals the rules have not seen yet, by id."""
    linked = SignalLink.objects.filter(signal_id=OuterRef("pk"))
    return list(
        Signal.objects.filter(pk__gt=after, rules_run_at__isnull=True, linked_at__isnull=False)
        .filter(Exists(linked))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _run_chunk(signal_ids: list[int], *, today: date, rules: list[Rule], assign) -> RulesReport:
    report = RulesReport()
    with transaction.atomic():
        # Only linked signals: one that is not linked (yet) is left for when it is.
        claimed = (
            Signal.objects.filter(among("pk", signal_ids))
            .filter(Exists(SignalLink.objects.filter(signal_id=OuterRef("pk"))))
            .order_by("pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            # Another worker busy with (some of) these signals: leave them to it.
            claimed = claimed.select_for_update(skip_locked=True)
        ids = list(claimed.values_list("pk", flat=True))
        if not ids:
            return report
        family_ids = set(
            SignalLink.objects.filter(among("signal_id", ids)).values_list("family_id", flat=True)
        )
        facts = load_facts(family_ids, today=today, new_signal_ids=ids)
        _apply(facts, rules, report, assign)
        Signal.objects.filter(among("pk", ids)).update(rules_run_at=timezone.now())
        report.signals = len(ids)
        report.families = len(facts)
    return report


def run_rules(*, signal_ids: list[int] | None = None, today: date | None = None) -> RulesReport:
    """Evaluate the rules for the families of linked signals the rules have not seen yet
    (or of ``signal_ids``, seen or not) and raise their alerts; return what was done.

    Idempotent and restartable: each chunk of signals is one transaction that ends by
    setting ``rules_run_at``, and every alert is unique per rule, family and key, so a
    run that was interrupted, or that runs twice, never doubles an alert. Reasons are
    stored as parameters; the timeline event in the region's language."""
    today = today or timezone.localdate()
    rules = _enabled(daily=False)
    report = RulesReport()
    assign = _Assignment()
    with translation.override(settings.LANGUAGE_CODE):
        if signal_ids is not None:
            ids = sorted(set(signal_ids))
            for start in range(0, len(ids), SIGNALS_PER_CHUNK):
                chunk = ids[start : start + SIGNALS_PER_CHUNK]
                report.add(_run_chunk(chunk, today=today, rules=rules, assign=assign))
            return report
        after = 0
        while chunk := _pending_signals(after, SIGNALS_PER_CHUNK):
            report.add(_run_chunk(chunk, today=today, rules=rules, assign=assign))
            after = chunk[-1]
    return report


def _families_turning_18(today: date) -> list[int]:
    months = settings.RULES_TRANSITION_MONTHS
    born_after = add_months(today, -18 * 12)
    born_until = add_months(add_months(today, months), -18 * 12)
    return sorted(
        set(
            Membership.objects.filter(
                role=MemberRole.CHILD,
                person__birth_date__gt=born_after - timedelta(days=1),
                person__birth_date__lte=born_until + timedelta(days=1),
            ).values_list("family_id", flat=True)
        )
    )


def run_daily_rules(*, today: date | None = None) -> RulesReport:
    """The date-driven rules (a young person turning 18 without a transition plan) for
    every family they may apply to, then escalation of alerts nobody acknowledged in
    time. Run once a day; running it again the same day changes nothing."""

    today = today or timezone.localdate()
    rules = _enabled(daily=True)
    report = RulesReport()
    assign = _Assignment()
    with translation.override(settings.LANGUAGE_CODE):
        if rules:
            family_ids = _families_turning_18(today)
            for start in range(0, len(family_ids), FAMILIES_PER_CHUNK):
                chunk = family_ids[start : start + FAMILIES_PER_CHUNK]
                with transaction.atomic():
                    facts = load_facts(chunk, today=today, with_signals=False)
                    _apply(facts, rules, report, assign)
                    report.families += len(facts)
        report.escalated = worklist.escalate_overdue(today=today)
    return report
