"""Linking: the right person, the right household.

The second stage of the pipeline ``intake → link → rules → alert → inbox → action``. It
takes signals in status ``received`` and decides, for each, which families it concerns:

1. **BSN.** A signal with a BSN that Rits knows (through the keyed pseudonym) is linked to
   every family that person is a member of.
2. **Name, date of birth and address.** Otherwise the signal is compared with the members
   of known families by a Fellegi–Sunter model, on surname, prefix, given names, date of
   birth and address. Comparisons tolerate typos, swapped given names, a missing prefix
   and a move. The model is a Splink settings document, fixed and committed
   (``linkage_model.json``, made by ``bench/train_linkage_model.py``), never trained while
   linking. Splink's ``predict_between`` scores with it on an in-process DuckDB database
   (:class:`Matcher`), tens of thousands of signals at a time, so that its fixed cost per
   call hardly counts.

   A signal is linked when exactly one person scores at least ``SIGNAL_LINK_THRESHOLD``
   and that person's date of birth does not clearly differ from the signal's (it agrees,
   is a typo or a day-month swap away, or one side has none), and no other person whose
   date of birth fits that way and whose given names do not differ scores at least
   ``SIGNAL_REVIEW_THRESHOLD``. Otherwise every candidate from the review threshold goes
   to the review queue, where the coordinator of the candidate's family decides. Why:
   the model counts name and address as independent evidence, but people with one
   surname at one address are mostly family, so a namesake at a known person's address
   (a son named after his father, a lodger) scores as high as that person; what tells
   them apart is the date of birth, which sources take from their own records. And a
   second person who fits as well (the same name and nearly the same date of birth in
   another family) is doubt; a child at the address with other given names is not.
3. **Household.** A signal about an adult (18 or older on the signal date, or a parent,
   step-parent or guardian in a family) is also linked to every family with children at
   the signal's address (postcode, house number and suffix, exactly) or at the address of
   the family the adult was linked to. Nothing links by address alone for anyone else.

A wrong link shows one family's signal to another family's coordinator, so the stage
prefers precision over recall: a person with a BSN is never a probabilistic match for a
signal carrying another BSN, and doubt goes to a person, not into a link.

Large runs: up to ``DECIDE_SIZE`` signals are decided together (one BSN lookup, one
scoring, a few set-based reads), then written in transactions of ``CHUNK_SIZE`` signals.
From ``SNAPSHOT_FROM`` signals every known member is read once into DuckDB, and that
snapshot is kept for the next runs of this process for at most ``SNAPSHOT_MAX_AGE``
seconds (and not after this process changed a person, family or membership, or any
process added a membership): a worker linking one delivery after another reads the
region once, not once per delivery. Whom a pair names is always read again from the
database.

Idempotent and restartable: each write transaction locks its signals (skipping those
another worker holds), checks again that ``linked_at`` is not set, and sets it with the
links; a signal whose ``linked_at`` is set is never looked at again, and links and
reviews are unique per signal and family or person. A crash loses at most the
transaction under way, which the next run does again."""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from rits.access.principals import Principal
from rits.audit.models import AuditAction
from rits.audit.services import Actor, AuditEntry, log_event, log_events
from rits.core.db import batched, copy_rows, in_lists
from rits.families.domains import LifeDomain
from rits.families.models import (
    ADULT_ROLES,
    Family,
    MemberRole,
    Membership,
    Person,
)
from rits.families.services import TimelineEntry, record_timeline
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
    SignalType,
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
# How long a snapshot may be used by later runs of the same process. A single large run
# already links against the population as it was when the run began; this lets the next
# deliveries share that view for a few minutes.
SNAPSHOT_MAX_AGE = 300.0
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


@lru_cache(maxsize=1 << 17)
def address_key(postcode: str, house_number: int | None, suffix: str) -> str | None:
    """The address as one value for exact comparison; ``None`` when it is not complete."""
    postcode = (postcode or "").replace(" ", "").upper()
    if not postcode or not house_number:
        return None
    return f"{postcode}-{house_number}-{normalise_suffix(suffix)}"


# The compared values, in the order of ``COLUMNS``, per field (see ``load_rows``).


def _name_values(surname: str, prefix: str) -> tuple[str | None, ...]:
    prefix_n, surname_n = split_surname(surname or "", prefix or "")
    return surname_n or None, (prefix_n + surname_n).replace(" ", "") or None, prefix_n or None


