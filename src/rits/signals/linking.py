"""Linking: the right person, the right household.

The second stage of the pipeline ``intake → link → rules → alert → inbox → action``. It
takes signals in status ``received`` and decides, for each, which families it concerns:

1. **BSN.** A signal with a BSN that Rits knows (through the keyed pseudonym) is linked to
   every family that person is a member of.
2. **Name, date of birth and address.** Otherwise the signal is compared with the members
   of known families by a Fellegi–Sunter model (Splink, in-process on DuckDB), on surname,
   prefix, given names, date of birth and address. Comparisons tolerate typos, swapped
   given names, a missing prefix and a move. The model's parameters are fixed and
   committed (``linkage_model.json``, made by ``bench/train_linkage_model.py``), never
   trained while linking. A signal is linked when exactly one person scores at least
   ``SIGNAL_LINK_THRESHOLD``; the candidates in the band from ``SIGNAL_REVIEW_THRESHOLD``
   (and all of them when two or more people score above the link threshold) go to the
   review queue, where the coordinator of the candidate's family decides.
3. **Household.** A signal about an adult (18 or older on the signal date, or a parent,
   step-parent or guardian in a family) is also linked to every family with children at
   the signal's address (postcode, house number and suffix, exactly) or at the address of
   the family the adult was linked to. Nothing links by address alone for anyone else.

A wrong link shows one family's signal to another family's coordinator, so the stage
prefers precision over recall: a person with a BSN is never a probabilistic match for a
signal carrying another BSN, and doubt goes to a person, not into a link.

Idempotent and restartable: signals are taken in chunks, each chunk in one transaction
that also sets ``linked_at``; a signal whose ``linked_at`` is set is never looked at again,
and links and reviews are unique per signal and family or person. A crash loses at most the
chunk under way, which the next run does again."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rits.audit.models import AuditAction
from rits.audit.services import Actor, log_event
from rits.families.domains import LifeDomain
from rits.families.models import ADULT_ROLES, Family, FamilyEvent, MemberRole, Membership
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
    SignalType,
)

# Signals per transaction: large enough for the linkage model to pay off, small enough to
# keep locks short and to lose little when a worker stops.
CHUNK_SIZE = 1000
# From this many signals in one run, every known member is read once into the linkage
# model's in-memory database, instead of the likely candidates chunk by chunk: reading
# ~100,000 members takes about as long as selecting candidates for three chunks. (A
# country's population would not fit: that is what Splink's Spark backend is for.)
SNAPSHOT_FROM = 3 * CHUNK_SIZE
MODEL_PATH = Path(__file__).with_name("linkage_model.json")
ACTOR = "linking"
ADULT_AGE = 18
# A family "with children": someone in it is a child (or is expected).
CHILD_ROLES = (MemberRole.CHILD, MemberRole.UNBORN)

# The life domain of each kind of signal, for the family's timeline: who may see the
# event is decided by that domain. A signal of an unknown kind is kept to those who see
# safety, the most restricted domain.
SIGNAL_DOMAINS: dict[str, str] = {
    SignalType.RENT_ARREARS: LifeDomain.FINANCES,
    SignalType.MORTGAGE_ARREARS: LifeDomain.FINANCES,
    SignalType.ENERGY_ARREARS: LifeDomain.FINANCES,
    SignalType.WATER_ARREARS: LifeDomain.FINANCES,
    SignalType.HEALTH_INSURANCE_ARREARS: LifeDomain.FINANCES,
    SignalType.SCHOOL_ABSENCE: LifeDomain.WORK_EDUCATION,
    SignalType.MISSED_CHILD_HEALTH_VISIT: LifeDomain.PHYSICAL_HEALTH,
    SignalType.VEILIG_THUIS_REPORT: LifeDomain.SAFETY,
    SignalType.POLICE_REPORT: LifeDomain.SAFETY,
    SignalType.RISK_REGISTRATION: LifeDomain.SAFETY,
    SignalType.SELF_REFERRAL: LifeDomain.DOMESTIC_RELATIONS,
    SignalType.OTHER: LifeDomain.SAFETY,
}


def signal_domain(signal_type: str) -> str:
    return SIGNAL_DOMAINS.get(signal_type, LifeDomain.SAFETY)


# --- normalising names and addresses ----------------------------------------------------

# Dutch (and a few neighbouring) surname prefixes, the "tussenvoegsels": a surname
# delivered as "de Vries" with an empty prefix compares as prefix "de", surname "vries".
PREFIX_WORDS = frozenset(
    "van de der den het t te ter ten in op aan bij onder over uit voor tot vander "
    "la le l du des d von vom zu zum zur dos da das do di del della s".split()
)
_NOT_LETTERS = re.compile(r"[^0-9a-z ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalise_text(value: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: 'Çelik-Öztürk' ->
    'celik ozturk', "d'Ancona" -> 'd ancona'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = plain.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("ı", "i")
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", plain)).strip()


@lru_cache(maxsize=65536)
def split_surname(surname: str, prefix: str) -> tuple[str, str]:
    """(prefix, surname), normalised. A prefix left in the surname is taken out of it."""
    words = normalise_text(surname).split()
    prefix_words = normalise_text(prefix).split()
    if not prefix_words:
        i = 0
        while i < len(words) - 1 and words[i] in PREFIX_WORDS:
            i += 1
        prefix_words, words = words[:i], words[i:]
    return " ".join(prefix_words), " ".join(words)


def normalise_suffix(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def address_key(postcode: str, house_number: int | None, suffix: str) -> str | None:
    """The address as one value for exact comparison; ``None`` when it is not complete."""
    postcode = (postcode or "").replace(" ", "").upper()
    if not postcode or not house_number:
        return None
    return f"{postcode}-{house_number}-{normalise_suffix(suffix)}"


def record(
    *,
    unique_id: int,
    surname: str,
    prefix: str,
    given_names: str,
    birth_date: date | None,
    postcode: str,
    house_number: int | None,
    house_number_suffix: str,
) -> dict[str, Any]:
    """One row as the linkage model compares it (both signals and persons)."""
    prefix_n, surname_n = split_surname(surname, prefix)
    given = normalise_text(given_names.replace(".", " "))
    tokens = given.split()
    postcode = (postcode or "").replace(" ", "").upper()
    return {
        "unique_id": unique_id,
        "surname": surname_n or None,
        "surname_full": (prefix_n + surname_n).replace(" ", "") or None,
        "prefix": prefix_n or None,
        "given": given or None,
        "given_sorted": " ".join(sorted(tokens)) or None,
        "given_first": tokens[0] if tokens else None,
        "birth_date": birth_date.isoformat() if birth_date else None,
        "birth_year": str(birth_date.year) if birth_date else None,
        "postcode": postcode or None,
        "house_number": str(house_number) if house_number else None,
        "address_key": address_key(postcode, house_number, house_number_suffix),
        "pc4": postcode[:4] or None,
    }


COLUMNS = tuple(
    record(
        unique_id=0,
        surname="",
        prefix="",
        given_names="",
        birth_date=None,
        postcode="",
        house_number=None,
        house_number_suffix="",
    )
)


# --- the linkage model ------------------------------------------------------------------


def linkage_model() -> dict[str, Any]:
    """The committed model: comparisons with their m and u probabilities, the prior and
    the blocking rules (a Splink settings document)."""
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


@cache
def agreement_labels() -> dict[str, dict[int, str]]:
    """Per comparison, what each comparison-vector value means for a reviewer: ``agree``,
    ``close`` or ``disagree`` (the first word of each level's label in the model), and
    ``missing`` for -1. Splink numbers the non-null levels from the top down to 0."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in linkage_model()["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        values = {-1: "missing"}
        for index, level in enumerate(levels):
            word = level.get("label_for_charts", "").split(":")[0].strip().lower()
            values[len(levels) - 1 - index] = word if word in {"agree", "close"} else "disagree"
        labels[comparison["output_column_name"]] = values
    return labels


class Matcher:
    """The linkage model, loaded once per run into an in-memory DuckDB database.

    Splink's ``predict_between`` scores new records (signals) against existing ones
    (candidate members), which is incremental linkage: the existing records are never
    compared with each other. For national volumes, the same model document is meant for
    Splink's Spark backend (its DuckDB-specific levels are translated by Splink; not
    tried here)."""

    def __init__(self) -> None:
        import pyarrow as pa
        from splink import DuckDBAPI, Linker

        self._pa = pa
        self.db = DuckDBAPI()
        self.schema = pa.schema(
            [("unique_id", pa.int64())] + [(c, pa.string()) for c in COLUMNS if c != "unique_id"]
        )
        self._seq = itertools.count()
        self.population = ""
        seed = self._table([])
        self.linker = Linker(
            [self.db.register(seed), self.db.register(self._table([]))],
            linkage_model(),
            log_level=None,
        )

    def _table(self, rows: list[dict[str, Any]]) -> str:
        name = f"rits_link_input_{next(self._seq)}"
        con = self.db.duckdb_con
        # Copied into a real table: DuckDB scans a table far faster than a registered
        # Arrow view, which the blocking joins read several times.
        con.register("rits_arrow_rows", self._pa.Table.from_pylist(rows, schema=self.schema))
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM rits_arrow_rows")  # noqa: S608
        con.unregister("rits_arrow_rows")
        return name

    def load_population(self, rows: Iterable[dict[str, Any]]) -> None:
        """Keep every known member in DuckDB for the rest of the run (see ``SNAPSHOT_FROM``)."""
        self.population = self._table(list(rows))

    def predict(
        self,
        signals: list[dict[str, Any]],
        *,
        floor: float,
        candidates: list[dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Scored pairs (``unique_id_l`` a member, ``unique_id_r`` a signal) with a match
        probability of at least ``floor``, with their comparison-vector values. Against
        ``candidates`` if given, else against the loaded population."""
        if not signals or candidates == []:
            return []
        made = [self._table(signals)]
        if candidates is not None:
            made.append(self._table(candidates))
        left = made[1] if candidates is not None else self.population
        try:
            result = self.linker.inference.predict_between(
                self.db.register(left),
                self.db.register(made[0]),
                threshold_match_probability=floor,
                warning_mode="never",
            )
            rows = result.as_record_list()
            result.drop_table_from_database_and_remove_from_cache()
        finally:
            for name in made:
                self.db.duckdb_con.execute(f"DROP TABLE IF EXISTS {name}")
        return rows

    def close(self) -> None:
        self.db.duckdb_con.close()


# --- one run ----------------------------------------------------------------------------


@dataclass
class LinkReport:
    """What a run of :func:`link_signals` did."""

    signals: int = 0
    linked: int = 0
    review: int = 0
    unlinked: int = 0
    links: Counter = field(default_factory=Counter)  # per method
    reviews: int = 0
    chunks: int = 0

    def add(self, other: LinkReport) -> None:
        self.signals += other.signals
        self.linked += other.linked
        self.review += other.review
        self.unlinked += other.unlinked
        self.links.update(other.links)
        self.reviews += other.reviews
        self.chunks += other.chunks


@dataclass
class _Member:
    membership_id: int
    person_id: int
    family_id: int
    role: str
    birth_date: date | None
    bsn_pseudonym: str | None


@dataclass
class _Decision:
    signal: Signal
    # family id -> (person id or None, method, probability)
    links: dict[int, tuple[int | None, str, float | None]] = field(default_factory=dict)
    # person id -> (family id, probability, field agreement)
    reviews: dict[int, tuple[int, float, dict[str, str]]] = field(default_factory=dict)
    persons: set[int] = field(default_factory=set)

    @property
    def status(self) -> str:
        if self.links:
            return SignalStatus.LINKED
        if self.reviews:
            return SignalStatus.REVIEW
        return SignalStatus.UNLINKED


def link_thresholds() -> tuple[float, float]:
    """(link, review): the match probability from which a signal is linked, and from
    which it goes to the review queue."""
    return settings.SIGNAL_LINK_THRESHOLD, settings.SIGNAL_REVIEW_THRESHOLD


def _pending(signal_ids: list[int] | None):
    signals = Signal.objects.filter(linked_at__isnull=True)
    if signal_ids is None:
        return signals.filter(status=SignalStatus.RECEIVED)
    return signals.filter(pk__in=signal_ids)


def _chunks_of_ids(signal_ids: list[int] | None) -> Iterator[list[int]]:
    if signal_ids is not None:
        wanted = sorted(set(signal_ids))
        for start in range(0, len(wanted), CHUNK_SIZE):
            ids = list(
                _pending(wanted[start : start + CHUNK_SIZE])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if ids:
                yield ids
        return
    last = 0
    while True:
        ids = list(
            _pending(None)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK_SIZE]
        )
        if not ids:
            return
        last = ids[-1]
        yield ids
        if len(ids) < CHUNK_SIZE:
            return


class _Run:
    """What one run keeps between chunks: the linkage model, loaded on first need (a run
    whose signals all have a known BSN never loads it), and for a large run every known
    member at once."""

    def __init__(self, *, today: date, snapshot: bool) -> None:
        self.today = today
        self.snapshot = snapshot
        self._matcher: Matcher | None = None

    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher()
            if self.snapshot:
                self._matcher.load_population(population_rows())
        return self._matcher

    def close(self) -> None:
        if self._matcher is not None:
            self._matcher.close()


def link_signals(*, signal_ids: list[int] | None = None, today: date | None = None) -> LinkReport:
    """Link every signal in status ``received`` (or the signals ``signal_ids``) that
    linking has not looked at yet; return what was done.

    Safe to run again and in several workers at once: see the module's docstring. Each
    signal ends ``linked``, ``review`` or ``unlinked`` with ``linked_at`` set."""
    today = today or timezone.localdate()
    report = LinkReport()
    if signal_ids is not None:
        signal_ids = list(signal_ids)
        pending = len(signal_ids)
    else:
        pending = _pending(None).count()
    run = _Run(today=today, snapshot=pending >= SNAPSHOT_FROM)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            for ids in _chunks_of_ids(signal_ids):
                report.add(_link_chunk(ids, run=run))
    finally:
        run.close()
    return report


def _link_chunk(ids: list[int], *, run: _Run) -> LinkReport:
    report = LinkReport(chunks=1)
    with transaction.atomic():
        # Locked and checked again inside the transaction: another worker may have linked
        # some of these meanwhile (then they are skipped here, not linked twice).
        signals = list(
            Signal.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids, linked_at__isnull=True)
            .select_related("source")
            .order_by("pk")
        )
        if not signals:
            return report
        decisions = _decide(signals, run=run)
        _write(decisions, report)
    return report


# --- deciding ---------------------------------------------------------------------------


def _decide(signals: list[Signal], *, run: _Run) -> list[_Decision]:
    """What to do with each signal (nothing is written here)."""
    decisions = [_Decision(s) for s in signals]
    unresolved = _link_by_bsn(decisions)
    if unresolved:
        _link_by_model(unresolved, run)
    members = _complete_families(decisions)
    _link_households(decisions, members, today=run.today)
    return decisions


def _members(filter_q: Q) -> list[_Member]:
    rows = Membership.objects.filter(filter_q).values_list(
        "id", "person_id", "family_id", "role", "person__birth_date", "person__bsn_pseudonym"
    )
    return [_Member(*row) for row in rows]


def _link_by_bsn(decisions: list[_Decision]) -> list[_Decision]:
    """Link signals whose BSN is known; return the others."""
    pseudonyms = {d.signal.bsn_pseudonym for d in decisions if d.signal.bsn_pseudonym}
    by_pseudonym: dict[str, list[_Member]] = defaultdict(list)
    if pseudonyms:
        for m in _members(Q(person__bsn_pseudonym__in=pseudonyms)):
            by_pseudonym[m.bsn_pseudonym].append(m)
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


def signal_record(signal: Signal) -> dict[str, Any]:
    return record(
        unique_id=signal.pk,
        surname=signal.surname,
        prefix=signal.prefix,
        given_names=signal.given_names,
        birth_date=signal.birth_date,
        postcode=signal.postcode,
        house_number=signal.house_number,
        house_number_suffix=signal.house_number_suffix,
    )


def _surname_variants(signal: Signal) -> set[str]:
    """The ways the signal's surname is likely stored, for the database's exact index."""
    variants: set[str] = set()
    for raw in {signal.surname.strip(), split_surname(signal.surname, signal.prefix)[1]}:
        if raw:
            variants.update({raw, raw.title(), raw.capitalize()})
    return variants


_CANDIDATE_FIELDS = (
    "id",
    "person__surname",
    "person__prefix",
    "person__given_names",
    "person__birth_date",
    "family__postcode",
    "family__house_number",
    "family__house_number_suffix",
)


def candidate_rows(signals: list[Signal]) -> list[dict[str, Any]]:
    """Members of known families who might be one of ``signals``: the same date of
    birth, the same postcode and house number, or the same surname and year of birth
    (the model's blocking rules, applied in the database first so that only candidates
    travel). One row per membership, with the family's address."""
    dates = {s.birth_date for s in signals if s.birth_date}
    addresses = {(s.postcode, s.house_number) for s in signals if s.postcode and s.house_number}
    name_years = {
        (name, s.birth_date.year) for s in signals if s.birth_date for name in _surname_variants(s)
    }
    rows: dict[int, tuple] = {}
    members = Membership.objects.order_by()
    if dates:
        for row in members.filter(person__birth_date__in=dates).values_list(*_CANDIDATE_FIELDS):
            rows[row[0]] = row
    if addresses:
        at = members.filter(
            family__postcode__in={p for p, _n in addresses},
            family__house_number__in={n for _p, n in addresses},
        )
        for row in at.values_list(*_CANDIDATE_FIELDS):
            if (row[5], row[6]) in addresses:
                rows[row[0]] = row
    if name_years:
        years = [y for _n, y in name_years]
        named = members.filter(
            person__surname__in={n for n, _y in name_years},
            person__birth_date__gte=date(min(years), 1, 1),
            person__birth_date__lte=date(max(years), 12, 31),
        )
        for row in named.exclude(pk__in=list(rows)).values_list(*_CANDIDATE_FIELDS):
            if (row[1], row[4].year) in name_years:
                rows[row[0]] = row
    return [
        record(
            unique_id=pk,
            surname=surname,
            prefix=prefix,
            given_names=given,
            birth_date=born,
            postcode=postcode,
            house_number=number,
            house_number_suffix=suffix,
        )
        for pk, surname, prefix, given, born, postcode, number, suffix in rows.values()
    ]


def population_rows() -> Iterator[dict[str, Any]]:
    """Every membership of every known family, as the model compares it."""
    rows = Membership.objects.order_by().values_list(*_CANDIDATE_FIELDS).iterator(chunk_size=10_000)
    for pk, surname, prefix, given, born, postcode, number, suffix in rows:
        yield record(
            unique_id=pk,
            surname=surname,
            prefix=prefix,
            given_names=given,
            birth_date=born,
            postcode=postcode,
            house_number=number,
            house_number_suffix=suffix,
        )


def field_agreement(row: dict[str, Any]) -> dict[str, str]:
    """Per compared field: agree, close, disagree or missing, from the scored pair."""
    return {
        name: values.get(row.get(f"gamma_{name}"), "disagree")
        for name, values in agreement_labels().items()
    }


def _link_by_model(decisions: list[_Decision], run: _Run) -> None:
    comparable = [d for d in decisions if d.signal.surname]
    if not comparable:
        return
    candidates = None if run.snapshot else candidate_rows([d.signal for d in comparable])
    if candidates == []:
        return
    link_at, review_at = link_thresholds()
    pairs = run.matcher().predict(
        [signal_record(d.signal) for d in comparable],
        candidates=candidates,
        floor=min(link_at, review_at),
    )
    if not pairs:
        return
    members = {m.membership_id: m for m in _members(Q(pk__in={p["unique_id_l"] for p in pairs}))}
    by_signal: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in pairs:
        by_signal[p["unique_id_r"]].append(p)
    for d in comparable:
        # Per person the best of their memberships (a child of separated parents is a
        # member of two families, perhaps at two addresses).
        best: dict[int, tuple[dict[str, Any], _Member]] = {}
        for p in by_signal.get(d.signal.pk, []):
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
        sure = [pid for pid, (p, _m) in best.items() if p["match_probability"] >= link_at]
        if len(sure) == 1:
            p, m = best[sure[0]]
            d.links[m.family_id] = (m.person_id, LinkMethod.PROBABILISTIC, p["match_probability"])
            d.persons.add(m.person_id)
            continue
        for pid, (p, m) in best.items():
            if p["match_probability"] >= review_at:
                d.reviews[pid] = (m.family_id, p["match_probability"], field_agreement(p))


def _complete_families(decisions: list[_Decision]) -> list[_Member]:
    """A person linked by the model is linked to each family they are a member of.
    Returns the memberships of every linked person (the household rule needs them)."""
    persons = {pid for d in decisions for pid in d.persons}
    if not persons:
        return []
    members = _members(Q(person_id__in=persons))
    families: dict[int, set[int]] = defaultdict(set)
    for m in members:
        families[m.person_id].add(m.family_id)
    for d in decisions:
        for _family_id, (pid, method, probability) in list(d.links.items()):
            if method != LinkMethod.PROBABILISTIC:
                continue
            for family_id in families.get(pid, ()):
                d.links.setdefault(family_id, (pid, method, probability))
    return members


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _link_households(decisions: list[_Decision], members: list[_Member], *, today: date) -> None:
    """Rule 3: a signal about an adult also reaches every family with children at the
    adult's address. Rule 4: nobody else is linked by address."""
    parents: set[int] = set()  # parent, step-parent or guardian somewhere
    born: dict[int, date | None] = {}
    for m in members:
        born[m.person_id] = m.birth_date
        if m.role in ADULT_ROLES:
            parents.add(m.person_id)

    def is_adult(d: _Decision) -> bool:
        on = d.signal.signal_date or today
        if d.persons & parents:
            return True
        dates = [born.get(pid) for pid in d.persons] or [d.signal.birth_date]
        return any(b is not None and _age(b, on) >= ADULT_AGE for b in dates)

    linked_families = {fid for d in decisions for fid in d.links}
    family_addresses = {
        pk: address_key(postcode, number, suffix)
        for pk, postcode, number, suffix in Family.objects.filter(
            pk__in=linked_families
        ).values_list("pk", "postcode", "house_number", "house_number_suffix")
    }
    wanted: dict[int, set[str]] = {}
    for d in decisions:
        s = d.signal
        if not is_adult(d):
            continue
        keys = {address_key(s.postcode, s.house_number, s.house_number_suffix)}
        keys.update(family_addresses.get(fid) for fid in d.links)
        keys.discard(None)
        if keys:
            wanted[s.pk] = keys
    if not wanted:
        return
    all_keys = set().union(*wanted.values())
    postcodes = {k.split("-")[0] for k in all_keys}
    numbers = {int(k.split("-")[1]) for k in all_keys}
    at_address: dict[str, set[int]] = defaultdict(set)
    rows = (
        Membership.objects.filter(
            role__in=CHILD_ROLES,
            family__postcode__in=postcodes,
            family__house_number__in=numbers,
        )
        .order_by()
        .values_list(
            "family_id", "family__postcode", "family__house_number", "family__house_number_suffix"
        )
        .distinct()
    )
    for family_id, postcode, number, suffix in rows:
        at_address[address_key(postcode, number, suffix)].add(family_id)
    for d in decisions:
        for key in wanted.get(d.signal.pk, ()):
            for family_id in sorted(at_address.get(key, ())):
                d.links.setdefault(family_id, (None, LinkMethod.HOUSEHOLD, None))


# --- writing ----------------------------------------------------------------------------


def timeline_text(signal: Signal) -> str:
    """What the family's timeline says, e.g. 'Signal received: rent arrears
    (Woonstichting X)'."""
    kind = (
        str(SignalType(signal.signal_type).label)
        if signal.signal_type in SignalType.values
        else signal.signal_type
    )
    return _("Signal received: %(kind)s (%(source)s)") % {
        "kind": kind[:1].lower() + kind[1:],
        "source": signal.source.name,
    }


def _write(decisions: list[_Decision], report: LinkReport) -> None:
    now = timezone.now()
    links, reviews, events = [], [], []
    texts: dict[int, str] = {}
    for d in decisions:
        s = d.signal
        for family_id, (person_id, method, probability) in sorted(d.links.items()):
            links.append(
                SignalLink(
                    signal=s,
                    family_id=family_id,
                    person_id=person_id,
                    method=method,
                    match_probability=probability,
                )
            )
            if s.pk not in texts:
                texts[s.pk] = timeline_text(s)[:500]
            events.append(
                FamilyEvent(
                    family_id=family_id,
                    occurred_at=now,
                    kind="signal",
                    description=texts[s.pk],
                    domain=signal_domain(s.signal_type),
                )
            )
            report.links[str(method)] += 1
        for person_id, (family_id, probability, agreement) in sorted(d.reviews.items()):
            reviews.append(
                LinkReview(
                    signal=s,
                    person_id=person_id,
                    family_id=family_id,
                    match_probability=probability,
                    field_agreement=agreement,
                )
            )
    SignalLink.objects.bulk_create(links, ignore_conflicts=True)
    LinkReview.objects.bulk_create(reviews, ignore_conflicts=True)
    # Timeline events are written here in bulk rather than one by one through
    # families.services.record_event: a chunk links hundreds of families at once.
    FamilyEvent.objects.bulk_create(events)
    by_status: dict[str, list[int]] = defaultdict(list)
    for d in decisions:
        by_status[d.status].append(d.signal.pk)
    for status, ids in by_status.items():
        Signal.objects.filter(pk__in=ids).update(status=status, linked_at=now)
    report.signals += len(decisions)
    report.linked += len(by_status.get(SignalStatus.LINKED, []))
    report.review += len(by_status.get(SignalStatus.REVIEW, []))
    report.unlinked += len(by_status.get(SignalStatus.UNLINKED, []))
    report.reviews += len(reviews)
    log_event(
        action=AuditAction.CREATE,
        actor=Actor.system(ACTOR),
        object_type="signal_link",
        # Ids and counts only: never names, dates of birth or BSNs.
        person_ids=sorted({pid for d in decisions for pid, *_ in d.links.values() if pid}),
        detail={
            "signal_ids": [d.signal.pk for d in decisions],
            "family_ids": sorted({fid for d in decisions for fid in d.links}),
            "review_family_ids": sorted({fid for d in decisions for fid, *_ in d.reviews.values()}),
            "linked": report.linked,
            "review": report.review,
            "unlinked": report.unlinked,
            "links": dict(report.links),
        },
    )


# --- measuring --------------------------------------------------------------------------


def evaluate_links(truth: dict[int, int | None]) -> tuple[float, float]:
    """Precision and recall of the person links against a known truth (signal id ->
    the id of the person it is really about, or ``None`` for someone Rits does not know),
    for the benchmark.

    Precision: of the (signal, person) links made, the share that is right. Recall: of
    the signals about a known person, the share linked to that person. Household links
    name no person and are not counted; a signal still in review counts as not linked."""
    made = correct = 0
    found: set[int] = set()
    ids = sorted(truth)
    for start in range(0, len(ids), 10_000):
        rows = (
            SignalLink.objects.filter(signal_id__in=ids[start : start + 10_000])
            .exclude(person_id=None)
            .order_by()
            .values_list("signal_id", "person_id")
            .distinct()
        )
        for signal_id, person_id in rows:
            made += 1
            if truth.get(signal_id) == person_id:
                correct += 1
                found.add(signal_id)
    known = sum(1 for person in truth.values() if person is not None)
    precision = correct / made if made else 1.0
    recall = len(found) / known if known else 1.0
    return precision, recall
