"""The review queue of linking: a signal that may be about a member of a family, where
the linkage model is not sure enough to link it and not sure enough to let it go; and,
family-level (no person), a signal about an adult who lives at a family's address but
is not a member of it: is it about this household? (Linking never decides that by the
address alone.)

The coordinator of the candidate's family decides (nobody else sees the candidate: a
professional who is not that family's coordinator gets "not found"): the same person
(the signal is linked to the person's families), not this person, or someone Rits does
not know yet. Every read and every decision leaves an audit event; the page never shows
a BSN, only what the source delivered about whom the signal is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
from rits.signals.linking.store import timeline_entry, withdrawn_entry
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    ReviewStatus,
    Signal,
    SignalLink,
    SignalStatus,
)
from rits.worklist.kinds import kind_for
from rits.worklist.models import WorkItemStatus

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
    person_name: str  # "" for a family-level review
    match_percentage: int | None  # None for a family-level review
    status: str = ""  # for a decided review: what was decided

    @property
    def is_household(self) -> bool:
        return not self.person_name


class ReviewState:
    """Which reviews the queue lists: those still to decide (the default) or those
    decided (to look a decision up again, and reopen it)."""

    DECIDED = "decided"


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
    state: str = "",
) -> ReviewQueue:
    """The open reviews of the families ``user`` coordinates, oldest first (or as
    ``sort`` names, a key of :data:`REVIEW_SORTING`), one page of ``REVIEW_PAGE``;
    ``signal_type`` and ``family`` (part of its name) narrow it, ``state`` "decided"
    lists the decided reviews instead. A constant number of queries however many
    reviews; the reviews shown are audited."""
    order = REVIEW_SORTING.choose(sort)
    # From the caseload, not from all open reviews of the region.
    mine = coordinated_family_ids(user)
    reviews = LinkReview.objects.filter(family_id__in=mine)
    if state == ReviewState.DECIDED:
        reviews = reviews.exclude(status=ReviewStatus.OPEN)
    else:
        reviews = reviews.filter(status=ReviewStatus.OPEN)
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
            person_name=r.person.full_name if r.person else "",
            match_percentage=_percentage(r.match_probability),
            status=r.get_status_display() if r.status != ReviewStatus.OPEN else "",
        )
        for r in rows
    ]
    catalogue.log(
        "signal.link_reviews_viewed",
        actor=Actor.for_user(user),
        person_ids=sorted({r.person_id for r in rows if r.person_id}),
        detail={
            "review_ids": [r.pk for r in rows],
            "family_ids": sorted({r.family_id for r in rows}),
        },
    )
    return ReviewQueue(shown, order)


def _percentage(probability: float | None) -> int | None:
    if probability is None:  # a family-level review: no member was compared
        return None
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
    person: Person | None  # None for a family-level review
    family: Family
    role: str
    rows: list[FieldRow]
    match_percentage: int | None
    # The alerts raised on this signal in the families the reader coordinates (reopening
    # a confirmation leaves them: they are dismissed by hand if the link was wrong).
    alerts: list[AlertLine] = ()
    decided_by: str = ""

    @property
    def is_open(self) -> bool:
        return self.review.status == ReviewStatus.OPEN

    @property
    def is_household(self) -> bool:
        return self.review.is_household

    @property
    def can_reopen(self) -> bool:
        effects = self.review.effects
        return not self.is_open and effects is not None and "closed_by" not in effects

    @property
    def history(self) -> list[dict]:
        """The decisions taken back, oldest first: what was decided and why it was
        taken back."""
        return [
            {"status": ReviewStatus(h["status"]).label, "reason": h.get("reason", "")}
            for h in self.review.history
        ]

    @property
    def reopen_refusal(self) -> str:
        """Why a decided review cannot be reopened here ("" if it can)."""
        if self.is_open or self.can_reopen:
            return ""
        try:
            _require_reopenable(self.review)
        except ValidationError as exc:
            return " ".join(exc.messages)
        return ""


@dataclass(frozen=True)
class AlertLine:
    item_id: int
    title: str
    family_name: str
    status: str
    is_open: bool


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


def _rows(review: LinkReview, person: Person | None, family: Family) -> list[FieldRow]:
    signal = review.signal
    agreement = review.field_agreement or {}

    def row(label, in_signal, in_family, key):
        value = agreement.get(key, "missing")
        return FieldRow(
            str(label), in_signal or "—", in_family or "—", value, str(AGREEMENT_TEXT[value])
        )

    if person is None:
        # A family-level review: what the source delivered about whom the signal is about,
        # and where this family lives (the template shows these two, compared with no one).
        def delivered(label, value):
            return FieldRow(str(label), value or "—", "", "missing", "")

        return [
            delivered(
                _("Name"),
                " ".join(p for p in (signal.given_names, signal.prefix, signal.surname) if p),
            ),
            delivered(
                _("Date of birth"),
                signal.birth_date.strftime("%d-%m-%Y") if signal.birth_date else "",
            ),
            delivered(
                _("Address in the signal"),
                _address(
                    signal.postcode, signal.house_number, signal.house_number_suffix, signal.city
                ),
            ),
            delivered(
                _("This family's address"),
                _address(
                    family.postcode, family.house_number, family.house_number_suffix, family.city
                ),
            ),
        ]
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
    membership = (
        None
        if review.is_household
        else Membership.objects.filter(
            family_id=review.family_id, person_id=review.person_id
        ).first()
    )
    alerts = _alerts(user, review) if review.status == ReviewStatus.CONFIRMED else []
    detail = {"signal_id": review.signal_id}
    if alerts:
        detail["alert_ids"] = [a.item_id for a in alerts]
    catalogue.log(
        "signal.link_review_viewed",
        actor=Actor.for_user(user),
        object_id=review.pk,
        family_id=review.family_id,
        person_ids=[review.person_id] if review.person_id else [],
        ground=grant.ground,
        detail=detail,
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
        alerts=alerts,
        decided_by=str(review.decided_by) if review.decided_by else "",
    )


def _alerts(user, review: LinkReview) -> list[AlertLine]:
    items = list(review.signal.work_items.select_related("family").order_by("id"))
    mine = coordinated_family_ids(user, {i.family_id for i in items})
    return [
        AlertLine(
            item_id=i.pk,
            title=str(kind_for(i.kind).title),
            family_name=i.family.name,
            status=i.get_status_display(),
            is_open=i.status != WorkItemStatus.DISMISSED,
        )
        for i in items
        if i.family_id in mine
    ]


# --- decisions ------------------------------------------------------------------------


def decide_review(*, user, review_id: int, decision: str) -> LinkReview:
    """Record the coordinator's decision on a review.

    On a family-level review (no person): ``confirm`` links the signal to this family
    (method ``household``, no person; the signal's other reviews stay as they are),
    ``reject`` leaves it out; ``new_person`` is no answer to "is this about your
    household?" (``ValidationError``).

    * ``confirm``: the signal is about this person. It is linked (method ``reviewed``) to
      every family the person is a member of, with a timeline event in each newly linked
      family; the signal's other open reviews are closed (a signal is about one person);
      the signal is ``linked`` and the rules look at it again.
    * ``reject``: not this person.
    * ``new_person``: someone Rits does not know yet; the signal is not linked to this
      family.

    After a rejection or a new person, a signal with no open review and no link left is
    ``unlinked``. Deciding twice is refused (``ValidationError``), and so is a
    confirmation in a family whose file is closed (a closed file takes no new signal)."""
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": _("Choose one of the three answers.")})
    with transaction.atomic():
        review = _review(review_id, for_update=True)
        grant = _coordinator_grant(user, review.family_id)
        if review.status != ReviewStatus.OPEN:
            raise ValidationError(_("This possible link has already been decided."))
        if review.is_household and decision == Decision.NEW_PERSON:
            raise ValidationError({"decision": _("Choose yes or no.")})
        if decision == Decision.CONFIRM and review.family.closed_at is not None:
            raise ValidationError(
                _(
                    "This family's file is closed, so no signal can be linked to it. "
                    "Reopen the file first, or answer no."
                ),
                code="closed_file",
            )
        now = timezone.now()
        signal = Signal.objects.select_for_update().get(pk=review.signal_id)
        review.decided_by = user
        review.decided_at = now
        linked: list[int] = []
        closed: list[int] = []
        # What this decision does, for reopening it (``reopen_review``).
        effects: dict = {
            "signal_status": signal.status,
            "rules_run_at": signal.rules_run_at.isoformat() if signal.rules_run_at else None,
        }
        if decision == Decision.CONFIRM:
            review.status = ReviewStatus.CONFIRMED
            done = _link_confirmed(review, signal, user)
            linked = done["linked_family_ids"]
            if not review.is_household:
                # A signal is about one person: the other candidates are not it. (Reviews
                # of other households at the address are their coordinators' to decide.)
                others = LinkReview.objects.filter(
                    signal=signal, status=ReviewStatus.OPEN, person__isnull=False
                ).exclude(pk=review.pk)
                closed = list(others.values_list("pk", flat=True))
                others.update(
                    status=ReviewStatus.REJECTED, decided_at=now, effects={"closed_by": review.pk}
                )
            effects.update(done, closed_review_ids=closed)
            signal.status = SignalStatus.LINKED
            # A new link: the rules stage must look at this signal again.
            signal.rules_run_at = None
            signal.save(update_fields=["status", "rules_run_at"])
        else:
            review.status = (
                ReviewStatus.REJECTED if decision == Decision.REJECT else ReviewStatus.NEW_PERSON
            )
        review.effects = effects
        review.save(update_fields=["status", "decided_by", "decided_at", "effects"])
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
            person_ids=[review.person_id] if review.person_id else [],
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


def _link_confirmed(review: LinkReview, signal: Signal, user) -> dict:
    """Link the signal to each family of the confirmed person whose file is open (for a
    family-level review: to the review's family, through the household); return what it
    did: the families that were not linked before, the links it created, and the
    household links it named the person in (with what they were)."""
    if review.is_household:
        family_ids = {review.family_id}
    else:
        family_ids = set(
            Membership.objects.filter(
                person_id=review.person_id, family__closed_at__isnull=True
            ).values_list("family_id", flat=True)
        ) | {review.family_id}
    existing = {link.family_id: link for link in SignalLink.objects.filter(signal=signal)}
    new: list[int] = []
    created: list[int] = []
    household: list[dict] = []
    for family_id in sorted(family_ids):
        link = existing.get(family_id)
        if link is None:
            link = SignalLink.objects.create(
                signal=signal,
                family_id=family_id,
                person_id=review.person_id,
                method=LinkMethod.HOUSEHOLD if review.is_household else LinkMethod.REVIEWED,
                match_probability=review.match_probability,
            )
            new.append(family_id)
            created.append(link.pk)
        elif link.method == LinkMethod.HOUSEHOLD and not review.is_household:
            # The address said "someone in this household"; now we know who.
            household.append(
                {
                    "link_id": link.pk,
                    "person_id": link.person_id,
                    "match_probability": link.match_probability,
                }
            )
            link.method = LinkMethod.REVIEWED
            link.person_id = review.person_id
            link.match_probability = review.match_probability
            link.save(update_fields=["method", "person", "match_probability"])
    record_timeline(
        timeline_entry(family_id, signal.signal_type, signal.source.name)._replace(actor_id=user.pk)
        for family_id in new
    )
    return {"linked_family_ids": new, "created_link_ids": created, "household_links": household}


# --- reopening a decision ----------------------------------------------------------------

REOPEN_REASON_LENGTH = 500


def reopen_review(*, user, review_id: int, reason: str) -> LinkReview:
    """Take back the decision on a review: it is open again, for its family's coordinator
    (the same person who may decide it), with a reason; ``ValidationError`` for an open
    review, one decided before Rits kept what a decision did, or one closed by another
    review's confirmation (reopen that one).

    Undoes exactly what the decision did (``LinkReview.effects``): the links a
    confirmation created are removed (with a "withdrawn" event on the timeline of each
    family it had written one in), the household links it named the person in are
    household links again, the reviews it closed are open again, and the signal has the
    status and rules checkpoint it had. Alerts the rules raised on the signal since stay:
    whoever coordinates the family dismisses them if the link was wrong. The decision
    taken back is kept in the review's ``history`` and in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this decision needs to be taken again.")})
    if len(reason) > REOPEN_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Keep this under %(n)d characters.") % {"n": REOPEN_REASON_LENGTH}}
        )
    with transaction.atomic():
        review = _review(review_id, for_update=True)
        grant = _coordinator_grant(user, review.family_id)
        grant.require("write")
        _require_reopenable(review)
        signal = Signal.objects.select_for_update().get(pk=review.signal_id)
        effects = review.effects
        removed_families = _undo_links(signal, review, effects)
        reopened = list(
            LinkReview.objects.filter(
                pk__in=effects.get("closed_review_ids", []),
                status=ReviewStatus.REJECTED,
                effects__closed_by=review.pk,
            ).values_list("pk", flat=True)
        )
        LinkReview.objects.filter(pk__in=reopened).update(
            status=ReviewStatus.OPEN, decided_at=None, effects=None
        )
        signal.status = effects["signal_status"]
        rules_run_at = effects.get("rules_run_at")
        signal.rules_run_at = datetime.fromisoformat(rules_run_at) if rules_run_at else None
        signal.save(update_fields=["status", "rules_run_at"])
        now = timezone.now()
        was = review.status
        review.history = [
            *review.history,
            {
                "status": was,
                "decided_by": review.decided_by_id,
                "decided_at": review.decided_at.isoformat() if review.decided_at else None,
                "reopened_by": user.pk,
                "reopened_at": now.isoformat(),
                "reason": reason,
            },
        ]
        review.status = ReviewStatus.OPEN
        review.decided_by, review.decided_at, review.effects = None, None, None
        review.save(update_fields=["status", "decided_by", "decided_at", "effects", "history"])
        record_timeline(
            withdrawn_entry(family_id, signal.signal_type, signal.source.name)._replace(
                actor_id=user.pk
            )
            for family_id in removed_families
        )
        catalogue.log(
            "signal.link_review_reopened",
            actor=Actor.for_user(user),
            object_id=review.pk,
            family_id=review.family_id,
            person_ids=[review.person_id] if review.person_id else [],
            ground=grant.ground,
            detail={
                "signal_id": signal.pk,
                "was": was,
                "unlinked_family_ids": removed_families,
                "reopened_review_ids": reopened,
                "signal_status": signal.status,
            },
        )
    return review


def _require_reopenable(review: LinkReview) -> None:
    if review.status == ReviewStatus.OPEN:
        raise ValidationError(_("This possible link is open already."), code="open")
    effects = review.effects
    if effects is None:
        raise ValidationError(
            _(
                "This decision was taken before Rits kept what a decision changes, so it "
                "cannot be taken back here. Ask the functional administrator."
            ),
            code="unrecorded",
        )
    if "closed_by" in effects:
        raise ValidationError(
            _(
                "This possible link was closed because the signal was confirmed to be about "
                "someone else. Reopen that decision instead."
            ),
            code="closed",
        )


def _undo_links(signal: Signal, review: LinkReview, effects: dict) -> list[int]:
    """Remove the links the confirmation created and give the household links it named
    the person in back what they were; return the families whose link was removed and
    that had the link on their timeline."""
    created = SignalLink.objects.filter(pk__in=effects.get("created_link_ids", []), signal=signal)
    removed = set(created.values_list("family_id", flat=True))
    created.delete()
    for old in effects.get("household_links", []):
        SignalLink.objects.filter(
            pk=old["link_id"], signal=signal, method=LinkMethod.REVIEWED
        ).update(
            method=LinkMethod.HOUSEHOLD,
            person_id=old["person_id"],
            match_probability=old["match_probability"],
        )
    return sorted(removed & set(effects.get("linked_family_ids", [])))