def _given_values(given_names: str) -> tuple[str | None, ...]:
    given = normalise_text((given_names or "").replace(".", " "))
    tokens = given.split()
    return given or None, " ".join(sorted(tokens)) or None, tokens[0] if tokens else None


def _date_values(birth_date: date | None) -> tuple[str | None, ...]:
    return (birth_date.isoformat(), str(birth_date.year)) if birth_date else (None, None)


def _address_values(postcode: str, house_number: int | None, suffix: str) -> tuple:
    postcode = (postcode or "").replace(" ", "").upper()
    return (
        postcode or None,
        str(house_number) if house_number else None,
        address_key(postcode, house_number, suffix),
        postcode[:4] or None,
    )


COLUMNS = (
    "unique_id",
    "surname",
    "surname_full",
    "prefix",
    "given",
    "given_sorted",
    "given_first",
    "birth_date",
    "birth_year",
    "postcode",
    "house_number",
    "address_key",
    "pc4",
)


# The values the linkage model compares, for a whole table at once: from raw columns (``RAW``),
# dates and addresses in SQL, names through small tables of their distinct values,
# normalised by the Python functions above (a region has a few thousand distinct names).
RAW = (
    ("unique_id", "BIGINT"),
    ("surname", "VARCHAR"),
    ("prefix", "VARCHAR"),
    ("given", "VARCHAR"),
    ("birth_date", "DATE"),
    ("postcode", "VARCHAR"),
    ("house_number", "BIGINT"),
    ("suffix", "VARCHAR"),
)
_RAW_SQL = """
CREATE OR REPLACE TEMPORARY TABLE rits_raw_n AS
SELECT unique_id, coalesce(surname, '') AS surname, coalesce(prefix, '') AS prefix,
    coalesce(given, '') AS given, birth_date,
    nullif(upper(replace(coalesce(postcode, ''), ' ', '')), '') AS postcode,
    CASE WHEN coalesce(house_number, 0) <> 0 THEN CAST(house_number AS VARCHAR) END
        AS house_number,
    coalesce(suffix, '') AS suffix
FROM rits_raw
"""
_LOAD_SQL = """
INSERT INTO {table}
SELECT r.unique_id, n.surname, n.surname_full, n.prefix, g.given, g.given_sorted,
    g.given_first, CAST(r.birth_date AS VARCHAR), CAST(year(r.birth_date) AS VARCHAR),
    r.postcode, r.house_number,
    CASE WHEN r.postcode IS NOT NULL AND r.house_number IS NOT NULL
        THEN r.postcode || '-' || r.house_number || '-'
            || regexp_replace(upper(r.suffix), '[^0-9A-Z]', '', 'g')
    END,
    left(r.postcode, 4)
FROM rits_raw_n AS r
JOIN rits_names AS n ON n.raw_surname = r.surname AND n.raw_prefix = r.prefix
JOIN rits_givens AS g ON g.raw_given = r.given
"""
# Rows per statement while loading: bounded memory for a population of any size.
_LOAD_BATCH = 50_000


def _dictionary(values: Iterable, pa_type):
    """An Arrow array of ``values`` that holds each distinct value once (converting a
    Python string to Arrow costs more than looking it up)."""
    import pyarrow as pa

    numbers: dict = {}
    indices = [numbers.setdefault(v, len(numbers)) for v in values]
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int32()), pa.array(list(numbers), pa_type)
    )


def load_rows(con, table: str, rows: Iterable[Sequence]) -> None:
    """Create table ``table`` on the DuckDB connection ``con`` with ``rows`` as the model
    compares them (the columns of ``record``). Rows are (id, surname, prefix, given
    names, date of birth, postcode, house number, suffix), as :func:`candidate_rows`
    gives them."""
    import pyarrow as pa

    _create(con, table)
    rows = iter(rows)
    while batch := list(itertools.islice(rows, _LOAD_BATCH)):
        text = pa.string()
        raw = pa.table(
            {
                "unique_id": pa.array([r[0] for r in batch], pa.int64()),
                "surname": _dictionary((r[1] for r in batch), text),
                "prefix": _dictionary((r[2] for r in batch), text),
                "given": _dictionary((r[3] for r in batch), text),
                "birth_date": pa.array([r[4] for r in batch], pa.date32()),
                "postcode": _dictionary((r[5] for r in batch), text),
                "house_number": pa.array([r[6] for r in batch], pa.int64()),
                "suffix": _dictionary((r[7] for r in batch), text),
            }
        )
        _insert(con, table, raw)


