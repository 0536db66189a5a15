"""What linking decides about a signal (nothing written yet), the signal as it reads it,
and the report of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from rits.signals.models import (
    Signal,
    SignalStatus,
)


@dataclass
class LinkReport:
    """What a run of :func:`link_signals` did."""

    signals: int = 0
    linked: int = 0
    review: int = 0
    unlinked: int = 0
    links: Counter = field(default_factory=Counter)  # per method
    reviews: int = 0
    household_reviews: int = 0  # of ``reviews``: family-level ones (no person)
    chunks: int = 0

    def add(self, other: LinkReport) -> None:
        self.signals += other.signals
        self.linked += other.linked
        self.review += other.review
        self.unlinked += other.unlinked
        self.links.update(other.links)
        self.reviews += other.reviews
        self.household_reviews += other.household_reviews
        self.chunks += other.chunks


@dataclass(slots=True)
class SignalRow:
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


SIGNAL_FIELDS = (
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


@dataclass
class Decision:
    signal: SignalRow
    # family id -> (person id or None, method, probability)
    links: dict[int, tuple[int | None, str, float | None]] = field(default_factory=dict)
    # person id -> (family id, probability, field agreement)
    reviews: dict[int, tuple[int, float, dict[str, str]]] = field(default_factory=dict)
    persons: set[int] = field(default_factory=set)
    # Families with children at the address of the (adult) person the signal is linked
    # to, who is not a member of them: a family-level review for each one's coordinator.
    household_reviews: set[int] = field(default_factory=set)

    @property
    def status(self) -> str:
        if self.links:
            return SignalStatus.LINKED
        if self.reviews or self.household_reviews:
            return SignalStatus.REVIEW
        return SignalStatus.UNLINKED


def signal_row(signal: Signal | SignalRow) -> tuple:
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
