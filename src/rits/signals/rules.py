"""The rules: what the signals linked to a family mean for its coordinator.

Third stage of the pipeline ``intake → link → rules → alert → inbox → action``. Each rule
is a small named object with a ``code`` (configuration, audit, the alert's ``rule``), a
``title`` and ``findings(facts)``: what it concludes about one family, each finding with
the signals behind it, one plain sentence saying why (rendered in Dutch and English and
stored with the alert), whether it is a crisis (due sooner) and a ``key`` that makes the
alert unique, so that running the rules again never doubles an alert while a genuinely
new situation raises a new one.

Two entry points:

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

import calendar
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q
from django.dispatch import receiver
from django.utils import formats, numberformat, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.families.domains import LifeDomain
from rits.families.models import (
    ADULT_ROLES,
    Family,
    Involvement,
    MemberRole,
    Membership,
    Person,
)
from rits.organisations.models import Organisation, OrganisationKind, Team
from rits.plans.models import Agreement, AgreementStatus
from rits.signals.models import Alert, AlertStatus, Signal, SignalLink, SignalType

# Signals per transaction: small enough to keep locks short (a chunk takes well under a
# second), large enough that every query and insert, one per chunk, pays off.
SIGNALS_PER_CHUNK = 2000
FAMILIES_PER_CHUNK = 2000

ARREARS = frozenset(
    {
        SignalType.RENT_ARREARS,
        SignalType.MORTGAGE_ARREARS,
        SignalType.ENERGY_ARREARS,
        SignalType.WATER_ARREARS,
        SignalType.HEALTH_INSURANCE_ARREARS,
    }
)
# Signals that say an organisation is concerned about a young person (the Verwijsindex).
CONCERN = frozenset(
    {
        SignalType.SCHOOL_ABSENCE,
        SignalType.MISSED_CHILD_HEALTH_VISIT,
        SignalType.VEILIG_THUIS_REPORT,
        SignalType.POLICE_REPORT,
        SignalType.RISK_REGISTRATION,
    }
)
YOUTH_ROLES = frozenset({MemberRole.CHILD, MemberRole.UNBORN})
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
# Stand-in for a transition plan until the transitions app exists: see
# ``has_transition_plan``.
TRANSITION_DOMAINS = frozenset({LifeDomain.FINANCES, LifeDomain.HOUSING, LifeDomain.WORK_EDUCATION})


# --- dates ------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (weekends and Dutch public holidays
    do not count)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def due_date(today: date, *, crisis: bool) -> date:
    """When an alert raised ``today`` is due: ``RITS_ALERT_DUE_WORKING_DAYS`` working
    days, or ``RITS_ALERT_CRISIS_DUE_WORKING_DAYS`` when eviction, cut-off or loss of
    insurance is threatened."""
    days = settings.ALERT_CRISIS_DUE_WORKING_DAYS if crisis else settings.ALERT_DUE_WORKING_DAYS
    return add_working_days(today, days)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (the 31st becomes the last day of a shorter month)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _date(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else ""


# --- what the rules know about a family ---------------------------------------------------


@dataclass(frozen=True)
class Member:
    person_id: int
    role: str
    # The person's details: for the new signals only read for the people a finding is
    # about (``_name_people``), the date-driven rules read them for everyone.
    birth_date: date | None = None
    given_names: str = ""
    prefix: str = ""
    surname: str = ""
    with_details: bool = True

    @property
    def name(self) -> str:
        # Given names are how a coordinator speaks of a family member; the surname only
        # when the given names are not known.
        return self.given_names or " ".join(p for p in [self.prefix, self.surname] if p)


@dataclass(frozen=True)
class Source:
    """The organisation that sent a signal, as the rules name it."""

    pk: int
    name: str


@dataclass(frozen=True)
class SignalFact:
    """A signal as the rules read it: what, when, how much and from whom (never a BSN or
    a name). Plain values rather than model instances: a chunk reads thousands."""

    pk: int
    source: Source
    signal_type: str
    signal_date: date
    since: date | None
    amount_eur: Decimal | None
    crisis: bool
    archived_at: datetime | None

    @property
    def source_id(self) -> int:
        return self.source.pk


@dataclass(frozen=True)
class LinkedSignal:
    """A signal as linked to a family: through ``person_id``, or the household (None)."""

    signal: SignalFact
    person_id: int | None

    @property
    def id(self) -> int:
        return self.signal.pk


@dataclass(frozen=True)
class AgreementFact:
    id: int
    domains: tuple[str, ...]
    status: str
    updated_at_date: date
    owner_person_id: int | None

    @property
    def about_finances(self) -> bool:
        return LifeDomain.FINANCES in self.domains


@dataclass
class FamilyFacts:
    """Everything the rules look at for one family, loaded in bulk for a chunk of
    families (see ``load_facts``)."""

    family_id: int
    today: date
    members: dict[int, Member] = field(default_factory=dict)
    # The family's signals the rules need: the new ones, and the earlier ones a pattern
    # of a new one needs (the missed visits and school absences of the same child).
    signals: list[LinkedSignal] = field(default_factory=list)
    agreements: list[AgreementFact] = field(default_factory=list)
    # Who coordinates the family (and their team), and its municipality (for the
    # neighbourhood team): read only for the families it matters for, see
    # ``_load_coordinators``.
    coordinator_known: bool = False
    coordinator_id: int | None = None
    coordinator_team_id: int | None = None
    municipality_id: int | None = None
    # Per rule: the open or acknowledged alerts (key, person) and every alert's key.
    unresolved: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)
    keys: dict[str, set[str]] = field(default_factory=dict)
    # Per rule: new signals already behind one of its alerts for this family.
    covered: dict[str, set[int]] = field(default_factory=dict)
    # The signals this run looks at for the first time (or was asked to look at again).
    new_signal_ids: frozenset[int] = frozenset()
    # Concern signals about the family's young people and those with the same parent in
    # another family (only loaded for families without a coordinator, when a new one is
    # among them), and which of them are linked to this family itself.
    concern_links: list[LinkedSignal] = field(default_factory=list)
    own_concern_ids: set[int] = field(default_factory=set)

    @property
    def youths(self) -> list[Member]:
        return [m for m in self.members.values() if m.role in YOUTH_ROLES]

    @property
    def has_children(self) -> bool:
        return bool(self.youths)

    @property
    def has_open_finance_agreement(self) -> bool:
        return any(a.about_finances and a.status == AgreementStatus.OPEN for a in self.agreements)

    def fresh(self, rule: Rule, links: Iterable[LinkedSignal] | None = None) -> list[LinkedSignal]:
        """The new signals not behind an alert of ``rule`` for this family yet."""
        covered = self.covered.get(rule.code, set())
        return [
            s
            for s in (self.signals if links is None else links)
            if s.id in self.new_signal_ids and s.id not in covered
        ]

    def unresolved_key(self, rule: Rule, *, person_id: int | None = None) -> str | None:
        """The key of an open or acknowledged alert of ``rule`` (about ``person_id``): more
        of the same joins that alert instead of raising another one."""
        for key, person in self.unresolved.get(rule.code, []):
            if person_id is None or person == person_id:
                return key
        return None

    def member_name(self, person_id: int | None) -> str:
        member = self.members.get(person_id) if person_id else None
        return member.name if member else _("a child")


# --- what a rule concludes ------------------------------------------------------------------


@dataclass
class Finding:
    """One conclusion of a rule about one family: becomes (or joins) one alert."""

    rule: Rule
    key: str
    signals: list[SignalFact]
    # One plain sentence in the active language; rendered in Dutch and in English.
    reason: Callable[[], str]
    person_id: int | None = None
    crisis: bool = False
    # The concern match only: every organisation concerned, and all signals behind it
    # (also those about a young person with the same parent in another family).
    organisations: list[Source] = field(default_factory=list)
    match_signals: list[SignalFact] = field(default_factory=list)


class Rule:
    """A rule: its ``code``, ``title``, the life domains its alerts are about (who sees
    them beyond the coordinator) and ``findings``. ``daily`` rules depend on the date,
    not on new signals."""

    code: str = ""
    title = gettext_lazy("Rule")
    domains: tuple[str, ...] = ()
    daily = False
    # The reason names no person and no signal: a team lead may read it for a family
    # nobody in the team is involved with yet (the concern match).
    anonymous_reason = False

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        raise NotImplementedError

    @property
    def enabled(self) -> bool:
        return self.code not in settings.RULES_DISABLED

    def __repr__(self) -> str:
        return f"<Rule {self.code}>"


@dataclass(frozen=True)
class _Phrases:
    """The words ``describe_signal`` puts together, in one language: looked up once per
    language rather than a few times per signal (a chunk describes thousands)."""

    types: dict[str, str]
    amount: str
    since: str
    reported: str
    both: str
    decimal_separator: str
    grouping: int
    thousand_separator: str


@lru_cache(maxsize=16)
def _phrases_in(language: str) -> _Phrases:
    with translation.override(language):
        return _Phrases(
            types={t.value: str(t.label)[:1].lower() + str(t.label)[1:] for t in SignalType},
            amount=_("%(what)s of € %(amount)s"),
            since=_("%(what)s since %(date)s"),
            reported=_("%(what)s, reported by %(source)s on %(date)s"),
            both=_("%(first)s and %(last)s"),
            decimal_separator=formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
            grouping=formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
            thousand_separator=formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        )


@receiver(setting_changed)
def _forget_phrases(**kwargs) -> None:
    # Translations and formats follow the settings (in tests).
    _phrases_in.cache_clear()


def _phrases() -> _Phrases:
    return _phrases_in(translation.get_language() or settings.LANGUAGE_CODE)


def describe_signal(signal: SignalFact | Signal) -> str:
    """One signal in a few words, e.g. "rent arrears of € 1,234.56 since 01-12-2025,
    reported by Woonstichting X on 02-03-2026" (never a BSN or a name)."""
    phrases = _phrases()
    text = phrases.types[signal.signal_type]
    if signal.amount_eur is not None:
        amount = numberformat.format(
            signal.amount_eur,
            phrases.decimal_separator,
            2,
            phrases.grouping,
            phrases.thousand_separator,
            force_grouping=True,
            use_l10n=True,
        )
        text = phrases.amount % {"what": text, "amount": amount}
    if signal.since:
        text = phrases.since % {"what": text, "date": _date(signal.since)}
    return phrases.reported % {
        "what": text,
        "source": signal.source.name,
        "date": _date(signal.signal_date),
    }


