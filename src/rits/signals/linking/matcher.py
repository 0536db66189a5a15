"""The linkage model at work: one in-memory DuckDB matcher per process, and the snapshot
of every known member it may keep between runs (and when that snapshot is stale)."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Max
from django.db.models.signals import post_delete, post_save

from rits.families.models import (
    Family,
    Membership,
    Person,
)
from rits.signals.linking.model import LoadedModel, active_model
from rits.signals.linking.normalise import load_arrow, load_rows
from rits.signals.linking.population import population_rows, population_table

# How long a snapshot may be used by later runs of the same process. A single large run
# already links against the population as it was when the run began; this lets the next
# deliveries share that view for a few minutes.
SNAPSHOT_MAX_AGE = 300.0


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
        # The term-frequency tables of one model version: {column: table}.
        self.tf_tables: tuple[str, dict[str, str]] = ("", {})

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

        model = active_model()
        db = DuckDBAPI(connection=self.con)
        left, right = db.register(members), db.register(signals)
        linker = Linker([left, right], model.settings, log_level=None)
        # A model with term-frequency adjustments scores a value by how common it is
        # among the members, as counted when it was trained (kept with the model, so
        # that a version always scores alike; see ``linking.training``).
        for column, table in self._tf_tables(model).items():
            linker.table_management.register_term_frequency_lookup(db.register(table), column)
        result = linker.inference.predict_between(
            left, right, threshold_match_probability=floor, warning_mode="never"
        )
        try:
            return result.as_record_list()
        finally:
            result.drop_table_from_database_and_remove_from_cache()

    def _tf_tables(self, model: LoadedModel) -> dict[str, str]:
        """The model's term-frequency tables on this connection, made once per version."""
        import pyarrow as pa

        version, tables = self.tf_tables
        if version == model.version and set(tables) == set(model.tf_columns):
            return tables
        for table in tables.values():
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        tables = {}
        for column in model.tf_columns:
            frequencies = model.term_frequencies[column]
            table = f"rits_tf_{next(self._seq)}_{column}"
            arrow = pa.table(
                {
                    column: pa.array(list(frequencies), pa.string()),
                    f"tf_{column}": pa.array(list(frequencies.values()), pa.float64()),
                }
            )
            self.con.register("rits_tf_rows", arrow)
            try:
                self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM rits_tf_rows")  # noqa: S608 (our table)
            finally:
                self.con.unregister("rits_tf_rows")
            tables[column] = table
        self.tf_tables = (model.version, tables)
        return tables


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


def population_key(*, local: bool = False) -> tuple:
    """Which population a snapshot was taken of: this database, as this process last
    changed it, with no membership added since (by any process). A membership removed
    or a person changed elsewhere is caught when the matched members are read again
    (see ``_link_by_model``) or, at the latest, by ``SNAPSHOT_MAX_AGE``."""
    key = (connection.alias, connection.settings_dict.get("NAME"), _population_version)
    if local:
        return key
    return (*key, Membership.objects.order_by().aggregate(last=Max("id"))["last"])