def load_arrow(con, table: str, raw) -> None:
    """``load_rows`` for an Arrow table with the columns ``RAW`` (at once: it is in
    memory already, and DuckDB reads it faster whole than in slices)."""
    _create(con, table)
    _insert(con, table, raw)


def _create(con, table: str) -> None:
    columns = ", ".join(f"{c} {'BIGINT' if c == 'unique_id' else 'VARCHAR'}" for c in COLUMNS)
    con.execute(f"CREATE TABLE {table} ({columns})")


def _insert(con, table: str, raw) -> None:
    import pyarrow as pa

    text = pa.string()
    con.register("rits_raw", raw)
    try:
        con.execute(_RAW_SQL)
        names = con.execute("SELECT DISTINCT surname, prefix FROM rits_raw_n").fetchall()
        givens = [g for (g,) in con.execute("SELECT DISTINCT given FROM rits_raw_n").fetchall()]
        normalised = [_name_values(*k) for k in names]
        con.register(
            "rits_names",
            pa.table(
                {
                    "raw_surname": pa.array([k[0] for k in names], text),
                    "raw_prefix": pa.array([k[1] for k in names], text),
                }
                | {
                    column: pa.array([v[i] for v in normalised], text)
                    for i, column in enumerate(("surname", "surname_full", "prefix"))
                }
            ),
        )
        normalised = [_given_values(g) for g in givens]
        con.register(
            "rits_givens",
            pa.table(
                {"raw_given": pa.array(givens, text)}
                | {
                    column: pa.array([v[i] for v in normalised], text)
                    for i, column in enumerate(("given", "given_sorted", "given_first"))
                }
            ),
        )
        con.execute(_LOAD_SQL.replace("{table}", table))
    finally:
        for view in ("rits_raw", "rits_names", "rits_givens"):
            con.unregister(view)
        con.execute("DROP TABLE IF EXISTS rits_raw_n")


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
    """The linkage model on an in-memory DuckDB database, one per process (see
    :func:`process_matcher`): scores signals against members, against candidates read
    for the run or against a snapshot of every known member.

    Incremental linkage: the members are never compared with each other. The model is a
    Splink settings document; for national volumes the same document is meant for one of
    Splink's distributed backends (not tried here)."""

    def __init__(self) -> None:
        import duckdb

        self.con = duckdb.connect(":memory:")
        self.pid = os.getpid()
        # One DuckDB connection must not be used by two threads at once.
        self.lock = threading.RLock()
        self._seq = itertools.count()
        self.population = ""
        self.population_key: tuple | None = None
        self.population_taken = 0.0

    def _table(self, rows: Iterable[Sequence]) -> str:
        name = f"rits_link_input_{next(self._seq)}"
        load_rows(self.con, name, rows)
        return name

    def load_population(self, rows=None, *, key: tuple | None = None) -> None:
        """Keep every known member for this and the next runs (see ``SNAPSHOT_MAX_AGE``):
        ``rows`` as :func:`population_rows` or :func:`population_table` give them, read
        from the database when not given; ``key`` says which database state it is."""
        if rows is None:
            rows = population_table()
            if rows is None:
                rows = population_rows()
        with self.lock:
            self.forget_population()
            if hasattr(rows, "num_rows"):
                self.population = f"rits_link_input_{next(self._seq)}"
                load_arrow(self.con, self.population, rows)
            else:
                self.population = self._table(rows)
            self.population_key = key
            self.population_taken = time.monotonic()

    def forget_population(self) -> None:
        with self.lock:
            if self.population:
                self.con.execute(f"DROP TABLE IF EXISTS {self.population}")
            self.population, self.population_key = "", None

    def population_is_fresh(self, key: tuple) -> bool:
        """Whether the snapshot is of the population ``key`` and young enough (a ``key``
        cut short to its first parts asks whether it may be)."""
        return bool(
            self.population
            and self.population_key is not None
            and self.population_key[: len(key)] == key
            and time.monotonic() - self.population_taken <= SNAPSHOT_MAX_AGE
        )

    def predict(
        self,
        signals: list[Sequence],
        *,
        floor: float,
        candidates: list[Sequence] | None = None,
    ) -> list[dict[str, Any]]:
        """Scored pairs (``unique_id_l`` a member, ``unique_id_r`` a signal) with a match
        probability of at least ``floor``, with their comparison-vector values. Against
        ``candidates`` if given, else against the loaded population."""
        if not signals or candidates == []:
            return []
        with self.lock:
            made = [self._table(signals)]
            if candidates is not None:
                made.append(self._table(candidates))
            left = made[1] if candidates is not None else self.population
            try:
                rows = self._predict_between(left, made[0], floor)
            finally:
                for name in made:
                    self.con.execute(f"DROP TABLE IF EXISTS {name}")
        return rows

    def _predict_between(self, members: str, signals: str, floor: float) -> list[dict[str, Any]]:
        # Splink's own prediction on this connection's tables: a Linker costs well under
        # a tenth of a second, a batch of 50,000 signals about three seconds.
        from splink import DuckDBAPI, Linker

        db = DuckDBAPI(connection=self.con)
        left, right = db.register(members), db.register(signals)
        linker = Linker([left, right], linkage_model(), log_level=None)
        result = linker.inference.predict_between(
            left, right, threshold_match_probability=floor, warning_mode="never"
        )
        try:
            return result.as_record_list()
        finally:
            result.drop_table_from_database_and_remove_from_cache()


