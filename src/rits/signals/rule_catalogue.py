"""The rule catalogue: what the rules know about a family (the facts), what a rule
concludes (findings, with the parameters of their reason) and the rules themselves, by
code, each rendering its reason from those parameters when an alert is read.

Read by the rules runner (``rules.py``), which loads the facts and raises the alerts,
and by ``alerts``, which registers one work-item kind per rule (title, life domains,
reason): both import this module, neither the other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, numberformat, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.core import durations
from rits.core.domains import LifeDomain
from rits.families.models import MemberRole
from rits.plans.selectors import AgreementFact
from rits.signals.models import Signal, SignalType
from rits.signals.types import ARREARS
from rits.worklist.models import WorkItemStatus
from rits.worklist.working_days import add_months

YOUTH_ROLES = frozenset({MemberRole.CHILD, MemberRole.UNBORN})
UNRESOLVED = (WorkItemStatus.OPEN, WorkItemStatus.ACKNOWLEDGED)
# Stand-in for a transition plan until the transitions app exists: see
# ``has_transition_plan``.
TRANSITION_DOMAINS = frozenset({LifeDomain.FINANCES, LifeDomain.HOUSING, LifeDomain.WORK_EDUCATION})


def _date(day: date | str | None) -> str:
    """A date as a reason shows it; reasons keep their dates as ISO strings."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
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
        return any(a.about_finances and a.is_open for a in self.agreements)

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
        """The name of a member, empty when not known (the reason says "a child")."""
        member = self.members.get(person_id) if person_id else None
        return member.name if member else ""


# --- what a rule concludes ------------------------------------------------------------------


@dataclass
class Finding:
    """One conclusion of a rule about one family: becomes (or joins) one alert."""

    rule: Rule
    key: str
    signals: list[SignalFact]
    # The parameters of its reason (plain JSON: names, ISO dates, numbers), read once
    # the people it names are known; the rule renders them (``Rule.reason``).
    reason_params: Callable[[], dict]
    person_id: int | None = None
    crisis: bool = False
    # The concern match only: every organisation concerned, and all signals behind it
    # (also those about a young person with the same parent in another family).
    organisations: list[Source] = field(default_factory=list)
    match_signals: list[SignalFact] = field(default_factory=list)


class Rule:
    """A rule: its ``code``, ``title``, the life domains its alerts are about (who sees
    them beyond the coordinator), ``findings`` and ``reason`` (a finding's reason
    parameters as one plain sentence in the active language, when the alert is read; the
    reason code is the rule's code). ``daily`` rules depend on the date, not on new
    signals."""

    code: str = ""
    title = gettext_lazy("Rule")
    domains: tuple[str, ...] = ()
    daily = False
    # The reason names no person and no signal: a team lead may read it for a family
    # nobody in the team is involved with yet (the concern match).
    anonymous_reason = False

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        raise NotImplementedError

    def reason(self, params: dict) -> str:
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


def signal_params(signal: SignalFact | Signal) -> dict:
    """What a reason says of a signal, as plain JSON (never a BSN or a name)."""
    return {
        "type": signal.signal_type,
        "amount": None if signal.amount_eur is None else str(signal.amount_eur),
        "since": signal.since.isoformat() if signal.since else None,
        "source": signal.source.name,
        "date": signal.signal_date.isoformat(),
    }


def describe_signal(signal: dict) -> str:
    """One signal (``signal_params``) in a few words, e.g. "rent arrears of € 1,234.56
    since 01-12-2025, reported by Woonstichting X on 02-03-2026"."""
    phrases = _phrases()
    text = phrases.types.get(signal["type"], signal["type"])
    if signal["amount"] is not None:
        amount = numberformat.format(
            Decimal(signal["amount"]),
            phrases.decimal_separator,
            2,
            phrases.grouping,
            phrases.thousand_separator,
            force_grouping=True,
            use_l10n=True,
        )
        text = phrases.amount % {"what": text, "amount": amount}
    if signal["since"]:
        text = phrases.since % {"what": text, "date": _date(signal["since"])}
    return phrases.reported % {
        "what": text,
        "source": signal["source"],
        "date": _date(signal["date"]),
    }


