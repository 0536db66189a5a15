"""The review queue of linking: a signal that may be about a member of a family, where
the linkage model is not sure enough to link it and not sure enough to let it go.

The coordinator of the candidate's family decides (nobody else sees the candidate: a
professional who is not that family's coordinator gets "not found"): the same person
(the signal is linked to the person's families), not this person, or someone Rits does
not know yet. Every read and every decision leaves an audit event; the page never shows
a BSN, only what the source delivered about whom the signal is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.access.rules import FamilyNotFound, Grant, grant_for, professional_for, visible_families
from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core.listing import Order, Sorting, SortKey, page_of
from rits.families.models import Family, Involvement, Membership, Person
from rits.families.services import record_timeline
from rits.signals.linking.store import timeline_entry
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    ReviewStatus,
    Signal,
    SignalLink,
    SignalStatus,
)

AGREEMENT_TEXT = {
    "agree": gettext_lazy("Agrees"),
    "close": gettext_lazy("Nearly agrees"),
    "disagree": gettext_lazy("Differs"),
    "missing": gettext_lazy("Not delivered, or not known"),
}


class Decision:
    CONFIRM = "confirm"
    REJECT = "reject"
    NEW_PERSON = "new_person"
    CHOICES = (CONFIRM, REJECT, NEW_PERSON)


# --- reads ----------------------------------------------------------------------------


def coordinated_family_ids(user, family_ids: set[int] | None = None) -> set[int]:
    """The families (of ``family_ids``, if given) that ``user`` coordinates: the same as a
    coordinator grant of ``grant_for``, for many families at once. Starts from what
    ``visible_families`` lets the user see."""
    professional = professional_for(user)
    visible = visible_families(user)
    if family_ids is not None:
        visible = visible.filter(pk__in=family_ids)
    ids = set(visible.values_list("pk", flat=True))
    if not ids:
        return set()
    today = timezone.localdate()
    return set(
        Involvement.objects.coordinating(today)
        .filter(family_id__in=ids, professional=professional)
        .values_list("family_id", flat=True)
    )


@dataclass(frozen=True)
class ReviewLine:
    """One open review as the queue lists it: plain values."""

    review_id: int
    signal_type: str
    signal_date: date
    source: str
    family_id: int
    family_name: str
    person_name: str
    match_percentage: int


REVIEW_PAGE = 25
REVIEW_SORTING = Sorting(
    {
        "received": SortKey(gettext_lazy("Received"), ("created_at",)),
        "date": SortKey(gettext_lazy("Date"), ("signal__signal_date",)),
        "family": SortKey(gettext_lazy("Family"), ("family__name",)),
        "match": SortKey(gettext_lazy("Match"), ("match_probability",)),
    },
    default="received",
)


@dataclass(frozen=True)
class ReviewQueue:
    page: Page  # of ReviewLine
    order: Order


def open_reviews(
    *,
    user,
    page: int | str | None = 1,
    sort: str | None = None,
    signal_type: str = "",
    family: str = "",
) -> ReviewQueue:
    """The open reviews of the families ``user`` coordinates, oldest first (or as
    ``sort`` names, a key of :data:`REVIEW_SORTING`), one page of ``REVIEW_PAGE``;
    ``signal_type`` and ``family`` (part of its name) narrow it. A constant number of
    queries however many reviews; the reviews shown are audited."""
    order = REVIEW_SORTING.choose(sort)
    # From the caseload, not from all open reviews of the region.
    mine = coordinated_family_ids(user)
    reviews = LinkReview.objects.filter(status=ReviewStatus.OPEN, family_id__in=mine)
    if signal_type:
        reviews = reviews.filter(signal__signal_type=signal_type)
    if family:
        reviews = reviews.filter(family__name__icontains=family)
    reviews = reviews.select_related("signal__source", "person", "family").order_by(
        *REVIEW_SORTING.order_by(order)
    )
    shown = page_of(reviews, page, REVIEW_PAGE)
    rows = list(shown.object_list)
    shown.object_list = [
        ReviewLine(
            review_id=r.pk,
            signal_type=r.signal.get_signal_type_display(),
            signal_date=r.signal.signal_date,
            source=r.signal.source.name,
            family_id=r.family_id,
            family_name=r.family.name,
            person_name=r.person.full_name,
            match_percentage=_percentage(r.match_probability),
        )
        for r in rows
    ]
    catalogue.log(
        "signal.link_reviews_viewed",
        actor=Actor.for_user(user),
        person_ids=sorted({r.person_id for r in rows}),
        detail={
            "review_ids": [r.pk for r in rows],
            "family_ids": sorted({r.family_id for r in rows}),
        },
    )
    return ReviewQueue(shown, order)


def _percentage(probability: float) -> int:
    # Never 100: the model is not sure, or this would not be a review.
    return min(99, int(probability * 100))


@dataclass(frozen=True)
class FieldRow:
    label: str
    in_signal: str
    in_family: str
    agreement: str  # agree / close / disagree / missing
    agreement_text: str


@dataclass(frozen=True)
class ReviewPage:
    review: LinkReview
    grant: Grant
    signal: Signal
    person: Person
    family: Family
    role: str
    rows: list[FieldRow]
    match_percentage: int

    @property
    def is_open(self) -> bool:
        return self.review.status == ReviewStatus.OPEN


def _coordinator_grant(user, family_id: int) -> Grant:
    grant = grant_for(user, family_id)
    if not grant.is_coordinator:
        # Only the coordinator decides; for anyone else the review does not exist.
        raise FamilyNotFound
    return grant


def _review(review_id: int, *, for_update: bool = False) -> LinkReview:
    reviews = LinkReview.objects.select_related("signal__source", "person", "family")
    if for_update:
        reviews = reviews.select_for_update(of=("self",))
    review = reviews.filter(pk=review_id).first()
    if review is None:
        raise FamilyNotFound
    return review


def _name(surname: str, prefix: str) -> str:
    return " ".join(p for p in (prefix, surname) if p)


def _address(postcode: str, number: int | None, suffix: str, city: str = "") -> str:
    line = " ".join(p for p in (postcode, f"{number or ''}{suffix}".strip(), city) if p)
    return line


def _rows(review: LinkReview, person: Person, family: Family) -> list[FieldRow]:
    signal = review.signal
    agreement = review.field_agreement or {}

    def row(label, in_signal, in_family, key):
        value = agreement.get(key, "missing")
        return FieldRow(
            str(label), in_signal or "—", in_family or "—", value, str(AGREEMENT_TEXT[value])
        )

    return [
        row(_("Surname"), signal.surname, person.surname, "surname"),
        row(_("Prefix"), signal.prefix, person.prefix, "prefix"),
        row(_("Given names"), signal.given_names, person.given_names, "given_names"),
        row(
            _("Date of birth"),
            signal.birth_date.strftime("%d-%m-%Y") if signal.birth_date else "",
            person.birth_date.strftime("%d-%m-%Y") if person.birth_date else "",
            "birth_date",
        ),
        row(
            _("Address"),
            _address(signal.postcode, signal.house_number, signal.house_number_suffix, signal.city),
            _address(family.postcode, family.house_number, family.house_number_suffix, family.city),
            "address",
        ),
    ]


def review_page(*, user, review_id: int) -> ReviewPage:
    """One review, for the coordinator of the candidate's family; ``FamilyNotFound``
    (404) for anyone else."""
    review = _review(review_id)
    grant = _coordinator_grant(user, review.family_id)
    membership = Membership.objects.filter(
        family_id=review.family_id, person_id=review.person_id
    ).first()
    catalogue.log(
        "signal.link_review_viewed",
        actor=Actor.for_user(user),
        object_id=review.pk,
        family_id=review.family_id,
        person_ids=[review.person_id],
        ground=grant.ground,
        detail={"signal_id": review.signal_id},
    )
    return ReviewPage(
        review=review,
        grant=grant,
        signal=review.signal,
        person=review.person,
        family=review.family,
        role=membership.get_role_display() if membership else "",
        rows=_rows(review, review.person, review.family),
        match_percentage=_percentage(review.match_probability),
    )


# --- decisions ------------------------------------------------------------------------


def decide_review(*, user, review_id: int, decision: str) -> LinkReview:
    """Record the coordinator's decision on a review.

    * ``confirm``: the signal is about this person. It is linked (method ``reviewed``) to
      every family the person is a member of, with a timeline event in each newly linked
      family; the signal's other open reviews are closed (a signal is about one person);
      the signal is ``linked`` and the rules look at it again.
    * ``reject``: not this person.
    * ``new_person``: someone Rits does not know yet; the signal is not linked to this
      family.

    After a rejection or a new person, a signal with no open review and no link left is
    ``unlinked``. Deciding twice is refused (``ValidationError``)."""
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": _("Choose one of the three answers.")})
    with transaction.atomic():
        review = _review(review_id, for_update=True)
        grant = _coordinator_grant(user, review.family_id)
        if review.status != ReviewStatus.OPEN:
            raise ValidationError(_("This possible link has already been decided."))
        now = timezone.now()
        signal = Signal.objects.select_for_update().get(pk=review.signal_id)
        review.decided_by = user
        review.decided_at = now
        linked: list[int] = []
        closed: list[int] = []
        if decision == Decision.CONFIRM:
            review.status = ReviewStatus.CONFIRMED
            linked = _link_confirmed(review, signal, user)
            others = LinkReview.objects.filter(signal=signal, status=ReviewStatus.OPEN).exclude(
                pk=review.pk
            )
            closed = list(others.values_list("pk", flat=True))
            others.update(status=ReviewStatus.REJECTED, decided_at=now)
            signal.status = SignalStatus.LINKED
            # A new link: the rules stage must look at this signal again.
            signal.rules_run_at = None
            signal.save(update_fields=["status", "rules_run_at"])
        else:
            review.status = (
                ReviewStatus.REJECTED if decision == Decision.REJECT else ReviewStatus.NEW_PERSON
            )
        review.save(update_fields=["status", "decided_by", "decided_at"])
        if decision != Decision.CONFIRM:
            still_open = LinkReview.objects.filter(signal=signal, status=ReviewStatus.OPEN)
            if not still_open.exists() and not SignalLink.objects.filter(signal=signal).exists():
                signal.status = SignalStatus.UNLINKED
                signal.save(update_fields=["status"])
        catalogue.log(
            "signal.link_reviewed",
            actor=Actor.for_user(user),
            object_id=review.pk,
            family_id=review.family_id,
            person_ids=[review.person_id],
            ground=grant.ground,
            detail={
                "signal_id": signal.pk,
                "decision": decision,
                "linked_family_ids": linked,
                "closed_review_ids": closed,
                "signal_status": signal.status,
            },
        )
    return review


def _link_confirmed(review: LinkReview, signal: Signal, user) -> list[int]:
    """Link the signal to each family of the confirmed person; return the families that
    were not linked before."""
    family_ids = set(
        Membership.objects.filter(person_id=review.person_id).values_list("family_id", flat=True)
    ) | {review.family_id}
    existing = {link.family_id: link for link in SignalLink.objects.filter(signal=signal)}
    new: list[int] = []
    for family_id in sorted(family_ids):
        link = existing.get(family_id)
        if link is None:
            SignalLink.objects.create(
                signal=signal,
                family_id=family_id,
                person_id=review.person_id,
                method=LinkMethod.REVIEWED,
                match_probability=review.match_probability,
            )
            new.append(family_id)
        elif link.method == LinkMethod.HOUSEHOLD:
            # The address said "someone in this household"; now we know who.
            link.method = LinkMethod.REVIEWED
            link.person_id = review.person_id
            link.match_probability = review.match_probability
            link.save(update_fields=["method", "person", "match_probability"])
    record_timeline(
        timeline_entry(family_id, signal.signal_type, signal.source.name)._replace(actor_id=user.pk)
        for family_id in new
    )
    return new