_matcher: Matcher | None = None
_inherited: list[Matcher] = []
_matcher_lock = threading.Lock()
# Bumped whenever this process saves or deletes a person, family or membership: a
# snapshot taken before is not used again.
_population_changes = itertools.count()
_population_version = 0


def process_matcher() -> Matcher:
    """This process's :class:`Matcher` (made on first use, and again in a forked child:
    a DuckDB connection does not survive a fork)."""
    global _matcher
    with _matcher_lock:
        if _matcher is not None and _matcher.pid != os.getpid():
            # Kept, never closed here: DuckDB's threads were the parent's.
            _inherited.append(_matcher)
            _matcher = None
        if _matcher is None:
            _matcher = Matcher()
        return _matcher


def population_changed(**_kwargs: Any) -> None:
    """Never use the current snapshot again: a person, family or membership changed."""
    global _population_version
    _population_version = next(_population_changes)


for _model in (Person, Family, Membership):
    post_save.connect(population_changed, sender=_model, dispatch_uid=f"linking-{_model.__name__}")
    post_delete.connect(
        population_changed, sender=_model, dispatch_uid=f"linking-del-{_model.__name__}"
    )


def _population_key(*, local: bool = False) -> tuple:
    """Which population a snapshot was taken of: this database, as this process last
    changed it, with no membership added since (by any process). A membership removed
    or a person changed elsewhere is caught when the matched members are read again
    (see ``_link_by_model``) or, at the latest, by ``SNAPSHOT_MAX_AGE``."""
    key = (connection.alias, connection.settings_dict.get("NAME"), _population_version)
    if local:
        return key
    return (*key, Membership.objects.order_by().aggregate(last=Max("id"))["last"])


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


@dataclass(slots=True)
class _SignalRow:
    """What linking needs of a signal."""

    pk: int
    source_name: str
    signal_type: str
    signal_date: date | None
    bsn_pseudonym: str | None
    surname: str
    prefix: str
    given_names: str
    birth_date: date | None
    postcode: str
    house_number: int | None
    house_number_suffix: str

    @property
    def compared(self) -> tuple:
        return signal_row(self)


_SIGNAL_FIELDS = (
    "pk",
    "source__name",
    "signal_type",
    "signal_date",
    "bsn_pseudonym",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "house_number_suffix",
)


@dataclass(slots=True)
class _Member:
    membership_id: int
    person_id: int
    family_id: int
    role: str
    birth_date: date | None
    bsn_pseudonym: str | None
    postcode: str
    house_number: int | None
    house_number_suffix: str

    @property
    def address(self) -> str | None:
        return address_key(self.postcode, self.house_number, self.house_number_suffix)


@dataclass
class _Decision:
    signal: _SignalRow
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


def _signal_rows(queryset, limit: int | None = None) -> list[_SignalRow]:
    rows = queryset.order_by("pk").values_list(*_SIGNAL_FIELDS)
    if limit is not None:
        rows = rows[:limit]
    return [_SignalRow(*row) for row in rows]


