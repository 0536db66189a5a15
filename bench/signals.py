"""Signals benchmark: realistic signals through intake → linking → rules on PostgreSQL, end
to end, against a bare bulk load of the same files measured in the same run.

    .venv/bin/python bench/signals.py --signals 1000000      (what `make bench-signals` runs)
    .venv/bin/python bench/signals.py --signals 10000        (a quick look)

1. **Database.** PostgreSQL only: ``DATABASE_URL`` if set, otherwise ``rits_bench`` on
   127.0.0.1:5432. ``manage.py migrate``; ``manage.py build_demo --families N`` only when the
   region has fewer families than ``--families``.
2. **Clean-up.** The signal tables are emptied before the run (and after it, unless
   ``--keep``): TRUNCATE of signals, batches (with their raw parts and reports), links,
   reviews, alerts and concern matches, and DELETE of the timeline events the pipeline wrote
   (kinds ``signal``, ``alert_*``, ``concern_match*``) since the first benchmark batch. Only
   in a database whose name contains "bench": anything else is refused. The audit log is
   append-only and keeps its events (one per chunk and per alert).
3. **Signals.** ``--signals`` rows, generated from the region's real members (one SQL query)
   with a known truth, seeded (``--seed``) and streamed to one CSV file per signal source
   (split at ``--rows-per-file``) under ``var/bench-signals/``: the demo's signal sources
   (housing corporations, energy, water, health insurer, schools, JGZ, Veilig Thuis,
   police), each with its own share of BSNs (landlords, energy and water companies rarely
   have one) and its own file dialect (landlords: semicolons, DD-MM-YYYY, 1.234,56).
   First the region is given what real ones have and a generated one lacks (``shape_region``,
   the same in every run): 1% of the families move in with an unrelated family (two
   families at one address) and in 2% of the families with two children or more the
   first two become twins (one date of birth and surname, other given names).
   Known people come with typos in surnames, given names in another order or an extra one,
   initials, call names and nicknames (from linking's own table,
   ``rits.signals.linking.names``), given name and surname swapped, prefixes left out or
   written into the surname, moved addresses, stale addresses (where another known family
   lives now), missing or mistyped dates of birth, missing addresses and suffixes, no
   given names, no surname (given names and a date of birth only), neither a date of
   birth nor a house number (the rates are the ``P_*`` constants below); some signals are
   chosen on purpose about an adult of a family that shares its address and about a twin
   (``P_SHARED_ADDRESS``, ``P_TWIN``): one must reach neither the other family nor the
   twin. 15% are about people Rits does not know: random people (60% of
   those), a lodger at a known family's address (20%), a namesake of a known person with
   another date of birth, half of them at that person's address (20%: a deliberately hard
   case, more frequent than in real deliveries); one BSN in a thousand fails the 11-proef
   (a rejected row). 70% of the signals concern the fifth of the families "in trouble".
   ``--skip-generate`` reuses the files of an earlier run with the same size and seed.
4. **Bare load** (the baseline): the same files with ``COPY … FROM STDIN`` into an
   unlogged table with the same 17 columns (text), in this process, one transaction.
5. **End to end**, file by file through the real path: ``services.receive_batch`` (as
   ``import_signals`` does) and ``pipeline.run_for_batch`` (process → link → rules). Wall
   time per stage, and inside each stage per step, with the time spent in PostgreSQL (every
   query timed through Django's ``execute_wrapper``).
6. **Storage floor** (the baseline of issue 12): after the run, a COPY of exactly the rows
   the run stored (every table's rows added since the run began: signals, raw deliveries,
   links, reviews, work items and alerts, timeline and audit events) into the real tables,
   with their indexes, foreign keys (checked at once) and triggers, each row once in its
   final state; in one transaction that is rolled back (see ``storage_floor``).
7. **Report.** Times, signals per second, the ratio end to end / storage floor (target
   ≤ 3×) and, as before, end to end / bare load (issue 4's target ≤ 4×),
   person-level linking precision and recall against the truth (targets ≥ 0.999 and
   ≥ 0.99; a signal in review counts as not linked, and the review count is given), the
   family-level reviews (the household rule: a signal that names nobody of a family at
   its address is put up for review for that family, never linked), a breakdown per kind
   of variation (each kind is a tag in ``truth.csv``) with, per kind, the signals linked
   to a family their person is not in and those in review for one, and the alerts raised
   per rule. Raw figures go to
   ``bench/results/signals-<time>.json`` (not committed); ``--profile`` adds a cProfile dump.

Timings belong here, never in tests (see CONVENTIONS.md)."""

from __future__ import annotations

import argparse
import cProfile
import csv
import functools
import itertools
import json
import os
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from region import ROOT, SRC, app_env, database_url, ensure_database, manage

DEFAULT_DATA = ROOT / "var" / "bench-signals"
REFERENCE_PREFIX = "BENCH-"
FILE_PREFIX = "bench-signals-"
BARE_TABLE = "bench_signals_bare_load"

# The targets of issue 4; printed next to the figures, not asserted.
TARGET_RATIO = 4.0
# Issue 12: end to end within 3× the storage floor (see ``storage_floor``).
TARGET_FLOOR_RATIO = 3.0
TARGET_PRECISION = 0.999
TARGET_RECALL = 0.99

HEADER = (
    "reference",
    "signal_type",
    "signal_date",
    "since",
    "amount_eur",
    "crisis",
    "bsn",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
    "house_number_suffix",
    "city",
    "risk_code",
    "note",
)
# Timeline events the pipeline writes (linking, alerts, concern matches).
PIPELINE_EVENT_CODES = (
    "signal.linked",
    "signal.alert_raised",
    "signal.alert_escalated",
    "signal.concern_match_raised",
    "signal.concern_match_in_touch",
)


# --- set-up ---------------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ.update(app_env(url))
    sys.path.insert(0, str(SRC))
    import django

    django.setup()


def cpu_probe() -> float:
    """Seconds for a fixed piece of pure Python: the machine's speed now. On a shared
    virtual machine it can change by half during a run; compare it before and after."""
    started = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i % 7
    return time.perf_counter() - started


def scalar(sql: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def rows_of(sql: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- clean-up -------------------------------------------------------------------------


def signal_tables() -> list[str]:
    """The tables of the signals app that hold signals and what came of them (not the
    API keys), many-to-many tables first."""
    from rits.signals.models import (
        Alert,
        ConcernMatch,
        LinkReview,
        Signal,
        SignalBatch,
        SignalBatchPart,
        SignalBatchProblem,
        SignalLink,
    )

    models = [Alert, ConcernMatch, LinkReview, SignalLink, Signal]
    models += [SignalBatchProblem, SignalBatchPart, SignalBatch]
    through = [
        f.remote_field.through._meta.db_table for m in models for f in m._meta.local_many_to_many
    ]
    return through + [m._meta.db_table for m in models]


def clean_up() -> dict[str, int]:
    """Empty the signal tables of this benchmark database (see the module's docstring)."""
    from django.db import connection, transaction

    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(
            f"Refusing to empty the signal tables of database {name!r}: the signals "
            "benchmark only cleans up a database whose name contains 'bench'."
        )
    removed = {}
    with transaction.atomic():
        removed["signals"] = scalar("SELECT count(*) FROM signals_signal")
        removed["alerts"] = scalar("SELECT count(*) FROM worklist_workitem")
        since = scalar(
            "SELECT min(received_at) FROM signals_signalbatch WHERE file_name LIKE %s",
            [FILE_PREFIX + "%"],
        )
        removed["timeline events"] = 0
        if since is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM families_familyevent WHERE code = ANY(%s) AND occurred_at >= %s",
                    [list(PIPELINE_EVENT_CODES), since],
                )
                removed["timeline events"] = cursor.rowcount
        with connection.cursor() as cursor:
            # No CASCADE: should another app ever point at these tables, this fails
            # instead of emptying that app's table too.
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in signal_tables()))
            cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
    if removed["timeline events"]:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE families_familyevent")
    return removed


# --- the region -----------------------------------------------------------------------

# Columns of a member row.
P_ID, P_FAMILY, P_ROLE, P_SURNAME, P_PREFIX, P_GIVEN, P_BORN, P_BSN = range(8)
P_POSTCODE, P_NUMBER, P_SUFFIX, P_CITY = range(8, 12)
ADULT_ROLES = {"parent", "step_parent", "guardian", "other"}
# Postcodes PostNL never issues, which intake refuses (core.intake.cells.UNUSED_POSTCODE_LETTERS);
# the demo region has some (see the report): nobody is taken from such an address.
UNUSED_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})


