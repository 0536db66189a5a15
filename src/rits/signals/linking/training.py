"""Training the linkage model on the region's own data (``manage.py train_linkage_model``),
and making the committed default (``bench/train_linkage_model.py``). Linking never trains:
it uses the active version (``model.refresh_active_model``).

A trained model is Splink's unsupervised estimation of a ``link_only`` model between the
caseload's members (one row per person) and the signals of the last days:

* **u probabilities** (how often two *different* people come out at each level) from
  random pairs of a member and a signal (``estimate_u_using_random_sampling``);
* **m probabilities** (how often the *same* person does) by expectation maximisation over
  the pairs of two or more blocking rules, each training the comparisons it does not
  block on (``EM_BLOCKING_RULES``);
* **term frequencies** of surname, given names and postcode (``comparisons.
  TERM_FREQUENCY_LEVELS``): an agreement on a common value counts for less. They are
  counted among the members when the model is trained and kept with it, so that a version
  scores a pair the same way whenever it is asked; a value shared by fewer than
  ``TF_MIN_COUNT`` members is left out (it then counts as an average value: a little less
  than it deserves, which errs on the side of precision, and the model holds no name
  that points to one person);
* **the prior** (the chance that a signal and a random known person are the same) is
  estimated for the region: the pairs that deterministic rules find (``PRIOR_RULES``,
  taken to find ``PRIOR_RECALL`` of the true pairs), divided by all pairs of a member and
  a signal. It depends on the region's size above all (a signal about a known person has
  one true pair among the region's people): the default's ``comparisons.PRIOR`` is for
  about 100,000 known people, and costs a region of 4,000 a factor 25 in the odds of
  every pair. ``--fixed-prior`` keeps ``comparisons.PRIOR``.

Then, as for the default, u is floored (``U_FLOOR``, ``U_MIN``) and each comparison made
monotone: a looser agreement never counts for more than a stricter one.

Only names, dates of birth and addresses are read, into an in-memory DuckDB database, and
only counts and probabilities are kept."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from rits.signals.linking.comparisons import (
    PRIOR,
    TERM_FREQUENCY_LEVELS,
    U_FLOOR,
    U_MIN,
    blocking_rules,
    comparisons,
)
from rits.signals.linking.model import FORMAT_KEY, MODEL_FORMAT, VERSION_KEY
from rits.signals.linking.normalise import load_rows

# Below these, EM has too few true pairs to learn from (and u too few people to sample).
MIN_PEOPLE = 200
MIN_SIGNALS = 100

# A term frequency is kept only for a value at least this many members share.
TF_MIN_COUNT = 5

# Each trains the comparisons it does not block on: the date of birth trains names and
# address; surname and given names train the date of birth (and the address). Not the
# address: the pairs at one address are mostly a family, and EM would take a father
# and his son of one name for one person whose date of birth differs.
EM_RULES = (("birth_date",), ("surname", "given"))

# No level is nearly impossible for the same person: sources make mistakes that a small
# sample never shows.
M_FLOOR = 1e-3

# Deterministic rules for estimating the prior, and how many of the true pairs they are
# taken to find. Each asks for the given names or the first one: twins share a date of
# birth and an address, and would count twice. A source with more errors than that makes
# the estimate lower, which errs on the side of precision.
PRIOR_RULES = (("surname", "given", "birth_date"), ("given_first", "birth_date", "address_key"))
PRIOR_RECALL = 0.8

DEFAULT_PAIRS = 2e7


class TooLittleData(Exception):
    """Too few people or signals to train on; the message says how many."""


def population() -> list[tuple]:
    """One row per known person (at the address of their first family), as linking reads
    members (``rits.signals.linking.population.candidate_rows``)."""
    from rits.families.models import Membership

    rows, seen = [], set()
    for pk, person_id, surname, prefix, given, born, postcode, number, suffix in (
        Membership.objects.order_by("person_id", "id")
        .values_list(
            "id",
            "person_id",
            "person__surname",
            "person__prefix",
            "person__given_names",
            "person__birth_date",
            "family__postcode",
            "family__house_number",
            "family__house_number_suffix",
        )
        .iterator(chunk_size=10_000)
    ):
        if person_id in seen:
            continue
        seen.add(person_id)
        rows.append((pk, surname, prefix, given, born, postcode, number, suffix))
    return rows


def recent_signals(*, days: int, now: datetime | None = None) -> list[tuple]:
    """The signals received in the last ``days`` days that carry a surname, as linking
    compares them (names, date of birth and address only)."""
    from rits.signals.models import Signal

    since = (now or timezone.now()) - timedelta(days=days)
    return list(
        Signal.objects.filter(received_at__gte=since)
        .exclude(surname="")
        .order_by("pk")
        .values_list(
            "pk",
            "surname",
            "prefix",
            "given_names",
            "birth_date",
            "postcode",
            "house_number",
            "house_number_suffix",
        )
        .iterator(chunk_size=10_000)
    )


@dataclass
class TrainedModel:
    document: dict[str, Any]
    term_frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """The first 8 hex digits of the SHA-256 of the document and its frequencies."""
        canonical = json.dumps(
            {"document": self.document, "term_frequencies": self.term_frequencies},
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def _settings(link_type: str, *, term_frequencies: bool, prior: float = PRIOR):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons(term_frequencies=term_frequencies),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        # The comparison-vector values (which level each field reached) come with the
        # matching columns; the review page shows them per field.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def _saved(linker) -> dict[str, Any]:
    model = linker.misc.save_model_to_json()
    model["link_type"] = "link_only"
    model.pop("linker_uid", None)
    return model


def floor_and_order(
    model: dict[str, Any],
    *,
    fallback: dict[tuple[str, str], tuple[float, float]] | None = None,
    m_floor: float = 0.0,
) -> None:
    """Give a level that training left without an m or u the one of ``fallback`` (per
    (comparison, label): the committed default's), floor m (``m_floor``) and u
    (``U_MIN``, ``U_FLOOR``), and make each comparison monotone: a looser agreement never
    counts for more than a stricter one that counts for a match. A level with a fixed m
    (``fix_m_probability``) keeps it; the others share the rest."""
    fallback = fallback or {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        for lvl in levels:
            default_m, default_u = fallback.get((name, lvl["label_for_charts"]), (None, None))
            m, u = lvl.get("m_probability"), lvl.get("u_probability")
            if not isinstance(m, float) and default_m is not None:
                lvl["m_probability"] = m = default_m
            if not isinstance(u, float) and default_u is not None:
                lvl["u_probability"] = default_u
            lvl["m_probability"] = max(m if isinstance(m, float) else 0.0, m_floor, U_FLOOR)
        # Levels with a fixed m keep it; the others share what is left.
        fixed = sum(lvl["m_probability"] for lvl in levels if lvl.get("fix_m_probability"))
        total = sum(lvl["m_probability"] for lvl in levels if not lvl.get("fix_m_probability"))
        stricter = None  # the Bayes factor of the level above
        for lvl in levels:
            if not lvl.get("fix_m_probability"):
                lvl["m_probability"] = lvl["m_probability"] / total * (1 - fixed)
            if lvl.get("fix_u_probability"):  # set in comparisons(), neutral on purpose
                stricter = min(stricter or 1e300, lvl["m_probability"] / lvl["u_probability"])
                continue
            u = lvl.get("u_probability")
            u = max(
                u if isinstance(u, float) else 0.0,
                U_MIN.get((name, lvl["label_for_charts"]), U_FLOOR),
            )
            if stricter is not None and lvl["m_probability"] / u > stricter:
                u = lvl["m_probability"] / stricter
            lvl["u_probability"] = min(u, 1.0)
            factor = lvl["m_probability"] / lvl["u_probability"]
            # Only a level that counts for a match bounds the looser ones: a level the
            # region's pairs hardly show (EM leaves its m near the floor, e.g. call names
            # where sources write registered names) says nothing of what a looser
            # agreement below it is worth, and would make it count against.
            if factor >= 1:
                stricter = min(stricter or 1e300, factor)


def _default_levels() -> dict[tuple[str, str], tuple[float, float]]:
    """The committed default's (m, u) per level: what a region starts from, and what a
    level keeps that its data cannot estimate (no pair at that level)."""
    from rits.signals.linking.model import read_default

    return levels(read_default())


def term_frequencies(con, table: str, columns: list[str]) -> dict[str, dict[str, float]]:
    """Per column, each value's share of the members that have one, for the values at
    least ``TF_MIN_COUNT`` members share."""
    frequencies = {}
    for column in columns:
        rows = con.execute(
            f"SELECT {column}, count(*) / sum(count(*)) OVER () FROM {table} "  # noqa: S608 (our columns)
            f"WHERE {column} IS NOT NULL GROUP BY {column}"
        ).fetchall()
        counts = dict(
            con.execute(
                f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"GROUP BY {column}"
            ).fetchall()
        )
        frequencies[column] = {
            value: share for value, share in rows if counts[value] >= TF_MIN_COUNT
        }
    return frequencies


def train(
    members: list[tuple],
    signals: list[tuple],
    *,
    pairs: float = DEFAULT_PAIRS,
    seed: int = 1,
    estimate_prior: bool = True,
) -> TrainedModel:
    """Train a model on ``members`` (as :func:`population` gives them) and ``signals`` (as
    :func:`recent_signals`); raise :class:`TooLittleData` when there are too few."""
    if len(members) < MIN_PEOPLE or len(signals) < MIN_SIGNALS:
        raise TooLittleData(
            f"too little to train on: {len(members)} people (at least {MIN_PEOPLE}) and "
            f"{len(signals)} signals with a surname (at least {MIN_SIGNALS})"
        )
    from splink import DuckDBAPI, Linker, block_on

    db = DuckDBAPI()
    # Normalised exactly as linking compares them.
    load_rows(db.duckdb_con, "members", members)
    load_rows(db.duckdb_con, "signals", signals)
    linker = Linker(
        [db.register("members"), db.register("signals")],
        _settings("link_only", term_frequencies=True),
        log_level=None,
    )
    training: dict[str, Any] = {
        "people": len(members),
        "signals": len(signals),
        "u_pairs": int(pairs),
        "seed": seed,
    }
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    if estimate_prior:
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*rule) for rule in PRIOR_RULES], recall=PRIOR_RECALL
        )
    rounds = []
    max_iterations = linker._settings_obj.training_settings.max_iterations
    for rule in EM_RULES:
        # The share of matches among the blocked pairs varies during EM (it is far
        # above the prior there) and is not kept: the prior is the one set above.
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule)
        )
        iterations = max(len(session._core_model_settings_history) - 1, 0)
        rounds.append(
            {
                "blocking_rule": list(rule),
                "iterations": iterations,
                "converged": iterations < max_iterations,
            }
        )
    training["em"] = rounds
    training["converged"] = all(r["converged"] for r in rounds)
    document = _saved(linker)
    if not estimate_prior:
        document["probability_two_random_records_match"] = PRIOR
    training["prior"] = document["probability_two_random_records_match"]
    floor_and_order(document, fallback=_default_levels(), m_floor=M_FLOOR)
    columns = sorted(set(TERM_FREQUENCY_LEVELS.values()))
    return TrainedModel(document, term_frequencies(db.duckdb_con, "members", columns), training)


def default_model(rows: list[tuple], *, pairs: float, seed: int) -> dict[str, Any]:
    """The committed default: hand-set m, u from random pairs of the people ``rows``, no
    term frequencies (see ``bench/train_linkage_model.py``)."""
    from splink import DuckDBAPI, Linker

    db = DuckDBAPI()
    load_rows(db.duckdb_con, "people", rows)
    linker = Linker(
        db.register("people"), _settings("dedupe_only", term_frequencies=False), log_level=None
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    model = _saved(linker)
    floor_and_order(model)
    # A new default is a new version (links record which one decided them).
    version = f"default-{TrainedModel(model).fingerprint()}"
    return {VERSION_KEY: version, FORMAT_KEY: MODEL_FORMAT, **model}


def rewrite_conditions(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with the levels' SQL of ``comparisons()`` (matched by comparison and
    label); their m and u probabilities stay."""
    fresh = _settings("link_only", term_frequencies=False).get_settings("duckdb").as_dict()
    conditions = {
        (c["output_column_name"], lvl.get("label_for_charts", "")): lvl["sql_condition"]
        for c in fresh["comparisons"]
        for lvl in c["comparison_levels"]
    }
    for comparison in model["comparisons"]:
        for lvl in comparison["comparison_levels"]:
            key = (comparison["output_column_name"], lvl.get("label_for_charts", ""))
            lvl["sql_condition"] = conditions[key]
    return model


def levels(document: dict[str, Any]) -> dict[tuple[str, str], tuple[float, float]]:
    """(comparison, level label) -> (m, u), for the summary table."""
    return {
        (c["output_column_name"], lvl.get("label_for_charts", "")): (
            lvl.get("m_probability"),
            lvl.get("u_probability"),
        )
        for c in document["comparisons"]
        for lvl in c["comparison_levels"]
        if not lvl.get("is_null_level")
    }