def _pending_signals(signal_ids: list[int] | None) -> Iterator[list[_SignalRow]]:
    """The signals still to link, ``DECIDE_SIZE`` at a time, read without a lock (each
    write transaction locks and checks its own)."""
    if signal_ids is not None:
        wanted = sorted(set(signal_ids))
        for start in range(0, len(wanted), DECIDE_SIZE):
            rows: list[_SignalRow] = []
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
            if not matcher.population_is_fresh(_population_key(local=True)):
                matcher.forget_population()
            if self.snapshot or matcher.population:
                key = _population_key()
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
    signal ends ``linked``, ``review`` or ``unlinked`` with ``linked_at`` set."""
    today = today or timezone.localdate()
    report = LinkReport()
    if signal_ids is not None:
        signal_ids = list(signal_ids)
        pending = len(signal_ids)
    else:
        pending = _pending(None).count()
    run = _Run(today=today, snapshot=pending >= SNAPSHOT_FROM)
    with translation.override(settings.LANGUAGE_CODE):
        for signals in _pending_signals(signal_ids):
            decisions = _decide(signals, run=run)
            for start in range(0, len(decisions), CHUNK_SIZE):
                report.add(_link_chunk(decisions[start : start + CHUNK_SIZE]))
    return report


def _link_chunk(decisions: list[_Decision]) -> LinkReport:
    report = LinkReport(chunks=1)
    with transaction.atomic():
        # Locked and checked again inside the transaction: another worker may have linked
        # some of these meanwhile (then they are skipped here, not linked twice).
        locked: set[int] = set()
        for ids in in_lists((d.signal.pk for d in decisions), "bigint"):
            locked.update(
                Signal.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, linked_at__isnull=True)
                .order_by()
                .values_list("pk", flat=True)
            )
        mine = [d for d in decisions if d.signal.pk in locked]
        if mine:
            _write(mine, report)
    return report


# --- deciding ---------------------------------------------------------------------------


def _decide(signals: list[_SignalRow], *, run: _Run) -> list[_Decision]:
    """What to do with each signal (nothing is written here)."""
    decisions = [_Decision(s) for s in signals]
    # Every membership of every person read on the way: whom a BSN names, and the
    # candidates of the model (the household rule needs the linked persons' families).
    members: dict[int, _Member] = {}
    unresolved = _link_by_bsn(decisions, members)
    if unresolved:
        _link_by_model(unresolved, run, members)
    linked = _complete_families(decisions, members)
    _link_households(decisions, linked, today=run.today)
    return decisions


_MEMBER_FIELDS = (
    "id",
    "person_id",
    "family_id",
    "role",
    "person__birth_date",
    "person__bsn_pseudonym",
    "family__postcode",
    "family__house_number",
    "family__house_number_suffix",
)


def _members(filter_q: Q) -> list[_Member]:
    rows = Membership.objects.filter(filter_q).order_by().values_list(*_MEMBER_FIELDS)
    return [_Member(*row) for row in rows]


def _members_where(lookup: str, values: Iterable, db_type: str = "bigint") -> list[_Member]:
    """``_members`` whose ``lookup`` is one of ``values``."""
    members: list[_Member] = []
    for batch in in_lists(values, db_type):
        members += _members(Q(**{f"{lookup}__in": batch}))
    return members


def _link_by_bsn(decisions: list[_Decision], members: dict[int, _Member]) -> list[_Decision]:
    """Link signals whose BSN is known; return the others. Adds the memberships read to
    ``members`` (all of each person's)."""
    pseudonyms = {d.signal.bsn_pseudonym for d in decisions if d.signal.bsn_pseudonym}
    by_pseudonym: dict[str, list[_Member]] = defaultdict(list)
    for m in _members_where("person__bsn_pseudonym", pseudonyms, "text"):
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


def signal_row(signal: Signal | _SignalRow) -> tuple:
    """The signal as :class:`Matcher` takes it: (id, surname, prefix, given names, date of
    birth, postcode, house number, suffix)."""
    return (
        signal.pk,
        signal.surname,
        signal.prefix,
        signal.given_names,
        signal.birth_date,
        signal.postcode,
        signal.house_number,
        signal.house_number_suffix,
    )


def _surname_variants(signal: Signal | _SignalRow) -> set[str]:
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


def candidate_rows(signals: list[Signal | _SignalRow]) -> list[tuple]:
    """Members of known families who might be one of ``signals``: the same date of
    birth, the same postcode and house number, or the same surname and year of birth
    (the model's blocking rules, applied in the database first so that only candidates
    travel). One row per membership, with the family's address: (membership id, surname,
    prefix, given names, date of birth, postcode, house number, suffix)."""
    dates = {s.birth_date for s in signals if s.birth_date}
    addresses = {(s.postcode, s.house_number) for s in signals if s.postcode and s.house_number}
    name_years = {
        (name, s.birth_date.year) for s in signals if s.birth_date for name in _surname_variants(s)
    }
    rows: dict[int, tuple] = {}
    members = Membership.objects.order_by()
    for batch in batched(dates):
        for row in members.filter(person__birth_date__in=batch).values_list(*_CANDIDATE_FIELDS):
            rows[row[0]] = row
    for batch in batched(addresses):
        at = members.filter(
            family__postcode__in={p for p, _n in batch},
            family__house_number__in={n for _p, n in batch},
        )
        for row in at.values_list(*_CANDIDATE_FIELDS):
            if (row[5], row[6]) in addresses:
                rows[row[0]] = row
    for batch in batched(name_years):
        years = [y for _n, y in batch]
        named = members.filter(
            person__surname__in={n for n, _y in batch},
            person__birth_date__gte=date(min(years), 1, 1),
            person__birth_date__lte=date(max(years), 12, 31),
        )
        for row in named.values_list(*_CANDIDATE_FIELDS):
            if (row[1], row[4].year) in name_years:
                rows[row[0]] = row
    return list(rows.values())


def population_rows() -> Iterator[tuple]:
    """Every membership of every known family, as :func:`candidate_rows` gives them."""
    return Membership.objects.order_by().values_list(*_CANDIDATE_FIELDS).iterator(chunk_size=50_000)


def population_table():
    """``population_rows`` as an Arrow table with the columns ``RAW``, on PostgreSQL read
    with COPY and Arrow's CSV reader (no Python object per member), or ``None``."""
    query = Membership.objects.order_by().values_list(*_CANDIDATE_FIELDS).query
    sql, params = query.sql_with_params()
    if connection.vendor != "postgresql" or params:
        return None
    import io

    import pyarrow as pa
    from pyarrow import csv

    data = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            data.write(block)
    types = {"BIGINT": pa.int64(), "DATE": pa.date32(), "VARCHAR": pa.string()}
    if not data.tell():  # no member at all (Arrow reads no columns from nothing)
        return pa.table({name: pa.array([], types[kind]) for name, kind in RAW})
    data.seek(0)
    return csv.read_csv(
        data,
        read_options=csv.ReadOptions(column_names=[name for name, _type in RAW]),
        convert_options=csv.ConvertOptions(
            column_types={name: types[kind] for name, kind in RAW},
            # An empty text stays empty; an empty number or date is NULL (how COPY
            # writes NULL).
            strings_can_be_null=False,
        ),
    )


def field_agreement(row: dict[str, Any]) -> dict[str, str]:
    """Per compared field: agree, close, disagree or missing, from the scored pair."""
    return {
        name: values.get(row.get(f"gamma_{name}"), "disagree")
        for name, values in agreement_labels().items()
    }


def _birth_dates_differ(row: dict[str, Any]) -> bool:
    """The signal's date of birth and the person's are both known and not even one typo
    (or a day and month swap) apart."""
    return agreement_labels().get("birth_date", {}).get(row.get("gamma_birth_date")) == "disagree"


def _given_names_differ(row: dict[str, Any]) -> bool:
    return agreement_labels().get("given_names", {}).get(row.get("gamma_given_names")) == "disagree"


def _link_by_model(decisions: list[_Decision], run: _Run, members: dict[int, _Member]) -> None:
    """Link (or put in review) by the linkage model. Adds every membership of every
    candidate person to ``members``."""
    comparable = [d for d in decisions if d.signal.surname]
    if not comparable:
        return
    matcher = run.matcher()
    signals = [d.signal for d in comparable]
    candidates = None if run.use_population else candidate_rows(signals)
    link_at, review_at = link_thresholds()
    with matcher.lock:
        if candidates is None and not matcher.population:
            # Dropped meanwhile by another thread of this process (see _Run.matcher).
            candidates = candidate_rows(signals)
        pairs = matcher.predict(
            [s.compared for s in signals], candidates=candidates, floor=min(link_at, review_at)
        )
    if not pairs:
        return
    # Read again from the database, not taken from the snapshot: who the member is now;
    # with the person's other memberships, for linking to each of their families.
    for batch in in_lists({p["unique_id_l"] for p in pairs}, "bigint"):
        candidates_q = Membership.objects.filter(pk__in=batch).values("person_id")
        for m in _members(Q(person_id__in=candidates_q)):
            members[m.membership_id] = m
    by_signal: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in pairs:
        by_signal[p["unique_id_r"]].append(p)
    for d in comparable:
        # Per person the best of their memberships (a child of separated parents is a
        # member of two families, perhaps at two addresses).
        best: dict[int, tuple[dict[str, Any], _Member]] = {}
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
            if p["match_probability"] >= link_at and not _birth_dates_differ(p)
        ]
        rivals = [
            pid
            for pid, (p, _m) in best.items()
            if pid not in sure
            and p["match_probability"] >= review_at
            and not _birth_dates_differ(p)
            and not _given_names_differ(p)
        ]
        if len(sure) == 1 and not rivals:
            p, m = best[sure[0]]
            d.links[m.family_id] = (m.person_id, LinkMethod.PROBABILISTIC, p["match_probability"])
            d.persons.add(m.person_id)
            continue
        for pid, (p, m) in best.items():
            if p["match_probability"] >= review_at:
                d.reviews[pid] = (m.family_id, p["match_probability"], field_agreement(p))