def read_members() -> tuple[list[tuple], set[str]]:
    """Every member of every family, born (not the unborn), with the family's address;
    and the BSN pseudonyms Rits knows. One query."""
    rows = rows_of(
        """
        SELECT p.id, m.family_id, m.role, p.surname, p.prefix, p.given_names, p.birth_date,
               p.bsn_encrypted, f.postcode, f.house_number, f.house_number_suffix, f.city,
               p.bsn_pseudonym
        FROM families_membership m
        JOIN families_person p ON p.id = m.person_id
        JOIN families_family f ON f.id = m.family_id
        WHERE m.role <> 'unborn' AND p.birth_date IS NOT NULL
        ORDER BY m.id
        """
    )
    pseudonyms = {r[12] for r in rows if r[12]}
    usable = [r[:12] for r in rows if r[P_POSTCODE][4:] not in UNUSED_POSTCODE_LETTERS]
    return usable, pseudonyms


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Kind:
    """A kind of signal: its share of all signals, which sources send it, how often they
    have the BSN, whom it is about (``who``: adult, school, jgz, youth, anyone)."""

    signal_type: str
    share: float
    source_kinds: tuple[str, ...]
    bsn_rate: float
    who: str
    amount: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()


KINDS = (
    Kind(
        "rent_arrears",
        0.20,
        ("woningcorporatie",),
        0.05,
        "adult",
        (150, 4500),
        ("Tweede maand achterstand", "Betalingsregeling afgebroken; huurder reageert niet"),
    ),
    Kind("other", 0.02, ("woningcorporatie",), 0.05, "adult", None, ('Melding "overlast"',)),
    Kind("energy_arrears", 0.14, ("energy_company",), 0.0, "adult", (60, 2500)),
    Kind("water_arrears", 0.08, ("water_company",), 0.0, "adult", (30, 900)),
    Kind("health_insurance_arrears", 0.14, ("health_insurer",), 0.97, "adult", (120, 3200)),
    Kind(
        "school_absence",
        0.16,
        ("school",),
        0.90,
        "school",
        None,
        ("Vaak te laat, ongeoorloofd verzuim", "16 uur verzuim in 4 weken"),
    ),
    Kind("missed_child_health_visit", 0.10, ("jgz",), 0.97, "jgz"),
    Kind("veilig_thuis_report", 0.05, ("veilig_thuis",), 0.70, "anyone"),
    Kind("police_report", 0.07, ("police",), 0.60, "anyone", None, ("Huiselijk geweld",)),
    Kind("risk_registration", 0.04, ("jgz", "school", "veilig_thuis"), 1.0, "youth"),
)
CUMULATIVE_SHARES = list(itertools.accumulate(k.share for k in KINDS))
# The source kinds that deliver in the landlords' dialect.
DUTCH_DIALECT = {"woningcorporatie"}

# How often each variation happens (independently) in a signal about a known person.
P_TROUBLE = 0.70  # share of signals about the fifth of the families "in trouble"
P_UNKNOWN = 0.15  # share of signals about people Rits does not know
P_PREFIX_MISSING = 0.25  # of people with a prefix
P_PREFIX_IN_SURNAME = 0.15  # of people with a prefix
P_SURNAME_TYPO = 0.04
P_GIVEN_SWAPPED = 0.03
P_GIVEN_INITIAL = 0.02
P_GIVEN_MISSING = 0.02
# A call name or nickname for the first given name ("Kees" for Cornelis), taken from
# linking's own table (``rits.signals.linking.names``): of people whose first given name
# has one there.
P_CALL_NAME = 0.05
P_NAMES_SWAPPED = 0.02  # the given name in the surname field and the surname in the other
P_SURNAME_MISSING = 0.01  # no surname (nor prefix): given names and a date of birth only
P_NO_DOB_NO_NUMBER = 0.01  # neither a date of birth nor a house number: name and postcode
P_STALE_ADDRESS = 0.03  # a previous address: where another known family lives now
# Signals chosen on purpose about an adult of a family that shares its address with an
# unrelated family, and about a twin (of the people the kind of signal is about).
P_SHARED_ADDRESS = 0.03
P_TWIN = 0.03
# What the benchmark does to the region first (see ``shape_region``): the share of the
# families that move in with another family (so two unrelated families at one address),
# and of the families with two children or more whose first two become twins.
SHARED_ADDRESS_FAMILIES = 0.01
TWIN_FAMILIES = 0.02
P_MOVED = 0.05
P_NO_ADDRESS = 0.03
P_SUFFIX_WRONG = 0.02
P_DOB_MISSING = 0.03
P_DOB_TYPO = 0.015
P_UPPER_CASE = 0.10
P_BSN_INVALID = 0.001


def typo(rng: random.Random, word: str) -> str:
    """One typing error: a letter replaced, left out, added, or two swapped."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _attempt in range(10):
        i = rng.randrange(1, len(word)) if len(word) > 1 else 0
        op = rng.randrange(4) if len(word) > 3 else 0
        if op == 0:
            out = word[:i] + rng.choice(letters) + word[i + 1 :]
        elif op == 1:
            out = word[:i] + word[i + 1 :]
        elif op == 2:
            out = word[:i] + rng.choice(letters) + word[i:]
        else:
            i = min(i, len(word) - 2)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if out.lower() != word.lower() and out.strip():
            return out
    return word + "e"


def dob_typo(rng: random.Random, born: date, today: date) -> date:
    """Day and month swapped, or one digit of the day or the year wrong."""
    if born.day <= 12 and born.day != born.month and rng.random() < 0.4:
        return born.replace(month=born.day, day=born.month)
    for _attempt in range(10):
        if rng.random() < 0.7:
            day = (born.day // 10) * 10 + rng.randrange(10)
            candidate = (born.year, born.month, day)
        else:
            candidate = ((born.year // 10) * 10 + rng.randrange(10), born.month, born.day)
        try:
            wrong = date(*candidate)
        except ValueError:
            continue
        if wrong != born and wrong <= today:
            return wrong
    return born + timedelta(days=1) if born < today else born - timedelta(days=1)


def bsn_check(body: str) -> int:
    return sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11


def unknown_bsn(rng: random.Random, known: set[str]) -> str:
    """A valid BSN (11-proef) in the demo's 9-range that nobody in the region has."""
    from rits.core.bsn import pseudonymise_bsn

    while True:
        body = str(rng.randrange(90_000_000, 100_000_000))
        check = bsn_check(body)
        if check == 10:
            continue
        bsn = body + str(check)
        if pseudonymise_bsn(bsn) not in known:
            return bsn


def invalid_bsn(rng: random.Random, bsn: str) -> str:
    """One digit wrong: the 11-proef catches every single wrong digit."""
    i = rng.randrange(9)
    digit = str((int(bsn[i]) + rng.randrange(1, 10)) % 10)
    return bsn[:i] + digit + bsn[i + 1 :]


def shape_region() -> dict[str, int]:
    """Give the region what real ones have and a generated one lacks: pairs of unrelated
    families at one address (``SHARED_ADDRESS_FAMILIES``: a family takes the address of
    another, as when two households share a house), and twins (``TWIN_FAMILIES``: of the
    families with two children or more, the second child gets the first's date of birth
    and surname; their given names differ). The families are chosen by their id, not by
    the seed, so a second run changes nothing; only in a benchmark database (see
    ``clean_up``)."""
    from django.db import connection, transaction

    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Refusing to change the region of a database whose name lacks 'bench'.")
    with transaction.atomic(), connection.cursor() as cursor:
        # Every 100th family (by id) moves in with the family before it in id order,
        # unless that one moves itself.
        step = round(1 / SHARED_ADDRESS_FAMILIES)
        cursor.execute(
            """
            WITH ranked AS (
                SELECT id, street, house_number, house_number_suffix, postcode, city,
                       row_number() OVER (ORDER BY id) AS n
                FROM families_family
                WHERE postcode <> '' AND house_number IS NOT NULL
                  AND substr(postcode, 5, 2) <> ALL(%s)
            )
            UPDATE families_family f
            SET street = host.street, house_number = host.house_number,
                house_number_suffix = host.house_number_suffix, postcode = host.postcode,
                city = host.city
            FROM ranked guest JOIN ranked host ON host.n = guest.n - 1
            WHERE f.id = guest.id AND guest.n %% %s = 0
              AND (f.postcode, f.house_number, f.house_number_suffix)
                  IS DISTINCT FROM (host.postcode, host.house_number, host.house_number_suffix)
            """,
            [sorted(UNUSED_POSTCODE_LETTERS), step],
        )
        moved = cursor.rowcount
        step = round(1 / TWIN_FAMILIES)
        cursor.execute(
            """
            WITH children AS (
                SELECT m.family_id, p.id AS person_id, p.birth_date, p.surname,
                       p.given_names,
                       row_number() OVER (PARTITION BY m.family_id ORDER BY m.id) AS k
                FROM families_membership m JOIN families_person p ON p.id = m.person_id
                WHERE m.role = 'child' AND p.birth_date IS NOT NULL
            ), pairs AS (
                SELECT a.family_id, a.birth_date, a.surname, b.person_id,
                       row_number() OVER (ORDER BY a.family_id) AS n
                FROM children a JOIN children b ON b.family_id = a.family_id AND b.k = 2
                WHERE a.k = 1 AND a.given_names <> b.given_names
            )
            UPDATE families_person p SET birth_date = pairs.birth_date, surname = pairs.surname
            FROM pairs
            WHERE p.id = pairs.person_id AND pairs.n %% %s = 0
              AND (p.birth_date, p.surname) IS DISTINCT FROM (pairs.birth_date, pairs.surname)
            """,
            [step],
        )
        twins = cursor.rowcount
    return {"families moved in with another": moved, "children made twins": twins}