def _described(params: dict) -> str:
    return capfirst(_and([describe_signal(s) for s in params["signals"]]))


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

        def reason_params() -> dict:
            return {"signals": [signal_params(s) for s in signals]}

        yield Finding(self, key, signals, reason_params, crisis=any(s.crisis for s in signals))

    def reason(self, params: dict) -> str:
        return _(
            "%(what)s; the family has children and its plan has no agreement about finances yet."
        ) % {"what": _described(params)}


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

        def reason_params() -> dict:
            return {
                "organisations": sorted(o.name for o in organisations),
                "one_young_person": len(about) == 1,
            }

        yield Finding(
            self,
            key,
            _unique(link for link in facts.concern_links if link.id in own),
            reason_params,
            person_id=next(iter(about)) if len(about) == 1 else None,
            organisations=organisations,
            match_signals=_unique(facts.concern_links),
        )

    def reason(self, params: dict) -> str:
        names = params["organisations"]
        if params["one_young_person"]:
            return _(
                "%(count)d organisations (%(names)s) are concerned about the same young "
                "person, and the family has no coordinator yet."
            ) % {"count": len(names), "names": _and(names)}
        return _(
            "%(count)d organisations (%(names)s) are concerned about young people of this "
            "family or with the same parent, and the family has no coordinator yet."
        ) % {"count": len(names), "names": _and(names)}


class ArrearsAfterDebtAgreement(Rule):
    """A recurring pattern: new arrears within ``RITS_RULES_RECURRING_ARREARS_MONTHS``
    (12) months after a debt agreement (an agreement about finances) was closed as done.

    Key: the closed agreement (``agreement:<id>``): one alert per relapse; more arrears
    join it."""

    code = "arrears_after_debt_agreement"
    title = gettext_lazy("New arrears after a debt agreement")
    domains = (LifeDomain.FINANCES,)

    def findings(self, facts: FamilyFacts) -> Iterator[Finding]:
        closed = [a for a in facts.agreements if a.about_finances and a.is_done]
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

            def reason_params(signals=signals, agreement=agreement) -> dict:
                return {
                    "signals": [signal_params(s) for s in signals],
                    "months": months,
                    "closed_on": agreement.updated_at_date.isoformat(),
                }

            yield Finding(
                self,
                f"agreement:{agreement_id}",
                signals,
                reason_params,
                crisis=any(s.crisis for s in signals),
            )

    def reason(self, params: dict) -> str:
        return _(
            "%(what)s, within %(months)d months after the agreement about finances "
            "was closed on %(date)s."
        ) % {
            "what": _described(params),
            "months": params["months"],
            "date": _date(params["closed_on"]),
        }


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

            def reason_params(person_id=person_id, visit=visit.signal, absence=absence.signal):
                return {
                    "name": facts.member_name(person_id),
                    "visit": visit.signal_date.isoformat(),
                    "absence": absence.signal_date.isoformat(),
                    "days": days,
                }

            yield Finding(self, key, signals, reason_params, person_id=person_id)

    def reason(self, params: dict) -> str:
        return _(
            "%(name)s missed a child-health visit (%(visit)s) and was absent from "
            "school (%(absence)s), within %(period)s of each other."
        ) % {
            "name": params["name"] or _("a child"),
            "visit": _date(params["visit"]),
            "absence": _date(params["absence"]),
            "period": durations.in_words(params["days"]),
        }


def has_transition_plan(facts: FamilyFacts, person_id: int) -> bool:
    """Whether the young person has a transition plan.

    A STAND-IN until the transitions app (18-/18+ transition plans) exists: the family's
    plan has an agreement, open or done, owned by the young person themselves and about
    finances, housing or work and education — the young person has started arranging
    their own income, housing or school/work. When the transitions app exists, it
    answers this question instead."""
    return any(
        a.owner_person_id == person_id
        and (a.is_open or a.is_done)
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

            def reason_params(name=member.name, birthday=birthday) -> dict:
                return {"name": name, "birthday": birthday.isoformat()}

            yield Finding(self, key, [], reason_params, person_id=member.person_id)

    def reason(self, params: dict) -> str:
        return _(
            "%(name)s turns 18 on %(date)s and has no transition plan yet (income, "
            "health insurance, housing, school or work, a mentor)."
        ) % {"name": params["name"], "date": _date(params["birthday"])}


RULES: tuple[Rule, ...] = (
    ArrearsWithoutFinanceAgreement(),
    ConcernMatchRule(),
    ArrearsAfterDebtAgreement(),
    MissedVisitAndSchoolAbsence(),
    TurningEighteenWithoutTransitionPlan(),
)