def _complete_families(decisions: list[_Decision], members: dict[int, _Member]) -> list[_Member]:
    """A person linked by the model is linked to each family they are a member of.
    Returns the memberships of every linked person (the household rule needs them), from
    ``members`` (read on the way, see ``_decide``) or, for anyone not there, read now."""
    persons = {pid for d in decisions for pid in d.persons}
    if not persons:
        return []
    known = {m.person_id for m in members.values()}
    linked = [m for m in members.values() if m.person_id in persons]
    linked += _members_where("person_id", persons - known)
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


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _link_households(decisions: list[_Decision], members: list[_Member], *, today: date) -> None:
    """Rule 3: a signal about an adult also reaches every family with children at the
    adult's address. Rule 4: nobody else is linked by address."""
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

    def is_adult(d: _Decision) -> bool:
        on = d.signal.signal_date or today
        if d.persons & parents:
            return True
        dates = [born.get(pid) for pid in d.persons] or [d.signal.birth_date]
        return any(b is not None and _age(b, on) >= ADULT_AGE for b in dates)

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
    at_address: dict[str, set[int]] = defaultdict(set)
    for family_id, postcode, number, suffix in _families_with_children_at(
        set().union(*wanted.values())
    ):
        at_address[address_key(postcode, number, suffix)].add(family_id)
    for d in decisions:
        for key in wanted.get(d.signal.pk, ()):
            for family_id in sorted(at_address.get(key, ())):
                d.links.setdefault(family_id, (None, LinkMethod.HOUSEHOLD, None))


