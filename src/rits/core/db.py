"""Bulk SQL: the one place that knows whether the database is PostgreSQL.

The pipeline writes and reads thousands of rows per chunk. On PostgreSQL that goes
through COPY, arrays and ``UNNEST`` (no model instance, statement text or parameter per
row), elsewhere (SQLite, in tests and small installations) through Django's
``bulk_create`` and ``__in`` lists. Domain code says what to write or filter on; the
helpers below choose how, so that the vendor switch and the raw SQL live here only.

- Filters: :func:`among` (``field = ANY(array)``), :func:`in_lists` (many values for an
  ``__in`` lookup), :func:`batched`.
- Writes: :func:`insert_rows` (``INSERT … FROM UNNEST`` or ``bulk_create``, returning
  ids), :func:`write_rows` (COPY or ``bulk_create``), :func:`copy_rows` and
  :func:`copy_into` (COPY itself, PostgreSQL only).
- :func:`psycopg_cursor`, a plain psycopg cursor in Django's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from django.db import connection
from django.db.models import BooleanField, Expression, F, JSONField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

# Values per IN (...) list: SQLite refuses more than 32,766 parameters in one statement.
IN_BATCH = 5000


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- filtering on many values -------------------------------------------------------------


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


def joined(field: str, values: Iterable[int]) -> Q:
    """A filter: ``field`` (a bigint column of a large table, e.g. a signal id) is one of
    ``values``; on PostgreSQL as a set to join, ``IN (SELECT unnest(…))``, one array
    parameter however many values. ``among``'s ``= ANY(array)`` is planned as a filter:
    for thousands of ids the planner scans the whole table and tests every row, which
    grows with the table (the signal links, the signals behind alerts), where the set is
    looked up in the column's index row by row."""
    values = sorted(set(values))
    if values and connection.vendor == "postgresql":
        return Q(
            **{
                f"{field}__in": RawSQL(  # noqa: S611 (the values as one parameter)
                    "SELECT unnest(%s::bigint[])", [pg_array(values)]
                )
            }
        )
    return Q(**{f"{field}__in": values})


def batched(values: Iterable, size: int = IN_BATCH) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_lists(values: Iterable, db_type: str) -> list:
    """What to give a ``__in`` lookup for many values (``db_type`` ``bigint`` or
    ``text``): on PostgreSQL one subquery over a single parameter (one short statement,
    however many values; the planner sees a set to join), elsewhere lists of at most
    ``IN_BATCH`` values, one statement each."""
    values = sorted(set(values))
    if not values:
        return []
    if connection.vendor == "postgresql":
        if db_type == "text" and any("," in v for v in values):
            return [RawSQL("SELECT unnest(%s::text[])", [values])]
        # As one comma-separated string: psycopg quotes an array parameter value by
        # value, which for 50,000 values costs more than the query.
        return [
            RawSQL(  # noqa: S611 (a type name, and the values as a parameter)
                f"SELECT unnest(string_to_array(%s, ','))::{db_type}",
                [",".join(map(str, values))],
            )
        ]
    return list(batched(values))


# --- writing many rows ----------------------------------------------------------------------