def _and(parts: list[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return _phrases().both % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def _unique(links: Iterable[LinkedSignal]) -> list[SignalFact]:
    by_id = {link.id: link.signal for link in links}
    return [by_id[i] for i in sorted(by_id)]


class ArrearsWithoutFinanceAgreement(Rule):
    """Payment arrears (rent, mortgage, energy, water, health insurance) in a family with
    children (or expecting one) whose plan has no open agreement about finances.

    Key: the first signal (``signal:<id>``). Further arrears while that alert is still
    open or acknowledged join it (an earlier due date when one is a crisis); after it
    was acted on or dismissed, new arrears raise a new alert."""

    code = "arrears_without_finance_agreement"
    title = gettext_lazy("Payment arrears, no agreement about finances")
    domains = (LifeDomain.FINANCES,)

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        if not facts.has_children or facts.has_open_finance_agreement:
            return
        fresh = [s for s in facts.fresh(self) if s.signal.signal_type in ARREARS]
        if not fresh:
            return
        signals = _unique(fresh)
        key = facts.unresolved_key(self) or f"signal:{signals[0].pk}"

        def reason() -> str:
            return _(
                "%(what)s; the family has children and its plan has no agreement about "
                "finances yet."
            ) % {"what": capfirst(_and([describe_signal(s) for s in signals]))}

        yield Finding(self, key, signals, reason, crisis=any(s.crisis for s in signals))


class ConcernMatchRule(Rule):
    """The Verwijsindex match rule: two or more organisations are concerned about the
    same young person, about young people at the same address (one family), or about
    young people with the same parent (also in another family), and the family has no
    coordinator yet. Every organisation is told who the others are (a ``ConcernMatch``,
    read through ``GET /api/v1/concern-matches``), and the neighbourhood team gets an
    alert.

    Key: the organisations concerned (``orgs:<id>,<id>``): the same organisations sending
    more signals change nothing; another organisation joining is a new match."""

    code = "concern_match"
    title = gettext_lazy("Several organisations concerned, no coordinator")
    domains = (LifeDomain.SAFETY,)
    anonymous_reason = True

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        if facts.coordinator_id is not None or not facts.concern_links:
            return
        if not facts.fresh(self, facts.concern_links):
            return
        sources = {}
        for link in facts.concern_links:
            sources.setdefault(link.signal.source_id, link.signal.source)
        if len(sources) < 2:
            return
        organisations = [sources[i] for i in sorted(sources)]
        own = facts.own_concern_ids
        about = {link.person_id for link in facts.concern_links}
        key = "orgs:" + ",".join(str(o.pk) for o in organisations)

        def reason() -> str:
            names = _and(sorted(o.name for o in organisations))
            if len(about) == 1:
                return _(
                    "%(count)d organisations (%(names)s) are concerned about the same young "
                    "person, and the family has no coordinator yet."
                ) % {"count": len(organisations), "names": names}
            return _(
                "%(count)d organisations (%(names)s) are concerned about young people of this "
                "family or with the same parent, and the family has no coordinator yet."
            ) % {"count": len(organisations), "names": names}

        yield Finding(
            self,
            key,
            _unique(link for link in facts.concern_links if link.id in own),
            reason,
            person_id=next(iter(about)) if len(about) == 1 else None,
            organisations=organisations,
            match_signals=_unique(facts.concern_links),
        )


class ArrearsAfterDebtAgreement(Rule):
    """A recurring pattern: new arrears within ``RITS_RULES_RECURRING_ARREARS_MONTHS``
    (12) months after a debt agreement (an agreement about finances) was closed as done.

    Key: the closed agreement (``agreement:<id>``): one alert per relapse; more arrears
    join it."""

    code = "arrears_after_debt_agreement"
    title = gettext_lazy("New arrears after a debt agreement")
    domains = (LifeDomain.FINANCES,)

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        closed = [
            a for a in facts.agreements if a.about_finances and a.status == AgreementStatus.DONE
        ]
        if not closed:
            return
        months = settings.RULES_RECURRING_ARREARS_MONTHS
        after: dict[int, list[LinkedSignal]] = defaultdict(list)
        for link in facts.fresh(self):
            signal = link.signal
            if signal.signal_type not in ARREARS:
                continue
            since = add_months(signal.signal_date, -months)
            recent = [a for a in closed if since <= a.updated_at_date <= signal.signal_date]
            if recent:
                agreement = max(recent, key=lambda a: (a.updated_at_date, a.id))
                after[agreement.id].append(link)
        by_id = {a.id: a for a in closed}
        for agreement_id, links in sorted(after.items()):
            agreement = by_id[agreement_id]
            signals = _unique(links)

            def reason(signals=signals, agreement=agreement) -> str:
                return _(
                    "%(what)s, within %(months)d months after the agreement about finances "
                    "was closed on %(date)s."
                ) % {
                    "what": capfirst(_and([describe_signal(s) for s in signals])),
                    "months": months,
                    "date": _date(agreement.updated_at_date),
                }

            yield Finding(
                self,
                f"agreement:{agreement_id}",
                signals,
                reason,
                crisis=any(s.crisis for s in signals),
            )


class MissedVisitAndSchoolAbsence(Rule):
    """A missed child-health visit and school absence of the same child within
    ``RITS_RULES_VISIT_ABSENCE_DAYS`` (90) days of each other.

    Key: the child and the signal that completed the pattern
    (``person:<id>:signal:<id>``); more of the same while that alert is unresolved joins
    it."""

    code = "missed_visit_and_school_absence"
    title = gettext_lazy("Missed child-health visit and school absence")
    domains = (LifeDomain.PHYSICAL_HEALTH, LifeDomain.WORK_EDUCATION)

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        fresh = {s.id for s in facts.fresh(self)}
        if not fresh:
            return
        days = settings.RULES_VISIT_ABSENCE_DAYS
        per_child: dict[int, dict[str, list[LinkedSignal]]] = defaultdict(lambda: defaultdict(list))
        for link in facts.signals:
            if link.person_id and link.signal.signal_type in (
                SignalType.MISSED_CHILD_HEALTH_VISIT,
                SignalType.SCHOOL_ABSENCE,
            ):
                per_child[link.person_id][link.signal.signal_type].append(link)
        for person_id, kinds in sorted(per_child.items()):
            pairs = [
                (visit, absence)
                for visit in kinds[SignalType.MISSED_CHILD_HEALTH_VISIT]
                for absence in kinds[SignalType.SCHOOL_ABSENCE]
                if abs((visit.signal.signal_date - absence.signal.signal_date).days) <= days
                and (visit.id in fresh or absence.id in fresh)
            ]
            if not pairs:
                continue
            signals = _unique(link for pair in pairs for link in pair)
            newest = max(link.id for pair in pairs for link in pair if link.id in fresh)
            key = (
                facts.unresolved_key(self, person_id=person_id)
                or f"person:{person_id}:signal:{newest}"
            )
            visit, absence = max(pairs, key=lambda p: (max(p[0].id, p[1].id), p[0].id))

            def reason(person_id=person_id, visit=visit.signal, absence=absence.signal) -> str:
                return _(
                    "%(name)s missed a child-health visit (%(visit)s) and was absent from "
                    "school (%(absence)s), within %(days)d days of each other."
                ) % {
                    "name": facts.member_name(person_id),
                    "visit": _date(visit.signal_date),
                    "absence": _date(absence.signal_date),
                    "days": days,
                }

            yield Finding(self, key, signals, reason, person_id=person_id)


def has_transition_plan(facts: FamilyFacts, person_id: int) -> bool:
    """Whether the young person has a transition plan.

    A STAND-IN until the transitions app (18-/18+ transition plans) exists: the family's
    plan has an agreement, open or done, owned by the young person themselves and about
    finances, housing or work and education — the young person has started arranging
    their own income, housing or school/work. When the transitions app exists, it
    answers this question instead."""
    return any(
        a.owner_person_id == person_id
        and a.status in (AgreementStatus.OPEN, AgreementStatus.DONE)
        and TRANSITION_DOMAINS.intersection(a.domains)
        for a in facts.agreements
    )


def eighteenth_birthday(birth_date: date) -> date:
    return add_months(birth_date, 18 * 12)


class TurningEighteenWithoutTransitionPlan(Rule):
    """A young person (a child of the family) turns 18 within
    ``RITS_RULES_TRANSITION_MONTHS`` (18) months — from 16½ — and has no transition plan
    (see ``has_transition_plan``). A daily rule.

    Key: the young person (``person:<id>``): once per young person."""

    code = "turning_18_without_transition_plan"
    title = gettext_lazy("Turns 18 without a transition plan")
    domains = (LifeDomain.WORK_EDUCATION,)
    daily = True

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        until = add_months(facts.today, settings.RULES_TRANSITION_MONTHS)
        keys = facts.keys.get(self.code, set())
        for member in sorted(facts.youths, key=lambda m: m.person_id):
            if member.role != MemberRole.CHILD or member.birth_date is None:
                continue
            birthday = eighteenth_birthday(member.birth_date)
            key = f"person:{member.person_id}"
            if not facts.today < birthday <= until or key in keys:
                continue
            if has_transition_plan(facts, member.person_id):
                continue

            def reason(name=member.name, birthday=birthday) -> str:
                return _(
                    "%(name)s turns 18 on %(date)s and has no transition plan yet (income, "
                    "health insurance, housing, school or work, a mentor)."
                ) % {"name": name, "date": _date(birthday)}

            yield Finding(self, key, [], reason, person_id=member.person_id)


RULES: tuple[Rule, ...] = (
    ArrearsWithoutFinanceAgreement(),
    ConcernMatchRule(),
    ArrearsAfterDebtAgreement(),
    MissedVisitAndSchoolAbsence(),
    TurningEighteenWithoutTransitionPlan(),
)
RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def rule_for(code: str) -> Rule | None:
    return RULES_BY_CODE.get(code)


def rule_title(code: str) -> str:
    rule = rule_for(code)
    return str(rule.title) if rule else code


# --- reading in bulk ------------------------------------------------------------------------


def pg_array(values: Sequence) -> str | list:
    """``values`` as one PostgreSQL array parameter. Ids and dates are spelled out as an
    array literal (``'{1,2,NULL}'``): psycopg escapes each element of a list on its own,
    which costs more than the rest of the query when a chunk sends thousands. Anything
    else stays a list."""
    if all(v is None or type(v) is int or type(v) is date for v in values):
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    return list(values)


class _AnyOf(Expression):
    """``field = ANY(%s)``: the values as one array parameter. A chunk filters on
    thousands of ids, and ``field__in`` makes each of them a parameter of its own, which
    costs more (in Django and psycopg) than PostgreSQL spends finding the rows."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, values: list) -> None:
        super().__init__()
        self.lhs = F(field)
        self.values = values

    def get_source_expressions(self) -> list:
        return [self.lhs]

    def set_source_expressions(self, expressions: list) -> None:
        [self.lhs] = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"{sql} = ANY(%s)", (*params, pg_array(self.values))


def among(field: str, values: Iterable) -> Q:
    """A filter: ``field`` is one of ``values`` (as ``field__in``; on PostgreSQL as one
    array parameter however many values)."""
    values = list(values)
    if values and connection.vendor == "postgresql":
        return Q(_AnyOf(field, values))
    return Q(**{f"{field}__in": values})


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
    ).values_list("rule", "family_id", "key", "person_id", "status"):
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
    for rule, family_id, signal_id in Alert.signals.through.objects.filter(
        among("signal_id", new_ids)
    ).values_list("alert__rule", "alert__family_id", "signal_id"):
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


def _reasons(findings: list[Finding]) -> list[tuple[str, str]]:
    """The reason of each finding in Dutch and in English, each at most 500 characters
    (one switch of language for all findings, not two per finding)."""
    rendered = []
    for language in ("nl", "en"):
        with translation.override(language):
            rendered.append([str(f.reason())[:500] for f in findings])
    return list(zip(*rendered, strict=True))


def _apply(
    facts: list[FamilyFacts], rules: list[Rule], report: RulesReport, assign: _Assignment
) -> None:
    """Evaluate the rules for ``facts`` and raise (or join) their alerts and concern
    matches, all of the chunk at once."""
    from rits.signals import alerts  # alerts reads the rule catalogue above

    found = _evaluate(facts, rules)
    if not found:
        return
    _name_people(found)
    assign.load([fact for fact, _finding in found])
    # A due date walks the calendar day by day: once per day and kind (crisis or not).
    due: dict[tuple[date, bool], date] = {}
    drafts, matches = [], []
    for (fact, finding), (reason_nl, reason_en) in zip(
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
            alerts.AlertDraft(
                rule=finding.rule.code,
                family_id=fact.family_id,
                key=finding.key,
                reason_nl=reason_nl,
                reason_en=reason_en,
                due_date=due[when],
                signal_ids=[s.pk for s in finding.signals],
                person_id=finding.person_id,
                assigned_to_id=assigned_to_id,
                team_id=team_id,
            )
        )
    for _pk, created in alerts.record_concern_matches(matches):
        report.concern_matches += int(created)
    for draft, (_pk, outcome) in zip(drafts, alerts.raise_alerts(drafts), strict=True):
        if outcome == alerts.RAISED:
            report.raised[draft.rule] += 1
        elif outcome == alerts.UPDATED:
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
    from rits.signals import alerts

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
        report.escalated = alerts.escalate_overdue_alerts(today=today)
    return report
