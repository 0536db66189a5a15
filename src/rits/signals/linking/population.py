"""The known members linking reads: the candidates of a run (the model's blocking rules
applied in the database), every member for a snapshot, and families with children at an
address (the household's review)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from rits.core.db import batched, in_lists
from rits.families.models import (
    Family,
    MemberRole,
    Membership,
)
from rits.signals.linking.decision import SignalRow
from rits.signals.linking.normalise import RAW, address_key, given_first, split_surname
from rits.signals.models import (
    Signal,
)

# A family "with children": someone in it is a child (or is expected).
CHILD_ROLES = (MemberRole.CHILD, MemberRole.UNBORN)


@dataclass(slots=True)
class Member:
    membership_id: int
    person_id: int
    family_id: int
    role: str
    birth_date: date | None
    bsn_pseudonym: str | None
    postcode: str
    house_number: int | None
    house_number_suffix: str
    family_closed: bool

    @property
    def address(self) -> str | None:
        return address_key(self.postcode, self.house_number, self.house_number_suffix)


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
    "family__closed_at",
)


def read_members(filter_q: Q) -> list[Member]:
    """The memberships ``filter_q`` selects, those of closed families too (linking
    leaves those families out when it decides, see ``services._leave_closed_files``)."""
    rows = Membership.objects.filter(filter_q).order_by().values_list(*_MEMBER_FIELDS)
    return [Member(*row[:-1], family_closed=row[-1] is not None) for row in rows]


def members_where(lookup: str, values: Iterable, db_type: str = "bigint") -> list[Member]:
    """``read_members`` whose ``lookup`` is one of ``values``."""
    members: list[Member] = []
    for batch in in_lists(values, db_type):
        members += read_members(Q(**{f"{lookup}__in": batch}))
    return members


def _surname_variants(signal: Signal | SignalRow) -> set[str]:
    """The ways the signal's surname is likely stored, for the database's exact index."""
    variants: set[str] = set()
    for raw in {signal.surname.strip(), split_surname(signal.surname, signal.prefix)[1]}:
        if raw:
            variants.update({raw, raw.title(), raw.capitalize()})
    return variants


_FIRST_WORD = re.compile(r"\w+")


def _given_first_variants(signal: Signal | SignalRow) -> tuple[str, set[str]]:
    """The signal's first given name as the model compares it, and the beginnings of the
    stored given names that may be it, for the database's (case-insensitive) prefix
    match: the name as written ('Émile') and as compared ('emile'). An accent stored
    where the signal has none ('Émile' for 'Emile') is not found this way; the date of
    birth and the address still find such a person (an exact match on the compared form
    would need a column of it)."""
    first = given_first(signal.given_names)
    if not first:
        return "", set()
    written = _FIRST_WORD.match(signal.given_names.strip())
    return first, {first} | ({written.group()} if written else set())


# (first given name, year) pairs per statement: SQLite allows an expression of at most
# 1000 deep, and each pair is one branch of an OR.
_GIVEN_BATCH = 200


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


def candidate_rows(signals: list[Signal | SignalRow]) -> list[tuple]:
    """Members of known families who might be one of ``signals``: the same date of
    birth, the same postcode and house number, the same surname and year of birth, the
    same first given name and year of birth, the same surname and first given name, the
    same surname or first given name in the same postcode, or surname and first given
    name swapped (the model's blocking rules, applied in
    the database first so that only candidates travel). One row per membership, with the
    family's address: (membership id, surname, prefix, given names, date of birth,
    postcode, house number, suffix)."""
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
    # Given names are stored as typed, without a column of their compared form: the
    # database finds those that begin with the name (within the year of birth), and the
    # first given name as the model compares it decides.
    given_years: set[tuple[str, int]] = set()
    beginnings: set[tuple[str, int]] = set()
    for s in signals:
        if s.birth_date:
            first, variants = _given_first_variants(s)
            if first:
                given_years.add((first, s.birth_date.year))
                beginnings.update((v, s.birth_date.year) for v in variants)
    _by_names_and_postcode(signals, members, rows)
    for batch in batched(sorted(beginnings), _GIVEN_BATCH):
        begins = Q()
        for beginning, year in batch:
            begins |= Q(
                person__given_names__istartswith=beginning,
                person__birth_date__gte=date(year, 1, 1),
                person__birth_date__lte=date(year, 12, 31),
            )
        for row in members.filter(begins).values_list(*_CANDIDATE_FIELDS):
            if (given_first(row[3]), row[4].year) in given_years:
                rows[row[0]] = row
    return list(rows.values())


def _postcode(value: str | None) -> str:
    return (value or "").replace(" ", "").upper()


def _by_names_and_postcode(signals: list[Signal | SignalRow], members, rows: dict) -> None:
    """Add to ``rows`` the members with the signal's surname and first given name, its
    surname or first given name in its postcode, or its surname as first given name and
    the other way round (the last four blocking rules). Surnames are found by the
    database's exact index, as for the surname and year; the first given name and the
    postcode, as the model compares them, decide."""
    by_surname: dict[str, set[tuple[str, str]]] = {}  # stored surname -> {(given, pc)}
    by_given_pc: set[tuple[str, str]] = set()
    postcodes: set[str] = set()
    swapped: dict[str, set[str]] = {}  # stored surname (the signal's given) -> its surname
    for s in signals:
        first = given_first(s.given_names)
        postcode = _postcode(s.postcode)
        compared = split_surname(s.surname, s.prefix)[1]
        for name in _surname_variants(s):
            by_surname.setdefault(name, set()).add((first, postcode))
        if first and postcode:
            by_given_pc.add((first, postcode))
            postcodes.add(postcode)
        written = _FIRST_WORD.match(s.given_names.strip())
        if first and compared and written:
            for name in {written.group(), written.group().title(), first.title()}:
                swapped.setdefault(name, set()).add(compared)
    for batch in batched(sorted(by_surname)):
        named = members.filter(person__surname__in=batch)
        for row in named.values_list(*_CANDIDATE_FIELDS):
            first, postcode = given_first(row[3]), _postcode(row[5])
            for s_first, s_postcode in by_surname.get(row[1], ()):
                if (first and first == s_first) or (postcode and postcode == s_postcode):
                    rows[row[0]] = row
                    break
    for batch in batched(sorted(postcodes)):
        at = members.filter(family__postcode__in=batch)
        for row in at.values_list(*_CANDIDATE_FIELDS):
            if (given_first(row[3]), _postcode(row[5])) in by_given_pc:
                rows[row[0]] = row
    for batch in batched(sorted(swapped)):
        named = members.filter(person__surname__in=batch)
        for row in named.values_list(*_CANDIDATE_FIELDS):
            if given_first(row[3]) in swapped.get(row[1], ()):
                rows[row[0]] = row


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


def families_with_children_at(keys: set[str]) -> list[tuple]:
    """(family id, postcode, house number, suffix) of the families with children at the
    postcodes and house numbers of the address keys ``keys`` (the caller compares the
    suffix), whose file is open (a closed file takes no new signal)."""
    children = Membership.objects.filter(
        role__in=CHILD_ROLES, family__closed_at__isnull=True
    ).order_by()
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