def insert_rows(
    model, columns: dict[str, list | object], *, ignore_conflicts: bool = False
) -> list[int | None]:
    """Insert rows given column by column in one statement: a field's attribute name →
    a list of one value per row, or one value (not a list) for every row, as the
    database stores them (ids, text, dates). Fields not given get their defaults
    (``auto_now``: now); JSON fields take their Python values. Returns the new ids in order; with ``ignore_conflicts``
    nothing, and a row that conflicts with one that exists is left out.

    On PostgreSQL one ``INSERT … SELECT … FROM UNNEST`` with one array per column: a
    model instance per row (``bulk_create``) costs several times what the database
    spends on the row, and the rules insert thousands per chunk. Elsewhere
    ``bulk_create``."""
    lists = {name: v for name, v in columns.items() if isinstance(v, list)}
    counts = {len(v) for v in lists.values()}
    if len(counts) > 1:
        raise ValueError("Every column needs a value for every row.")
    count = counts.pop() if counts else 0
    if not count:
        return []
    if connection.vendor != "postgresql":
        objects = [
            model(**{name: v[i] if name in lists else v for name, v in columns.items()})
            for i in range(count)
        ]
        model.objects.bulk_create(objects, ignore_conflicts=ignore_conflicts)
        return [] if ignore_conflicts else [o.pk for o in objects]
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    if unknown := set(columns) - set(fields):
        raise ValueError(f"Not fields of {meta.label}: {sorted(unknown)}")
    now = timezone.now()
    if json_names := [n for n in columns if isinstance(fields[n], JSONField)]:
        from psycopg.types.json import Jsonb  # only with PostgreSQL

        columns = {
            n: ([Jsonb(x) for x in v] if n in lists else Jsonb(v)) if n in json_names else v
            for n, v in columns.items()
        }
        lists = {name: v for name, v in columns.items() if isinstance(v, list)}
    values = {name: v for name, v in columns.items() if name not in lists}
    for name, f in fields.items():
        if name in columns or f.primary_key:
            continue
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        values[name] = now if auto else f.get_db_prep_save(f.get_default(), connection)
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[name].column) for name in [*values, *lists])
    selected = ", ".join([*(f"%s::{fields[name].db_type(connection)}" for name in values), "u.*"])
    arrays = ", ".join(f"%s::{fields[name].db_type(connection)}[]" for name in lists)
    # Names and types from the model's own metadata; every value is a parameter.
    sql = f"""INSERT INTO {quote(meta.db_table)} ({names})
        SELECT {selected} FROM UNNEST({arrays}) AS u"""  # noqa: S608
    params = [*values.values(), *(pg_array(v) for v in lists.values())]
    with connection.cursor() as cursor:
        if ignore_conflicts:
            cursor.execute(f"{sql} ON CONFLICT DO NOTHING", params)
            return []
        cursor.execute(f"{sql} RETURNING {quote(meta.pk.column)}", params)
        return [pk for (pk,) in cursor.fetchall()]


@contextmanager
def psycopg_cursor():
    """A plain psycopg cursor on Django's connection, in the same transaction
    (PostgreSQL only). It sends and receives bytes as they are, where Django's cursor
    (which binds parameters on the client) sends and reads binary data as hexadecimal
    text: twice the bytes, and most of the time it takes to store or read them."""
    import psycopg  # only with PostgreSQL

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def copy_rows(cursor, statement: str, rows: Iterable[Sequence], *, types=None) -> None:
    """Send ``rows`` through one ``COPY … FROM STDIN`` statement on ``cursor`` (Django's
    or psycopg's, PostgreSQL only); ``types`` for the binary format."""
    with cursor.copy(statement) as copy:
        if types is not None:
            copy.set_types(types)
        write_row = copy.write_row  # the hot loop of intake and linking
        for row in rows:
            write_row(row)


def copy_into(model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` (values in the order of ``fields``, attribute names) into the
    model's table (PostgreSQL only)."""
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    # Table and column names from the model, values sent as data.
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor:
        copy_rows(cursor.cursor, statement, rows)


def write_rows(
    model,
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    json_fields: frozenset[str] = frozenset(),
    batch_size: int | None = None,
) -> None:
    """Insert ``rows`` (values in the order of ``fields``) at once: on PostgreSQL by
    COPY, which takes a fraction of the time ``bulk_create`` spends preparing each value
    in Python; elsewhere ``bulk_create``. ``json_fields`` are the fields whose values are
    JSON (COPY needs them marked as such)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=batch_size
        )
        return
    if json_fields:
        from psycopg.types.json import Jsonb  # only with PostgreSQL

        json_at = [i for i, f in enumerate(fields) if f in json_fields]
        rows = ([Jsonb(v) if i in json_at else v for i, v in enumerate(row)] for row in rows)
    copy_into(model, fields, rows)
