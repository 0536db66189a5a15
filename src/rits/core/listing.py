"""Paging and sorting a list page: one way for every list (my families, the access log,
the inbox, the review queue, the batches).

Sorting goes by a small whitelist per list (:class:`Sorting`): the reader chooses a key
("name", "-name"), never a field, so no user's text reaches ``order_by``. An unknown key
falls back to the list's default. The column headers (:meth:`Sorting.headers`) say how
the list is sorted (``aria-sort``) and link to the other order, keeping the filters.
Paging is Django's :class:`~django.core.paginator.Paginator` with ``get_page`` (a page
number that is no page gives the nearest one); the ``pagination`` component renders it.
"""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import QueryDict


@dataclass(frozen=True)
class SortKey:
    """One way to sort a list: its column header and the fields, ascending."""

    label: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Order:
    """The order a reader chose, checked against the whitelist."""

    key: str
    descending: bool

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class Header:
    """A column header: a plain one (``href`` empty) or one that sorts the list."""

    label: str
    href: str = ""
    aria_sort: str = ""  # "ascending" / "descending" on the column the list is sorted by

    def __str__(self) -> str:
        return str(self.label)


class Sorting:
    """The whitelist of a list's orders and its default (e.g. ``"-when"``)."""

    def __init__(self, keys: dict[str, SortKey], default: str, *, param: str = "sort"):
        self.keys = keys
        self.param = param
        self.default = self.parse(default)
        if self.default is None:
            raise ValueError(f"default {default!r} is not one of {list(keys)}")

    def parse(self, value: str | None) -> Order | None:
        """The order ``value`` names, or None when it names none (the caller falls back
        to :attr:`default`)."""
        value = (value or "").strip()
        descending = value.startswith("-")
        key = value[1:] if descending else value
        if key not in self.keys:
            return None
        return Order(key, descending)

    def choose(self, value: str | None) -> Order:
        return self.parse(value) or self.default

    def order_by(self, order: Order, *, tiebreak: str = "id") -> list[str]:
        sign = "-" if order.descending else ""
        fields = [f"{sign}{f}" for f in self.keys[order.key].fields]
        if tiebreak and tiebreak not in self.keys[order.key].fields:
            fields.append(f"{sign}{tiebreak}")
        return fields

    def headers(self, order: Order, query: QueryDict, *columns: str) -> list[Header]:
        """Column headers for ``columns``: a sort key gives a link to sort by it
        (ascending, or the other way round when the list is sorted by it already), any
        other string a plain header. ``query``: the list's parameters to keep (filters);
        the page number is dropped, a new order starts at page one."""
        result = []
        for column in columns:
            if column not in self.keys:
                result.append(Header(column))
                continue
            q = query.copy()
            q.pop("page", None)
            current = order.key == column
            q[self.param] = f"-{column}" if current and not order.descending else column
            result.append(
                Header(
                    self.keys[column].label,
                    href="?" + q.urlencode(),
                    aria_sort=(
                        ("descending" if order.descending else "ascending") if current else ""
                    ),
                )
            )
        return result


def page_of(items, number, per_page: int) -> Page:
    """One page of ``items`` (a queryset or a list); a number that is no page (not a
    number, 0, beyond the last) gives the nearest page, never an error."""
    return Paginator(items, per_page).get_page(number)
