"""How linking compares names and addresses: normalised in Python (Dutch surname
prefixes, accents, house-number suffixes), and loaded into the matcher's DuckDB tables as
the columns the linkage model compares."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache

from rits.signals.linking.names import canonical_given
from rits.signals.linking.text import normalise_text

# Dutch (and a few neighbouring) surname prefixes, the "tussenvoegsels": a surname
# delivered as "de Vries" with an empty prefix compares as prefix "de", surname "vries".
PREFIX_WORDS = frozenset(
    "van de der den het t te ter ten in op aan bij onder over uit voor tot vander "
    "la le l du des d von vom zu zum zur dos da das do di del della s v".split()
)
# Prefixes written short: "v.d. Berg", "v/d Berg" (normalised "v d") and "vd Berg". Kept as
# the letters they give ("v d"), not read as "van der": it may as well be "van den" or
# "van de". The prefix comparison compares the first letters (``prefix_short``).
PREFIX_ABBREVIATIONS = {"vd": ("v", "d"), "vdr": ("v", "der"), "vden": ("v", "den")}


@lru_cache(maxsize=65536)
def split_surname(surname: str, prefix: str) -> tuple[str, str]:
    """(prefix, surname), normalised. A prefix left in the surname is taken out of it."""
    words = _expand_abbreviations(normalise_text(surname).split())
    prefix_words = _expand_abbreviations(normalise_text(prefix).split(), in_prefix=True)
    if not prefix_words:
        i = 0
        while i < len(words) - 1 and words[i] in PREFIX_WORDS:
            i += 1
        prefix_words, words = words[:i], words[i:]
    return " ".join(prefix_words), " ".join(words)


def _expand_abbreviations(words: list[str], *, in_prefix: bool = False) -> list[str]:
    # In a surname only in front of another word: "Vd" alone is a surname.
    return [
        part
        for i, word in enumerate(words)
        for part in (
            PREFIX_ABBREVIATIONS[word]
            if word in PREFIX_ABBREVIATIONS and (in_prefix or i < len(words) - 1)
            else (word,)
        )
    ]


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
    return (
        surname_n or None,
        (prefix_n + surname_n).replace(" ", "") or None,
        prefix_n or None,
        "".join(word[0] for word in prefix_n.split()) or None,
    )


def _given_values(given_names: str) -> tuple[str | None, ...]:

    given = normalise_text((given_names or "").replace(".", " "))
    tokens = given.split()
    canonical = [canonical_given(t) for t in tokens]
    return (
        given or None,
        " ".join(sorted(tokens)) or None,
        tokens[0] if tokens else None,
        canonical[0] if canonical else None,
        " ".join(sorted(canonical)) or None,
        # "j m" for "Johannes Maria" and for "J.M.": a side given as initials only is the
        # side whose given names equal its initials.
        " ".join(t[0] for t in tokens) or None,
    )


def given_first(given_names: str) -> str:
    """The first given name as the model compares it ('Émile-Jan' -> 'emile'), or ''."""
    return _given_values(given_names)[2] or ""


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
    "prefix_short",
    "given",
    "given_sorted",
    "given_first",
    "given_canon",
    "given_canon_all",
    "initials",
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
SELECT r.unique_id, n.surname, n.surname_full, n.prefix, n.prefix_short, g.given,
    g.given_sorted, g.given_first, g.given_canon, g.given_canon_all, g.initials, CAST(r.birth_date AS VARCHAR), CAST(year(r.birth_date) AS VARCHAR),
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


# The columns of ``_name_values`` and ``_given_values``, in their order.
_NAME_COLUMNS = ("surname", "surname_full", "prefix", "prefix_short")
_GIVEN_COLUMNS = (
    "given",
    "given_sorted",
    "given_first",
    "given_canon",
    "given_canon_all",
    "initials",
)


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
                    for i, column in enumerate(_NAME_COLUMNS)
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
                    for i, column in enumerate(_GIVEN_COLUMNS)
                }
            ),
        )
        con.execute(_LOAD_SQL.replace("{table}", table))
    finally:
        for view in ("rits_raw", "rits_names", "rits_givens"):
            con.unregister(view)
        con.execute("DROP TABLE IF EXISTS rits_raw_n")