def _families_with_children_at(keys: set[str]) -> list[tuple]:
    """(family id, postcode, house number, suffix) of the families with children at the
    postcodes and house numbers of the address keys ``keys`` (the caller compares the
    suffix)."""
    children = Membership.objects.filter(role__in=CHILD_ROLES).order_by()
    fields = (
        "family_id",
        "family__postcode",
        "family__house_number",
        "family__house_number_suffix",
    )
    places = sorted({(k.split("-")[0], int(k.split("-")[1])) for k in keys})
    if connection.vendor == "postgresql":
        # Exactly those addresses: one join, not every family in those postcodes.
        at = RawSQL(  # noqa: S611 (no input in the statement, only parameters)
            f"SELECT f.id FROM {Family._meta.db_table} AS f "  # noqa: S608 (the model's table)
            "JOIN unnest(%s::text[], %s::integer[]) AS a(postcode, number) "
            "ON f.postcode = a.postcode AND f.house_number = a.number",
            [[p for p, _n in places], [n for _p, n in places]],
        )
        return list(children.filter(family_id__in=at).values_list(*fields).distinct())
    rows: list[tuple] = []
    for batch in batched(places):
        rows += (
            children.filter(
                family__postcode__in={p for p, _n in batch},
                family__house_number__in={n for _p, n in batch},
            )
            .values_list(*fields)
            .distinct()
        )
    return rows


# --- writing ----------------------------------------------------------------------------


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