def call_names() -> dict[str, list[str]]:
    """Per formal given name (normalised), its call names and nicknames in linking's
    table, sorted (so that a seeded choice is the same in every run)."""
    from rits.signals.linking import names

    of: dict[str, list[str]] = defaultdict(list)
    for variant, formal in names.variants().items():
        of[formal].append(variant)
    return {formal: sorted(found) for formal, found in of.items()}


class Generator:
    """Streams signals to one CSV file per source (and a truth file), seeded."""

    def __init__(self, *, members, pseudonyms, sources, seed: int, today: date) -> None:
        self.members = members
        self.pseudonyms = pseudonyms
        self.sources = sources  # kind -> [(id, name)] sorted by name
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self._bsn_cache: dict[str, str] = {}
        self._options: dict[str, list] = {}
        trouble = random.Random(f"{seed}:trouble")
        families = sorted({m[P_FAMILY] for m in members})
        self.trouble = set(trouble.sample(families, len(families) // 5))
        self.pools: dict[str, tuple[list[tuple], list[tuple]]] = {}
        for who in ("adult", "school", "jgz", "youth", "anyone"):
            everyone = [m for m in members if self._fits(m, who)]
            in_trouble = [m for m in everyone if m[P_FAMILY] in self.trouble]
            self.pools[who] = (everyone, in_trouble)
        self.addresses = [(m[P_POSTCODE], m[P_NUMBER], m[P_SUFFIX], m[P_CITY]) for m in members]
        self.call_names = call_names()
        # Families at one address with another family, and children with a twin (the
        # same family, date of birth and surname, other given names).
        at_address: dict[tuple, set[int]] = defaultdict(set)
        births: Counter = Counter()
        for m in members:
            at_address[(m[P_POSTCODE], m[P_NUMBER], m[P_SUFFIX])].add(m[P_FAMILY])
            if m[P_ROLE] == "child":
                births[(m[P_FAMILY], m[P_BORN], m[P_SURNAME])] += 1
        self.sharing = {
            f for families in at_address.values() if len(families) > 1 for f in families
        }
        self.twin_births = {key for key, n in births.items() if n > 1}
        # The addresses of families, each once, in a fixed order (for stale addresses).
        self.family_addresses = sorted(
            {
                m[P_FAMILY]: (m[P_POSTCODE], m[P_NUMBER], m[P_SUFFIX], m[P_CITY]) for m in members
            }.items()
        )
        self.special: dict[str, tuple[list[tuple], list[tuple]]] = {}
        for who, (everyone, _trouble) in self.pools.items():
            shared = [m for m in everyone if m[P_FAMILY] in self.sharing]
            twins = [m for m in everyone if self._is_twin(m)]
            self.special[who] = (shared, twins)

    def _is_twin(self, m: tuple) -> bool:
        return m[P_ROLE] == "child" and (m[P_FAMILY], m[P_BORN], m[P_SURNAME]) in self.twin_births

    def _fits(self, m: tuple, who: str) -> bool:
        years = age(m[P_BORN], self.today)
        if who == "adult":
            return m[P_ROLE] in ADULT_ROLES and years >= 18
        if who == "school":
            return m[P_ROLE] == "child" and 4 <= years < 18
        if who == "jgz":
            return m[P_ROLE] == "child" and years < 18
        if who == "youth":
            return m[P_ROLE] == "child" and years < 23
        return True

    def _age_range(self, who: str) -> tuple[int, int]:
        return {"adult": (19, 70), "school": (4, 17), "jgz": (0, 17), "youth": (0, 22)}.get(
            who, (0, 80)
        )

    def _bsn(self, encrypted: str) -> str:
        bsn = self._bsn_cache.get(encrypted)
        if bsn is None:
            from rits.core.bsn import decrypt_bsn

            bsn = self._bsn_cache[encrypted] = decrypt_bsn(encrypted)
        return bsn

    def _source(self, kind: Kind, family_id: int) -> tuple[int, str, str]:
        """A family deals with the same landlord, school, police team, …"""
        options = self._options.get(kind.signal_type)
        if options is None:
            options = [(k, s) for k in kind.source_kinds for s in self.sources.get(k, [])]
            self._options[kind.signal_type] = options
        source_kind, (pk, name) = options[family_id % len(options)]
        return pk, name, source_kind

    def _random_born(self, who: str) -> date:
        low, high = self._age_range(who)
        days = self.rng.randrange(low * 365 + 1, (high + 1) * 365)
        return self.today - timedelta(days=days)

    def known(self, kind: Kind, wants_bsn: bool) -> tuple[tuple, list[str], dict]:
        rng = self.rng
        everyone, in_trouble = self.pools[kind.who]
        shared, twins = self.special[kind.who]
        r = rng.random()
        if r < P_SHARED_ADDRESS and shared:
            person = rng.choice(shared)
        elif r < P_SHARED_ADDRESS + P_TWIN and twins:
            person = rng.choice(twins)
        else:
            person = rng.choice(in_trouble if in_trouble and rng.random() < P_TROUBLE else everyone)
        tags: list[str] = []
        # What the person is, whether chosen on purpose or not: the report's recall for
        # them is what matters (a signal about one must reach neither the other family
        # nor the twin).
        if person[P_FAMILY] in self.sharing:
            tags.append("shared address (two families)")
        if self._is_twin(person):
            tags.append("twin")
        surname, prefix, given = person[P_SURNAME], person[P_PREFIX], person[P_GIVEN]
        born = person[P_BORN]
        postcode, number, suffix, city = (
            person[P_POSTCODE],
            person[P_NUMBER],
            person[P_SUFFIX],
            person[P_CITY],
        )
        if prefix:
            r = rng.random()
            if r < P_PREFIX_MISSING:
                prefix = ""
                tags.append("prefix missing")
            elif r < P_PREFIX_MISSING + P_PREFIX_IN_SURNAME:
                surname, prefix = f"{prefix} {surname}", ""
                tags.append("prefix in surname")
        if rng.random() < P_SURNAME_TYPO:
            surname = typo(rng, surname)
            tags.append("surname typo")
        r = rng.random()
        if r < P_GIVEN_SWAPPED and given:
            names = given.split()
            if len(names) > 1:
                given = " ".join([*names[1:], names[0]])
            else:  # the source has all given names, the one in use second
                other = rng.choice(everyone)[P_GIVEN].split()
                given = f"{other[0]} {given}" if other else given
            tags.append("given names swapped/extra")
        elif r < P_GIVEN_SWAPPED + P_GIVEN_INITIAL and given:
            given = given[0] + "."
            tags.append("given name initial")
        elif r < P_GIVEN_SWAPPED + P_GIVEN_INITIAL + P_GIVEN_MISSING:
            given = ""
            tags.append("given names missing")
        elif r < P_GIVEN_SWAPPED + P_GIVEN_INITIAL + P_GIVEN_MISSING + P_CALL_NAME and given:
            from rits.signals.linking.normalise import normalise_text

            variants = self.call_names.get(normalise_text(given.split()[0]))
            if variants:  # the call name alone, as people give it
                given = rng.choice(variants).capitalize()
                tags.append("call name")
        if rng.random() < P_NAMES_SWAPPED and given:
            surname, given = given.split()[0], surname
            tags.append("given name and surname swapped")
        r = rng.random()
        if r < P_MOVED:
            postcode, _n, _s, city = rng.choice(self.addresses)
            number, suffix = rng.randrange(1, 300), ""
            tags.append("moved")
        elif r < P_MOVED + P_NO_ADDRESS:
            postcode, number, suffix, city = "", None, "", ""
            tags.append("no address")
        elif r < P_MOVED + P_NO_ADDRESS + P_SUFFIX_WRONG:
            suffix = "" if suffix else rng.choice(("A", "B", "1", "bis"))
            tags.append("suffix wrong")
        elif r < P_MOVED + P_NO_ADDRESS + P_SUFFIX_WRONG + P_STALE_ADDRESS:
            family, address = rng.choice(self.family_addresses)
            if family != person[P_FAMILY] and address[:3] != (postcode, number, suffix):
                postcode, number, suffix, city = address
                tags.append("stale address (another family's)")
        r = rng.random()
        if r < P_DOB_MISSING and postcode:
            born = None
            tags.append("birth date missing")
        elif r < P_DOB_MISSING + P_DOB_TYPO:
            born = dob_typo(rng, born, self.today)
            tags.append("birth date typo")
        elif r < P_DOB_MISSING + P_DOB_TYPO + P_NO_DOB_NO_NUMBER and postcode:
            born, number, suffix = None, None, ""
            tags.append("no birth date, no house number")
        if rng.random() < P_SURNAME_MISSING and given and born:
            surname, prefix = "", ""
            tags.append("surname missing")
        if rng.random() < P_UPPER_CASE:
            surname = surname.upper()
        fields = {
            "surname": surname,
            "prefix": prefix,
            "given_names": given,
            "birth_date": born,
            "postcode": postcode,
            "house_number": number,
            "house_number_suffix": suffix,
            "city": city,
            "bsn": self._bsn(person[P_BSN]) if wants_bsn and person[P_BSN] else "",
        }
        return person, tags, fields

    def unknown(self, kind: Kind, wants_bsn: bool) -> tuple[list[str], dict, int]:
        """Someone Rits does not know: a random person, a lodger at a known family's
        address, or a namesake of a known person (other date of birth)."""
        rng = self.rng
        everyone, _trouble = self.pools[kind.who]
        template = rng.choice(everyone)
        stranger = rng.choice(self.members)
        r = rng.random()
        postcode, _n, _s, city = rng.choice(self.addresses)
        address = (postcode, rng.randrange(1, 300), "", city)
        surname, prefix = stranger[P_SURNAME], stranger[P_PREFIX]
        given = rng.choice(self.members)[P_GIVEN]
        born = self._random_born(kind.who)
        if r < 0.6:
            tags = ["unknown person"]
        elif r < 0.8:
            tags = ["unknown person at a known address"]
            address = (
                template[P_POSTCODE],
                template[P_NUMBER],
                template[P_SUFFIX],
                template[P_CITY],
            )
        else:
            tags = ["unknown namesake of a known person"]
            surname, prefix, given = template[P_SURNAME], template[P_PREFIX], template[P_GIVEN]
            for _attempt in range(20):
                if abs(born.year - template[P_BORN].year) >= 2:
                    break
                born = self._random_born(kind.who)
            if rng.random() < 0.5:
                address = (
                    template[P_POSTCODE],
                    template[P_NUMBER],
                    template[P_SUFFIX],
                    template[P_CITY],
                )
        fields = {
            "surname": surname,
            "prefix": prefix,
            "given_names": given,
            "birth_date": born,
            "postcode": address[0],
            "house_number": address[1],
            "house_number_suffix": address[2],
            "city": address[3],
            "bsn": unknown_bsn(rng, self.pseudonyms) if wants_bsn else "",
        }
        return tags, fields, template[P_FAMILY]

    def signal(self, n: int) -> tuple[int, str, list[str], int | None, list[str], bool]:
        """One signal: (source id, dialect, CSV cells, true person id, tags, has a BSN)."""
        rng = self.rng
        kind = rng.choices(KINDS, cum_weights=CUMULATIVE_SHARES)[0]
        wants_bsn = rng.random() < kind.bsn_rate
        if rng.random() < P_UNKNOWN:
            tags, fields, family_id = self.unknown(kind, wants_bsn)
            person_id = None
        else:
            person, tags, fields = self.known(kind, wants_bsn)
            person_id, family_id = person[P_ID], person[P_FAMILY]
        source_id, _name, source_kind = self._source(kind, family_id)
        bsn = fields["bsn"]
        has_bsn = bool(bsn)
        if has_bsn and rng.random() < P_BSN_INVALID:
            bsn = invalid_bsn(rng, bsn)
            tags.append("invalid BSN (rejected)")
        dutch = source_kind in DUTCH_DIALECT
        signal_date = self.today - timedelta(days=rng.randrange(0, 365))
        since = amount = ""
        crisis = False
        if kind.amount:
            low, high = kind.amount
            value = rng.randrange(low * 100, high * 100) / 100
            amount = f"{value:,.2f}".replace(",", "#").replace(".", ",").replace("#", ".")
            amount = amount if dutch else f"{value:.2f}"
            since = signal_date - timedelta(days=rng.randrange(30, 240))
            crisis = rng.random() < 0.08
        elif kind.signal_type == "school_absence" and rng.random() < 0.5:
            since = signal_date - timedelta(days=rng.randrange(7, 90))
        note = rng.choice(kind.notes) if kind.notes and rng.random() < 0.3 else ""

        def day(value) -> str:
            if not value:
                return ""
            return value.strftime("%d-%m-%Y") if dutch else value.isoformat()

        postcode = fields["postcode"]
        if postcode and dutch:
            postcode = f"{postcode[:4]} {postcode[4:]}"
        cells = [
            f"{REFERENCE_PREFIX}{self.seed}-{n:08d}",
            kind.signal_type,
            day(signal_date),
            day(since),
            amount,
            ("ja" if crisis else "nee") if dutch else ("true" if crisis else "false"),
            bsn,
            fields["surname"],
            fields["prefix"],
            fields["given_names"],
            day(fields["birth_date"]),
            postcode,
            str(fields["house_number"] or ""),
            fields["house_number_suffix"],
            fields["city"],
            rng.choice("abcdefghijkl") if kind.signal_type == "risk_registration" else "",
            note,
        ]
        return source_id, ("nl" if dutch else "iso"), cells, person_id, tags, has_bsn


def source_organisations() -> dict[str, list[tuple[int, str]]]:
    from rits.organisations.models import Organisation

    wanted = {k for kind in KINDS for k in kind.source_kinds}
    sources: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, name, kind in (
        Organisation.objects.filter(kind__in=wanted)
        .order_by("name")
        .values_list("pk", "name", "kind")
    ):
        sources[kind].append((pk, name))
    missing = wanted - set(sources)
    if missing:
        sys.exit(f"The region has no signal source of kind {', '.join(sorted(missing))}.")
    return sources


def generate(args, data: Path, today: date) -> dict:
    """Write the signal files, the truth file and a manifest; return the manifest."""
    started = time.perf_counter()
    members, pseudonyms = read_members()
    read_seconds = time.perf_counter() - started
    sources = source_organisations()
    names = {pk: name for group in sources.values() for pk, name in group}
    gen = Generator(
        members=members, pseudonyms=pseudonyms, sources=sources, seed=args.seed, today=today
    )
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob(f"{FILE_PREFIX}*.csv"):
        old.unlink()
    files: dict[int, dict] = {}  # source id -> current file
    done: list[dict] = []
    counts = {"types": Counter(), "tags": Counter(), "with BSN": 0, "unknown": 0, "invalid": 0}

    def open_file(source_id: int, dialect: str) -> dict:
        part = files[source_id]["part"] + 1 if source_id in files else 1
        path = data / f"{FILE_PREFIX}{source_id:04d}-{part:02d}.csv"
        handle = path.open("w", encoding="utf-8", newline="")
        writer = csv.writer(handle, delimiter=";" if dialect == "nl" else ",", lineterminator="\n")
        writer.writerow(HEADER)
        entry = {
            "path": str(path),
            "source_id": source_id,
            "source": names[source_id],
            "delimiter": ";" if dialect == "nl" else ",",
            "rows": 0,
            "part": part,
            "handle": handle,
            "writer": writer,
        }
        files[source_id] = entry
        done.append(entry)
        return entry

    with (data / "truth.csv").open("w", encoding="utf-8", newline="") as truth_handle:
        truth = csv.writer(truth_handle, lineterminator="\n")
        for n in range(1, args.signals + 1):
            source_id, dialect, cells, person_id, tags, has_bsn = gen.signal(n)
            entry = files.get(source_id)
            if entry is None or entry["rows"] >= args.rows_per_file:
                if entry is not None:
                    entry["handle"].close()
                entry = open_file(source_id, dialect)
            entry["writer"].writerow(cells)
            entry["rows"] += 1
            truth.writerow([cells[0], person_id or "", "|".join(tags), "t" if has_bsn else "f"])
            counts["types"][cells[1]] += 1
            counts["tags"].update(tags)
            counts["with BSN"] += has_bsn
            counts["unknown"] += person_id is None
            counts["invalid"] += "invalid BSN (rejected)" in tags
    for entry in done:
        entry["handle"].close()
    manifest = {
        "signals": args.signals,
        "seed": args.seed,
        "today": today.isoformat(),
        "members": len(members),
        "files": [
            {k: v for k, v in e.items() if k not in {"handle", "writer"}}
            | {"bytes": Path(e["path"]).stat().st_size}
            for e in done
        ],
        "truth": str(data / "truth.csv"),
        "counts": {k: dict(v) if isinstance(v, Counter) else v for k, v in counts.items()},
        "seconds": {"read members": read_seconds, "generate": time.perf_counter() - started},
    }
    (data / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


# --- measuring ------------------------------------------------------------------------


class Timers:
    """Wall time per named step (inclusive; a step inside itself counts once), and the
    time and number of PostgreSQL queries made while each step was running."""

    def __init__(self) -> None:
        self.wall: Counter = Counter()
        self.calls: Counter = Counter()
        self.sql: Counter = Counter()
        self.queries: Counter = Counter()
        self.active: Counter = Counter()
        # Per innermost step and statement (its first 160 characters): time and count.
        self.statements: dict[tuple[str, str], list] = {}
        self.stack: list[str] = []
        self.patched: list[tuple[object, str, object]] = []

    @contextmanager
    def step(self, name: str):
        self.active[name] += 1
        self.stack.append(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stack.pop()
            self.active[name] -= 1
            if not self.active[name]:
                self.wall[name] += time.perf_counter() - started
                self.calls[name] += 1

    def wrap(self, owner: object, attribute: str, name: str) -> None:
        """Time every call of ``owner.attribute`` as step ``name`` (skipped when the
        attribute no longer exists, so that a rename does not break the benchmark)."""
        original = getattr(owner, attribute, None)
        if original is None:
            print(f"  (not timed: {getattr(owner, '__name__', owner)}.{attribute} is gone)")
            return

        @functools.wraps(original)
        def timed(*args, **kwargs):
            with self.step(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)
        self.patched.append((owner, attribute, original))

    def restore(self) -> None:
        for owner, attribute, original in reversed(self.patched):
            setattr(owner, attribute, original)
        self.patched.clear()

    def execute(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            for name, depth in self.active.items():
                if depth:
                    self.sql[name] += elapsed
                    self.queries[name] += 1
            key = (self.stack[-1] if self.stack else "", sql[:160])
            entry = self.statements.get(key)
            if entry is None:
                entry = self.statements[key] = [0.0, 0]
            entry[0] += elapsed
            entry[1] += 1

    def top_statements(self, n: int) -> list[dict]:
        ranked = sorted(self.statements.items(), key=lambda kv: -kv[1][0])[:n]
        return [
            {"seconds": t, "count": c, "step": step, "sql": sql} for (step, sql), (t, c) in ranked
        ]


# The steps timed inside each stage: (module, attribute, step name).
def instrument(timers: Timers) -> None:
    from rits.signals import alerts, linking, pipeline
    from rits.signals.intake import services
    from rits.signals.linking import matcher, store
    from rits.signals.linking import services as linking_services
    from rits.signals.rules import runner
    from rits.worklist import services as worklist

    timers.wrap(services, "process_batch", "intake")
    timers.wrap(services, "_store_chunk", "intake/write chunks (build signals, ORM, PG)")
    timers.wrap(linking, "link_signals", "linking")
    timers.wrap(matcher.Matcher, "__init__", "linking/Splink set-up")
    timers.wrap(matcher.Matcher, "load_population", "linking/population snapshot into DuckDB")
    timers.wrap(linking_services, "candidate_rows", "linking/candidate reads (small runs)")
    timers.wrap(matcher.Matcher, "predict", "linking/Splink predict")
    timers.wrap(linking_services, "_link_by_bsn", "linking/BSN lookup")
    timers.wrap(linking_services, "_complete_families", "linking/families and family-level reviews")
    timers.wrap(linking_services, "_review_households", "linking/families and family-level reviews")
    timers.wrap(store, "write", "linking/write links, reviews, timeline")
    timers.wrap(pipeline, "run_rules", "rules")
    timers.wrap(runner, "load_facts", "rules/load facts")
    timers.wrap(alerts, "raise_alerts", "rules/raise alerts (with timeline and audit)")
    timers.wrap(alerts, "record_concern_matches", "rules/concern matches")
    timers.wrap(alerts, "log_events", "rules/audit events")
    timers.wrap(worklist, "log_events", "rules/audit events")


# The tables the pipeline fills and reads again, for ANALYZE (see ``end_to_end``); the
# timeline and the audit log only grow (and are large: analysing them costs a second).
FILLED_TABLES = (
    "signals_signal",
    "signals_signallink",
    "signals_linkreview",
    "worklist_workitem",
    "signals_signal_work_items",
    "signals_concernmatch",
    "signals_concernmatch_signals",
)
ANALYZE_STEP = "ANALYZE after intake and linking (no autovacuum)"


def autovacuum_is_on() -> bool:
    return scalar("SHOW autovacuum") == "on"


def analyze_after(timers: Timers, owner: object, attribute: str) -> None:
    """Run ANALYZE on the filled tables after each call of ``owner.attribute``: on a
    server without autovacuum the tables, emptied before the run, would otherwise keep
    no statistics at all while they grow to a million rows, and PostgreSQL plans whole
    table scans for every chunk (see the report)."""
    from django.db import connection

    original = getattr(owner, attribute)

    @functools.wraps(original)
    def run(*args, **kwargs):
        result = original(*args, **kwargs)
        with timers.step(ANALYZE_STEP), connection.cursor() as cursor:
            # What autovacuum would do with its default thresholds: analyse a table once
            # more than 10% of it (plus 50 rows) changed since it was last analysed.
            cursor.execute(
                """
                SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
                WHERE s.relname = ANY(%s)
                  AND s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
                """,
                [list(FILLED_TABLES)],
            )
            stale = [row[0] for row in cursor.fetchall()]
            if stale:
                cursor.execute("ANALYZE " + ", ".join(stale))
        return result

    setattr(owner, attribute, run)
    timers.patched.append((owner, attribute, original))


def bare_load(files: list[dict]) -> tuple[float, int]:
    """COPY the files into an unlogged table with the same columns: the baseline."""
    from django.db import connection, transaction

    columns = ", ".join(f"{c} text" for c in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(f"CREATE UNLOGGED TABLE {BARE_TABLE} ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for f in files:
            statement = (
                f"COPY {BARE_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true, "
                f"DELIMITER '{f['delimiter']}')"
            )
            with cursor.copy(statement) as copy, open(f["path"], "rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    copy.write(chunk)
    seconds = time.perf_counter() - started
    rows = scalar(f"SELECT count(*) FROM {BARE_TABLE}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BARE_TABLE}")
    return seconds, rows


# --- the storage floor ------------------------------------------------------------------

# The audit log is append-only: its rows are copied back under another chain number, so
# that they do not collide with themselves (the whole measurement is rolled back).
AUDIT_TABLE = "audit_auditevent"
AUDIT_CHAIN_OFFSET = 1_000_000


def table_marks() -> dict[str, int]:
    """Per table with a numeric ``id`` column, its highest id now (0 when empty): what was
    there before the run. (The task queue's tables, with UUIDs, are left out: what the
    run queued is not what it must store.)"""
    tables = [
        t
        for (t,) in rows_of(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND column_name = 'id' "
            "AND data_type IN ('smallint', 'integer', 'bigint') ORDER BY 1"
        )
    ]
    return {t: scalar(f'SELECT coalesce(max(id), 0) FROM "{t}"') for t in tables}


def _in_key_order(tables: list[str]) -> list[str]:
    """``tables`` with every table after the tables its foreign keys point to."""
    edges = rows_of(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
        "WHERE c.contype = 'f'"
    )
    needs = {t: set() for t in tables}
    for child, parent in edges:
        child, parent = child.strip('"'), parent.strip('"')
        if child in needs and parent in needs and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, parents in needs.items() if not parents - set(ordered))
        if not ready:  # a cycle: the rest in any order (constraints are checked anyway)
            ready = sorted(needs)
        for t in ready:
            ordered.append(t)
            del needs[t]
    return ordered


def storage_floor(before: dict[str, int]) -> dict:
    """The baseline of issue 12: a COPY, into the real tables with their indexes,
    foreign keys (checked at once) and triggers, of exactly the rows the run stored (every
    row of every table added since ``before``: signals, raw deliveries, links, reviews,
    alerts and work items, timeline events, audit events, ...), each once in its final
    state. In one transaction that is rolled back: the run's own rows are taken out first
    (not timed) and copied back in (timed); the audit log, which refuses deletes, gets its
    rows a second time under another chain number."""
    from django.db import connection, transaction

    after = table_marks()
    grown = [t for t, last in after.items() if last > before.get(t, 0)]
    dumps: dict[str, tuple[str, bytes, int]] = {}
    with connection.cursor() as cursor:
        for t in grown:
            columns = [
                c
                for (c,) in rows_of(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = %s ORDER BY ordinal_position",
                    [t],
                )
            ]
            if t == AUDIT_TABLE:
                columns.remove("id")
            select = ", ".join(
                f'"{c}" + {AUDIT_CHAIN_OFFSET}' if (t == AUDIT_TABLE and c == "chain") else f'"{c}"'
                for c in columns
            )
            data = bytearray()
            sql = f'COPY (SELECT {select} FROM "{t}" WHERE id > {before.get(t, 0)}) TO STDOUT'
            with cursor.copy(sql) as copy:
                for block in copy:
                    data += block
            target = ", ".join(f'"{c}"' for c in columns)
            dumps[t] = (target, bytes(data), after[t])
    counts = {t: scalar(f'SELECT count(*) FROM "{t}" WHERE id > {before.get(t, 0)}') for t in grown}
    seconds, per_table = 0.0, {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for t in grown:
                if t != AUDIT_TABLE:
                    cursor.execute(f'DELETE FROM "{t}" WHERE id > {before.get(t, 0)}')
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for t in _in_key_order(grown):
                target, data, _last = dumps[t]
                started = time.perf_counter()
                with cursor.copy(f'COPY "{t}" ({target}) FROM STDIN') as copy:
                    copy.write(data)
                per_table[t] = time.perf_counter() - started
            seconds = sum(per_table.values())
            raise _RollBack
    except _RollBack:
        pass
    return {
        "seconds": seconds,
        "rows": counts,
        "seconds per table": per_table,
        "bytes": sum(len(d[1]) for d in dumps.values()),
    }


class _RollBack(Exception):
    """Leaves the storage floor's transaction without keeping anything."""


def read_chunks(path: str):
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def end_to_end(files: list[dict], timers: Timers, *, analyze: bool) -> dict:
    """Every file through services.receive_batch and pipeline.run_for_batch; with
    ``analyze``, after each intake and each linking run ANALYZE of the tables that changed
    by more than autovacuum's threshold (timed on its own)."""
    from django.db import connection

    from rits.audit.services import Actor
    from rits.organisations.models import Organisation
    from rits.signals import linking, pipeline
    from rits.signals.intake import services

    actor = Actor.system("bench/signals.py")
    totals = {"rows": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
    link_totals: Counter = Counter()
    raised: Counter = Counter()
    rule_totals: Counter = Counter()
    per_file = []
    instrument(timers)
    if analyze:
        analyze_after(timers, services, "process_batch")
        analyze_after(timers, linking, "link_signals")
    try:
        with connection.execute_wrapper(timers.execute), timers.step("end to end"):
            for number, f in enumerate(files, 1):
                file_started = time.perf_counter()
                source = Organisation.objects.get(pk=f["source_id"])
                with timers.step("intake"), timers.step("intake/store the raw delivery"):
                    batch = services.receive_batch(
                        source=source,
                        content=read_chunks(f["path"]),
                        file_name=Path(f["path"]).name,
                        actor=actor,
                    )
                report = pipeline.run_for_batch(batch.pk)
                b = report.batch
                for key in totals:
                    totals[key] += getattr(b, key)
                linked = report.linking
                link_totals.update(
                    signals=linked.signals,
                    linked=linked.linked,
                    review=linked.review,
                    unlinked=linked.unlinked,
                    reviews=linked.reviews,
                )
                link_totals.update({f"links {k}": v for k, v in linked.links.items()})
                raised.update(report.rules.raised)
                rule_totals.update(
                    families=report.rules.families,
                    updated=report.rules.updated,
                    concern_matches=report.rules.concern_matches,
                )
                seconds = time.perf_counter() - file_started
                per_file.append({"file": Path(f["path"]).name, "rows": b.rows, "seconds": seconds})
                print(
                    f"  [{number}/{len(files)}] {Path(f['path']).name} ({f['source']}): "
                    f"{b.rows:,} rows in {seconds:.1f} s — "
                    f"{'; '.join(report.summary())}",
                    flush=True,
                )
    finally:
        timers.restore()
    return {
        "batches": totals,
        "linking": dict(link_totals),
        "alerts raised": dict(raised),
        "rules": dict(rule_totals),
        "per file": per_file,
    }


def evaluate(truth_path: str) -> dict:
    """Linking against the truth, person-level, in SQL (and the project's own
    ``evaluate_links`` as a cross-check)."""
    from django.db import connection
    from link_quality import evaluate_links

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_truth")
        cursor.execute(
            "CREATE TEMP TABLE bench_truth "
            "(reference text PRIMARY KEY, person_id bigint, tags text, bsn boolean)"
        )
        with cursor.copy("COPY bench_truth FROM STDIN WITH (FORMAT csv)") as copy:
            for chunk in read_chunks(truth_path):
                copy.write(chunk)
        cursor.execute("ANALYZE bench_truth")
        cursor.execute("DROP TABLE IF EXISTS bench_eval")
        cursor.execute(
            """
            CREATE TEMP TABLE bench_eval AS
            SELECT s.id AS signal_id, s.status, t.person_id AS truth, t.tags, t.bsn,
                   s.bsn_pseudonym IS NOT NULL AS has_bsn,
                   EXISTS (SELECT 1 FROM signals_signallink l
                           WHERE l.signal_id = s.id AND l.person_id = t.person_id) AS right_link,
                   (SELECT count(DISTINCT l.person_id) FROM signals_signallink l
                    WHERE l.signal_id = s.id AND l.person_id IS NOT NULL
                      AND l.person_id IS DISTINCT FROM t.person_id) AS wrong_links,
                   EXISTS (SELECT 1 FROM signals_linkreview r
                           WHERE r.signal_id = s.id AND r.person_id = t.person_id) AS true_in_review,
                   EXISTS (SELECT 1 FROM signals_linkreview r
                           WHERE r.signal_id = s.id AND r.person_id IS NULL) AS family_review,
                   -- A link, or a review, for a family the true person is not a member of.
                   t.person_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM signals_signallink l
                       WHERE l.signal_id = s.id AND l.family_id NOT IN (
                           SELECT m.family_id FROM families_membership m
                           WHERE m.person_id = t.person_id)) AS other_family_link,
                   t.person_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM signals_linkreview r
                       WHERE r.signal_id = s.id AND r.family_id NOT IN (
                           SELECT m.family_id FROM families_membership m
                           WHERE m.person_id = t.person_id)) AS other_family_review
            FROM signals_signal s JOIN bench_truth t ON t.reference = s.reference
            """
        )
    (
        stored,
        known,
        right,
        wrong_pairs,
        wrong_signals,
        review,
        review_known,
        review_true,
        unknown,
        unknown_wrong,
        family_reviews,
        other_family_links,
        other_family_reviews,
    ) = rows_of(
        """
        SELECT count(*),
               count(*) FILTER (WHERE truth IS NOT NULL),
               count(*) FILTER (WHERE right_link),
               coalesce(sum(wrong_links), 0),
               count(*) FILTER (WHERE wrong_links > 0),
               count(*) FILTER (WHERE status = 'review'),
               count(*) FILTER (WHERE status = 'review' AND truth IS NOT NULL),
               count(*) FILTER (WHERE status = 'review' AND true_in_review),
               count(*) FILTER (WHERE truth IS NULL),
               count(*) FILTER (WHERE truth IS NULL AND wrong_links > 0),
               count(*) FILTER (WHERE family_review),
               count(*) FILTER (WHERE other_family_link),
               count(*) FILTER (WHERE other_family_review)
        FROM bench_eval
        """
    )[0]
    made = right + wrong_pairs
    precision = right / made if made else 1.0
    recall = right / known if known else 1.0
    per_tag = []
    for tag, n, n_right, n_wrong, n_review, n_bsn, n_other_link, n_other_review in rows_of(
        """
        SELECT tag, count(*), count(*) FILTER (WHERE right_link),
               count(*) FILTER (WHERE wrong_links > 0), count(*) FILTER (WHERE status = 'review'),
               count(*) FILTER (WHERE has_bsn), count(*) FILTER (WHERE other_family_link),
               count(*) FILTER (WHERE other_family_review)
        FROM (SELECT e.*, unnest(CASE WHEN coalesce(tags, '') = '' THEN ARRAY['(as registered)']
                                      ELSE string_to_array(tags, '|') END) AS tag
              FROM bench_eval e) t
        GROUP BY tag ORDER BY count(*) DESC
        """
    ):
        per_tag.append(
            {
                "tag": tag,
                "signals": n,
                "with known BSN": n_bsn,
                "right person": n_right,
                "wrong person": n_wrong,
                "review": n_review,
                "other family link": n_other_link,
                "other family review": n_other_review,
            }
        )
    without_bsn = rows_of(
        """
        SELECT count(*), count(*) FILTER (WHERE right_link), count(*) FILTER (WHERE wrong_links > 0)
        FROM bench_eval WHERE truth IS NOT NULL AND NOT has_bsn
        """
    )[0]
    started = time.perf_counter()
    truth = dict(rows_of("SELECT signal_id, truth FROM bench_eval"))
    check = evaluate_links(truth)
    check_seconds = time.perf_counter() - started
    return {
        "stored signals": stored,
        "about known people": known,
        "linked to the right person": right,
        "wrong (signal, person) links": wrong_pairs,
        "signals with a wrong person link": wrong_signals,
        "in review": review,
        "in review, about known people": review_known,
        "in review, true person among the candidates": review_true,
        "about unknown people": unknown,
        "unknown people linked to a person": unknown_wrong,
        "with a family-level review": family_reviews,
        "about known people, linked to a family they are not in": other_family_links,
        "about known people, in review for a family they are not in": other_family_reviews,
        "known, no BSN match: signals / right / wrong": list(without_bsn),
        "precision": precision,
        "recall": recall,
        "evaluate_links (precision, recall)": list(check),
        "evaluate_links seconds": check_seconds,
        "per tag": per_tag,
    }


def database_facts() -> dict:
    return {
        "signal status": dict(rows_of("SELECT status, count(*) FROM signals_signal GROUP BY 1")),
        "links per method": dict(
            rows_of("SELECT method, count(*) FROM signals_signallink GROUP BY 1")
        ),
        "open reviews": scalar("SELECT count(*) FROM signals_linkreview"),
        "alerts per rule": dict(
            rows_of("SELECT kind, count(*) FROM worklist_workitem GROUP BY 1 ORDER BY 1")
        ),
        "concern matches": scalar("SELECT count(*) FROM signals_concernmatch"),
        "timeline events written": scalar(
            "SELECT count(*) FROM families_familyevent WHERE code = ANY(%s) AND occurred_at >= "
            "(SELECT min(received_at) FROM signals_signalbatch)",
            [list(PIPELINE_EVENT_CODES)],
        ),
    }


# --- report ---------------------------------------------------------------------------

STEP_ORDER = (
    "intake",
    "intake/store the raw delivery",
    "intake/read, parse and check rows (the rest)",
    "intake/write chunks (build signals, ORM, PG)",
    "linking",
    "linking/Splink set-up",
    "linking/population snapshot into DuckDB",
    "linking/candidate reads (small runs)",
    "linking/Splink predict",
    "linking/BSN lookup",
    "linking/families and family-level reviews",
    "linking/write links, reviews, timeline",
    "linking/lock and read signals (the rest)",
    "rules",
    "rules/load facts",
    "rules/raise alerts (with timeline and audit)",
    "rules/concern matches",
    "rules/audit events",
    ANALYZE_STEP,
)


def derive_rest(timers: Timers) -> None:
    """What a stage spent outside its timed steps."""
    w, s, q = timers.wall, timers.sql, timers.queries
    rest = "intake/read, parse and check rows (the rest)"
    steps = ["intake/store the raw delivery", "intake/write chunks (build signals, ORM, PG)"]
    w[rest] = w["intake"] - sum(w[x] for x in steps)
    s[rest] = s["intake"] - sum(s[x] for x in steps)
    q[rest] = q["intake"] - sum(q[x] for x in steps)
    rest = "linking/lock and read signals (the rest)"
    steps = [
        "linking/Splink set-up",
        "linking/population snapshot into DuckDB",
        "linking/candidate reads (small runs)",
        "linking/Splink predict",
        "linking/BSN lookup",
        "linking/families and family-level reviews",
        "linking/write links, reviews, timeline",
    ]
    w[rest] = w["linking"] - sum(w[x] for x in steps)
    s[rest] = s["linking"] - sum(s[x] for x in steps)
    q[rest] = q["linking"] - sum(q[x] for x in steps)


def report(args, manifest, bare, result, timers: Timers, quality, facts) -> str:
    e2e = timers.wall["end to end"]
    if args.autovacuum:
        statistics = "autovacuum is on: PostgreSQL keeps the statistics itself"
    elif args.analyze:
        statistics = (
            "autovacuum is off on this server: after each intake and linking run, ANALYZE "
            "of the tables that changed by more than autovacuum's default threshold (10%) "
            "runs in its place (its time is counted in end to end; --no-analyze leaves it out)"
        )
    else:
        statistics = (
            "autovacuum is off and --no-analyze: the filled tables have no statistics "
            "during the run"
        )
    accepted = result["batches"]["accepted"]
    size = sum(f["bytes"] for f in manifest["files"])
    lines = [
        "",
        f"Rits signals benchmark — {manifest['signals']:,} signals in {len(manifest['files'])} "
        f"files ({size / 1e6:.0f} MB) about {manifest['members']:,} members of the region, "
        f"seed {manifest['seed']}, {os.cpu_count()} CPUs (Python and PostgreSQL on one machine)",
        statistics,
        f"CPU probe (the same Python loop; lower is faster): {args.probe[0]:.2f} s before, "
        f"{args.probe[1]:.2f} s after the end-to-end run",
        "",
        f"{'step':<52}{'seconds':>10}{'share':>8}{'PG queries':>12}{'in PG s':>10}",
        "-" * 92,
        f"{'bare load: COPY into an unlogged table (baseline)':<52}{bare[0]:>10.1f}"
        f"{'':>8}{len(manifest['files']):>12}{bare[0]:>10.1f}",
        f"{'storage floor: COPY of the rows the run stored':<52}"
        f"{facts['storage floor']['seconds']:>10.1f}{'':>8}{len(facts['storage floor']['rows']):>12}"
        f"{facts['storage floor']['seconds']:>10.1f}",
        f"{'end to end: intake → linking → rules':<52}{e2e:>10.1f}{'100%':>8}"
        f"{timers.queries['end to end']:>12,}{timers.sql['end to end']:>10.1f}",
    ]
    for name in STEP_ORDER:
        if not timers.wall.get(name) and ("/" in name or name == ANALYZE_STEP):
            continue
        label = ("    " + name.split("/", 1)[1]) if "/" in name else ("  " + name)
        lines.append(
            f"{label:<52}{timers.wall[name]:>10.1f}{timers.wall[name] / e2e:>8.0%}"
            f"{timers.queries[name]:>12,}{timers.sql[name]:>10.1f}"
        )
    ratio = e2e / bare[0]
    floor = facts["storage floor"]
    floor_ratio = e2e / floor["seconds"] if floor["seconds"] else float("inf")
    b = result["batches"]
    nb = quality["known, no BSN match: signals / right / wrong"]
    lines += [
        "",
        f"signals per second: end to end {accepted / e2e:,.0f}; intake "
        f"{accepted / timers.wall['intake']:,.0f}; linking {accepted / timers.wall['linking']:,.0f}; "
        f"rules {accepted / timers.wall['rules']:,.0f}; bare load {bare[1] / bare[0]:,.0f}",
        f"rows: {b['rows']:,} read, {b['accepted']:,} accepted, {b['duplicates']:,} duplicates, "
        f"{b['rejected']:,} rejected (generated with an invalid BSN: "
        f"{manifest['counts']['invalid']:,})",
        f"signal status: {', '.join(f'{k} {v:,}' for k, v in sorted(facts['signal status'].items()))}",
        f"links: {', '.join(f'{k} {v:,}' for k, v in sorted(facts['links per method'].items()))}; "
        f"reviews (candidates) {facts['open reviews']:,}",
        f"timeline events written: {facts['timeline events written']:,}",
        "",
        "Linking against the truth (person-level):",
        f"  about known people {quality['about known people']:,}: right person "
        f"{quality['linked to the right person']:,}, a wrong person "
        f"{quality['signals with a wrong person link'] - quality['unknown people linked to a person']:,}"
        f", in review {quality['in review, about known people']:,} (true person among the "
        f"candidates: {quality['in review, true person among the candidates']:,})",
        f"  about unknown people {quality['about unknown people']:,}: linked to a person "
        f"{quality['unknown people linked to a person']:,}; family-level reviews (all "
        f"signals) {quality['with a family-level review']:,}",
        f"  about known people, for a family they are not in: linked "
        f"{quality['about known people, linked to a family they are not in']:,}, a "
        f"family-level or person review "
        f"{quality['about known people, in review for a family they are not in']:,}",
        f"  precision {quality['precision']:.5f} (target ≥ {TARGET_PRECISION}) — "
        f"{'met' if quality['precision'] >= TARGET_PRECISION else 'NOT met'}; "
        f"recall {quality['recall']:.5f} (target ≥ {TARGET_RECALL}) — "
        f"{'met' if quality['recall'] >= TARGET_RECALL else 'NOT met'}; "
        f"evaluate_links: {quality['evaluate_links (precision, recall)'][0]:.5f}, "
        f"{quality['evaluate_links (precision, recall)'][1]:.5f}",
        f"  by the model alone (known people, no BSN in the signal): {nb[0]:,} signals, right "
        f"person {nb[1]:,} (recall {nb[1] / max(nb[0], 1):.4f}), a wrong person {nb[2]:,}",
        "",
        f"  {'variation (a signal can have several)':<40}{'signals':>9}{'w. BSN':>8}{'right':>9}"
        f"{'wrong':>7}{'review':>8}{'oth.fam':>8}{'oth.rev':>8}{'recall':>8}",
    ]
    for t in quality["per tag"]:
        n = t["signals"]
        unknown = t["tag"].startswith("unknown")
        lines.append(
            f"  {t['tag']:<40}{n:>9,}{t['with known BSN']:>8,}{t['right person']:>9,}"
            f"{t['wrong person']:>7,}{t['review']:>8,}{t['other family link']:>8,}"
            f"{t['other family review']:>8,}"
            f"{'' if unknown else format(t['right person'] / n, '.4f'):>8}"
        )
    lines += ["", "The PostgreSQL statements that took longest (their first 160 characters):"]
    for st in timers.top_statements(10):
        lines.append(
            f"  {st['seconds']:>7.1f} s {st['count']:>9,}×  {st['step']:<40.40}  "
            f"{' '.join(st['sql'].split())[:110]}"
        )
    lines += ["", "Alerts raised per rule:"]
    for rule, count in sorted(facts["alerts per rule"].items()):
        lines.append(f"  {rule:<40}{count:>9,}")
    lines.append(f"  {'concern matches':<40}{facts['concern matches']:>9,}")
    lines += [
        "",
        "Targets (reported, not asserted):",
        f"  end to end within {TARGET_FLOOR_RATIO:.0f}× the storage floor (issue 12): "
        f"{floor_ratio:,.1f}× — {'met' if floor_ratio <= TARGET_FLOOR_RATIO else 'NOT met'}",
        f"  (issue 4's baseline, end to end / bare load into an unlogged table: {ratio:,.1f}×)",
        "",
        "Storage floor, rows per table (copied back in key order, constraints checked at once):",
    ]
    for table, count in sorted(floor["rows"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {table:<40}{count:>12,}{floor['seconds per table'][table]:>10.2f} s")
    return "\n".join(lines)


def save(args, manifest, bare, result, timers, quality, facts, generation) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"signals-{time.strftime('%Y%m%d-%H%M%S')}.json"
    data = {
        "args": vars(args),
        "cpus": os.cpu_count(),
        "load average": os.getloadavg(),
        "manifest": manifest,
        "generation seconds": generation,
        "bare load": {"seconds": bare[0], "rows": bare[1]},
        "steps": {
            name: {
                "seconds": timers.wall[name],
                "calls": timers.calls[name],
                "pg seconds": timers.sql[name],
                "pg queries": timers.queries[name],
            }
            for name in sorted(timers.wall)
        },
        "ratio": timers.wall["end to end"] / bare[0],
        "storage floor ratio": timers.wall["end to end"]
        / (facts["storage floor"]["seconds"] or 1e-9),
        "top statements": timers.top_statements(40),
        "pipeline": result,
        "quality": quality,
        "database": facts,
    }
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


# --- main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument(
        "--families", type=int, default=100_000, help="region size, built only when missing"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the files")
    parser.add_argument(
        "--generate-only", action="store_true", help="write the files and stop (no run)"
    )
    parser.add_argument("--keep", action="store_true", help="leave the signals in the database")
    parser.add_argument("--rows-per-file", type=int, default=200_000)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA))
    parser.add_argument("--profile", action="store_true", help="cProfile end to end")
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="without autovacuum, do not ANALYZE the filled tables during the run",
    )
    args = parser.parse_args()

    url = database_url("bench/signals.py")
    env = app_env(url)
    ensure_database(url)
    manage(env, "migrate", "--no-input", "-v", "0")
    setup_django(url)
    from django.utils import timezone

    from rits.families.models import Family

    args.autovacuum = autovacuum_is_on()
    args.analyze = args.analyze and not args.autovacuum
    families = Family.objects.count()
    if families < args.families:
        manage(env, "build_demo", "--families", str(args.families))
        args.autovacuum = autovacuum_is_on()
    args.analyze = args.analyze and not args.autovacuum
    families = Family.objects.count()
    print(f"Region: {families:,} families.")

    shaped = shape_region()
    if any(shaped.values()):
        print("Region shaped: " + ", ".join(f"{k} {v:,}" for k, v in shaped.items()) + ".")

    removed = clean_up()
    if removed["signals"] or removed["timeline events"]:
        print(
            f"Cleaned up the previous run: {removed['signals']:,} signals, "
            f"{removed['alerts']:,} alerts, {removed['timeline events']:,} timeline events."
        )

    data = Path(args.data_dir)
    today = timezone.localdate()
    manifest_path = data / "manifest.json"
    manifest = None
    if args.skip_generate and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest["signals"], manifest["seed"]) != (args.signals, args.seed) or not all(
            Path(f["path"]).exists() for f in manifest["files"]
        ):
            print("The files there are of another size or seed: generating them again.")
            manifest = None
        elif manifest["today"] != today.isoformat():
            print(f"Reusing files generated on {manifest['today']} (dates are relative to then).")
    if manifest is None:
        print(f"Generating {args.signals:,} signals (seed {args.seed}) in {data} …", flush=True)
        manifest = generate(args, data, today)
        s = manifest["seconds"]
        print(f"  {s['generate']:.1f} s (reading the members: {s['read members']:.1f} s)")
    else:
        print(f"Reusing {len(manifest['files'])} files in {data}.")
    generation = manifest["seconds"]
    if args.generate_only:
        return

    print("Bare load (COPY) …", flush=True)
    bare = bare_load(manifest["files"])
    print(f"  {bare[1]:,} rows in {bare[0]:.1f} s")

    print(f"End to end, {len(manifest['files'])} files …", flush=True)
    timers = Timers()
    marks = table_marks()
    args.probe = [cpu_probe()]
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    result = end_to_end(manifest["files"], timers, analyze=args.analyze)
    if profiler:
        profiler.disable()
    args.probe.append(cpu_probe())
    derive_rest(timers)

    print("Storage floor (COPY of the rows the run stored, rolled back) …", flush=True)
    floor = storage_floor(marks)
    print(f"  {sum(floor['rows'].values()):,} rows in {floor['seconds']:.1f} s")

    print("Evaluating the links against the truth …", flush=True)
    quality = evaluate(manifest["truth"])
    facts = database_facts()
    facts["storage floor"] = floor
    print(report(args, manifest, bare, result, timers, quality, facts))
    path = save(args, manifest, bare, result, timers, quality, facts, generation)
    print(f"\nraw figures: {path.relative_to(ROOT)}")
    if profiler:
        prof = path.with_suffix(".prof")
        profiler.dump_stats(prof)
        print(f"profile: {prof.relative_to(ROOT)}; the top by own time:")
        pstats.Stats(str(prof)).sort_stats("tottime").print_stats(25)
    if not args.keep:
        removed = clean_up()
        print(
            f"Cleaned up: {removed['signals']:,} signals, {removed['alerts']:,} alerts, "
            f"{removed['timeline events']:,} timeline events (--keep leaves them)."
        )


if __name__ == "__main__":
    main()
