"""Running the rules: chunks of signals (or, for the date-driven rules, of families), each
in one transaction that loads the facts, evaluates the rules into findings, hands them to
the caller's router (the pipeline raises the alerts) and marks the signals as seen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from rits.core.db import among
from rits.families.models import (
    Family,
    MemberRole,
    Membership,
)
from rits.organisations.models import OrganisationKind, Team
from rits.signals.models import Signal, SignalLink
from rits.signals.rule_catalogue import (
    RULES,
    FamilyFacts,
    Finding,
    Rule,
)
from rits.signals.rules.facts import load_coordinators, load_facts, name_people
from rits.signals.rules.findings import ConcernMatchDraft, Findings
from rits.worklist.services import WorkItemDraft
from rits.worklist.working_days import add_months, due_date

# Signals per transaction: small enough to keep locks short (a chunk takes well under a
# second), large enough that every query and insert, one per chunk, pays off.
SIGNALS_PER_CHUNK = 2000


FAMILIES_PER_CHUNK = 2000


@dataclass
class RulesReport:
    """What a run did: signals and families looked at, alerts raised (per rule) or
    joined by more signals and concern matches made (the router counts those), and alerts
    escalated (the pipeline's daily run)."""

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


# Writes one chunk's findings, in the chunk's transaction, and counts what came of them
# in the report (``signals.pipeline.route_findings``).
Route = Callable[[Findings, RulesReport], None]


class _Assignment:
    """Whom an alert goes to: the family's coordinator (and their team), or — without a
    coordinator — the neighbourhood team of the family's municipality (the first team of
    a neighbourhood-team organisation there; none found: no team, and the alert shows
    in no team's inbox until a coordinator is assigned)."""

    def __init__(self) -> None:
        self._teams: dict[int | None, int | None] = {None: None}

    def load(self, facts: list[FamilyFacts]) -> None:
        load_coordinators(facts)
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


def evaluate(facts: list[FamilyFacts], rules: list[Rule], assign: _Assignment) -> Findings:
    """What the rules conclude about ``facts``: the alerts to raise (or join), each with
    its assignee and due date, and the concern matches, all of the chunk at once. Nothing
    is written here (the caller's router does that)."""

    found = _evaluate(facts, rules)
    if not found:
        return Findings()
    name_people(found)
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
                ConcernMatchDraft(
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
            WorkItemDraft(
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
    return Findings(drafts, matches)


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


# The claim of a chunk on PostgreSQL: lock the linked signals no other worker holds,
# mark them seen and read their families, in one statement (each signal row is written
# once by the rules, not locked first and updated at the end).
_CLAIM = """
WITH claimed AS (
    UPDATE {signal} AS s SET rules_run_at = %s
    WHERE s.id IN (
        SELECT c.id FROM {signal} AS c
        WHERE c.id = ANY(%s::bigint[])
          AND EXISTS (SELECT 1 FROM {link} AS l WHERE l.signal_id = c.id)
        ORDER BY c.id
        FOR UPDATE SKIP LOCKED
    )
    RETURNING s.id
)
SELECT claimed.id, CASE WHEN f.closed_at IS NULL THEN l.family_id END
FROM claimed JOIN {link} AS l ON l.signal_id = claimed.id JOIN {family} AS f ON f.id = l.family_id
"""


def _claim(signal_ids: list[int]) -> tuple[list[int], set[int]]:
    """The chunk's signals this run takes (linked ones only: a signal not linked yet is
    left for when it is; one another worker is busy with is left to it), marked as seen
    by the rules, and their families whose file is open (a closed file takes no new
    work: its signals are seen and raise nothing). Marked at the start of the chunk's transaction, so
    that they are seen exactly when the chunk's alerts are written (a crash loses both)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        sql = _CLAIM.format(
            signal=Signal._meta.db_table,
            link=SignalLink._meta.db_table,
            family=Family._meta.db_table,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, list(signal_ids)])
            rows = cursor.fetchall()
        return sorted({pk for pk, _f in rows}), {f for _pk, f in rows if f is not None}
    claimed = (
        Signal.objects.filter(among("pk", signal_ids))
        .filter(Exists(SignalLink.objects.filter(signal_id=OuterRef("pk"))))
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        claimed = claimed.select_for_update(skip_locked=True)
    ids = list(claimed.values_list("pk", flat=True))
    if not ids:
        return [], set()
    Signal.objects.filter(among("pk", ids)).update(rules_run_at=now)
    family_ids = set(
        SignalLink.objects.filter(
            among("signal_id", ids), family__closed_at__isnull=True
        ).values_list("family_id", flat=True)
    )
    return ids, family_ids


def _run_chunk(
    signal_ids: list[int], *, today: date, rules: list[Rule], assign, route: Route
) -> RulesReport:
    report = RulesReport()
    with transaction.atomic():
        ids, family_ids = _claim(signal_ids)
        if not ids:
            return report
        facts = load_facts(family_ids, today=today, new_signal_ids=ids)
        route(evaluate(facts, rules, assign), report)
        report.signals = len(ids)
        report.families = len(facts)
    return report


def run_rules(
    *, route: Route, signal_ids: list[int] | None = None, today: date | None = None
) -> RulesReport:
    """Evaluate the rules for the families of linked signals the rules have not seen yet
    (or of ``signal_ids``, seen or not) and hand their findings to ``route``, in the
    transaction of their chunk; return what was done.

    Idempotent and restartable: each chunk of signals is one transaction that ends by
    setting ``rules_run_at``, and every alert is unique per rule, family and key, so a
    run that was interrupted, or that runs twice, never doubles an alert. Reasons are
    stored in Dutch and English; the timeline event in the region's language."""
    today = today or timezone.localdate()
    rules = _enabled(daily=False)
    report = RulesReport()
    assign = _Assignment()
    with translation.override(settings.LANGUAGE_CODE):
        if signal_ids is not None:
            ids = sorted(set(signal_ids))
            for start in range(0, len(ids), SIGNALS_PER_CHUNK):
                chunk = ids[start : start + SIGNALS_PER_CHUNK]
                report.add(_run_chunk(chunk, today=today, rules=rules, assign=assign, route=route))
            return report
        after = 0
        while chunk := _pending_signals(after, SIGNALS_PER_CHUNK):
            report.add(_run_chunk(chunk, today=today, rules=rules, assign=assign, route=route))
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
                family__closed_at__isnull=True,  # a closed file takes no new work
                person__birth_date__gt=born_after - timedelta(days=1),
                person__birth_date__lte=born_until + timedelta(days=1),
            ).values_list("family_id", flat=True)
        )
    )


def run_daily_rules(*, route: Route, today: date | None = None) -> RulesReport:
    """The date-driven rules (a young person turning 18 without a transition plan) for
    every family they may apply to, their findings handed to ``route`` per chunk. Run once
    a day; running it again the same day changes nothing."""

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
                    route(evaluate(facts, rules, assign), report)
                    report.families += len(facts)
    return report