def _write(decisions: list[_Decision], report: LinkReport) -> None:
    now = timezone.now()
    links, reviews, events = [], [], []
    by_status: dict[str, list[int]] = defaultdict(list)
    for d in decisions:
        s = d.signal
        by_status[d.status].append(s.pk)
        for family_id, (person_id, method, probability) in sorted(d.links.items()):
            links.append((s.pk, family_id, person_id, str(method), probability))
            # One event per signal and family: the family's timeline shows each signal.
            events.append(timeline_entry(family_id, s.signal_type, s.source_name))
            report.links[str(method)] += 1
        for person_id, (family_id, probability, agreement) in sorted(d.reviews.items()):
            reviews.append((s.pk, person_id, family_id, probability, agreement))
    if connection.vendor == "postgresql":
        _store_postgresql(links, reviews, by_status, now)
    else:
        _store(links, reviews, by_status, now)
    record_timeline(events, at=now)
    report.signals += len(decisions)
    report.linked += len(by_status.get(SignalStatus.LINKED, []))
    report.review += len(by_status.get(SignalStatus.REVIEW, []))
    report.unlinked += len(by_status.get(SignalStatus.UNLINKED, []))
    report.reviews += len(reviews)
    actor = Principal.system(ACTOR).actor
    _audit_per_family(decisions, actor)
    log_event(
        action=AuditAction.CREATE,
        actor=actor,
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


def _audit_per_family(decisions: list[_Decision], actor: Actor) -> None:
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
    log_events(
        actor=actor,
        entries=[
            AuditEntry(
                action=AuditAction.CREATE,
                object_type="signal.link",
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
LINK_COLUMNS = ("signal_id", "family_id", "person_id", "method", "match_probability")
REVIEW_COLUMNS = ("signal_id", "person_id", "family_id", "match_probability", "field_agreement")


def _store(links, reviews, by_status, now) -> None:
    """Any database: Django's bulk inserts, one update per status."""
    SignalLink.objects.bulk_create(
        [SignalLink(**dict(zip(LINK_COLUMNS, row, strict=True))) for row in links],
        ignore_conflicts=True,
    )
    LinkReview.objects.bulk_create(
        [LinkReview(**dict(zip(REVIEW_COLUMNS, row, strict=True))) for row in reviews],
        ignore_conflicts=True,
    )
    for status, ids in by_status.items():
        for batch in batched(ids):
            Signal.objects.filter(pk__in=batch).update(status=status, linked_at=now)


# For ``_store_postgresql``: the commit of a chunk need not wait for the disk (should
# the database crash right after, the chunk is lost as a whole, links, events, audit
# and linked_at together, and the next run links those signals again; any later commit
# that does wait makes it durable too); and staging tables of this connection, emptied
# at each commit.
_STAGING = """
SET LOCAL synchronous_commit TO OFF;
CREATE TEMPORARY TABLE IF NOT EXISTS rits_link_rows
    (signal_id bigint, family_id bigint, person_id bigint, method text,
     match_probability double precision) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS rits_review_rows
    (signal_id bigint, person_id bigint, family_id bigint, match_probability double precision,
     field_agreement jsonb) ON COMMIT DELETE ROWS
"""


def _store_postgresql(links, reviews, by_status, now) -> None:
    """PostgreSQL: every row through COPY (no statement text, parameter or model instance
    per row), links and reviews by way of a staging table so that those that already
    exist are left as they are, as ``bulk_create(ignore_conflicts=True)`` would."""
    link_table, review_table = SignalLink._meta.db_table, LinkReview._meta.db_table
    signal_table = Signal._meta.db_table
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
                ((*row[:4], json.dumps(row[4])) for row in reviews),
            )
            cursor.execute(
                f"INSERT INTO {review_table} ({', '.join(REVIEW_COLUMNS)}, status, created_at) "  # noqa: S608
                f"SELECT {', '.join(REVIEW_COLUMNS)}, %s, %s FROM rits_review_rows "
                "ON CONFLICT DO NOTHING",
                [LinkReview._meta.get_field("status").default, now],
            )
        # Ids and statuses as two comma-separated strings (see ``core.db.in_lists``).
        cursor.execute(
            f"UPDATE {signal_table} AS s SET status = t.status, linked_at = %s "  # noqa: S608
            "FROM unnest(string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')) "
            "AS t(id, status) WHERE s.id = t.id",
            [
                now,
                ",".join(str(pk) for pks in by_status.values() for pk in pks),
                ",".join(str(status) for status, pks in by_status.items() for _pk in pks),
            ],
        )
