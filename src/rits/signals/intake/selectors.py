"""Every read of the signal intake.

A signal source reads nothing but how its own deliveries were taken in: never a signal,
a person or a family, and never what happened to a signal after intake (whether or to
whom it was linked, whether it raised an alert). A source that could see that could
test whether a person is known, by sending a signal about them. Every answer a source
gets (the API, the upload page and its progress, ``import_signals``) is built here, from
:class:`Delivery` and :class:`SignalIntake`. Another source's batch is "not found",
exactly like a batch that does not exist."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rits.access.rules import professional_for
from rits.core.listing import Order, Sorting, SortKey, page_of
from rits.organisations.models import Organisation, Professional
from rits.signals.models import (
    BatchStatus,
    SignalBatch,
    SignalBatchProblem,
    SignalStatus,
)

REPORT_PAGE_SIZE = 1000
# The largest id of a row (a 64-bit integer); a larger number in a URL is no batch, and
# would overflow the database's integer.
MAX_ID = 2**63 - 1

# The fields of a batch that tell how its intake went: all a source sees of it.
_INTAKE_FIELDS = (
    "id",
    "file_name",
    "format",
    "status",
    "received_at",
    "started_at",
    "finished_at",
    "size_bytes",
    "rows",
    "accepted",
    "duplicates",
    "rejected",
    "error",
    "warnings",
    "expected_lines",
    "resume_line",
)


@dataclass(frozen=True)
class Delivery:
    """What a signal source may see of one of its deliveries: how its intake went (the
    status, the counts of rows received, duplicate and rejected, why rows or the file
    were refused) and nothing after intake. Built only by this module's selectors."""

    id: int
    file_name: str
    format: str
    status: str
    received_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    size_bytes: int
    rows: int
    accepted: int
    duplicates: int
    rejected: int
    error: str
    warnings: list[dict]
    expected_lines: int
    resume_line: int
    # One page of the report of rejected rows, and how many lines the whole report has.
    report_total: int = 0
    report: list[dict] = field(default_factory=list)
    # The page of the report the upload pages show (``delivery_for_staff`` with a page).
    report_page: Page | None = None

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_finished(self) -> bool:
        return self.status in {BatchStatus.DONE, BatchStatus.FAILED}

    @property
    def status_label(self) -> str:
        return BatchStatus(self.status).label

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.expected_lines:
            return 0
        return min(99, round(100 * self.resume_line / self.expected_lines))


@dataclass(frozen=True)
class SignalIntake:
    """What a source may see of one signal it sent on its own: that it was received, and
    whether its reference had been received before. Always ``received``, whatever
    happened to the signal since."""

    id: int
    reference: str
    duplicate: bool
    warnings: list[dict]
    status: str = SignalStatus.RECEIVED


def signal_intake(*, signal_id: int, reference: str, created: bool, warnings) -> SignalIntake:
    """The answer to a single signal (see ``services.receive_signal``)."""
    return SignalIntake(
        id=signal_id,
        reference=reference,
        duplicate=not created,
        warnings=[w.as_dict() for w in warnings],
    )


def _own_batch(*, source: Organisation, batch_id: int) -> SignalBatch:
    if not 0 < batch_id <= MAX_ID:
        raise Http404(_("Not found."))
    batch = SignalBatch.objects.filter(pk=batch_id, source=source).first()
    if batch is None:
        raise Http404(_("Not found."))
    return batch


def batch_report(
    *, batch: SignalBatch | Delivery, offset: int = 0, limit: int = REPORT_PAGE_SIZE
) -> tuple[int, list[dict]]:
    """The rejected rows of a batch, in line order: the total and one page of
    ``{line, reference, field, reason}``."""
    problems = SignalBatchProblem.objects.filter(batch_id=batch.pk).order_by("line", "id")
    page = problems.values("line", "reference", "field", "reason")[offset : offset + limit]
    rows = [{**p, "field": p["field"] or None} for p in page]
    return problems.count(), rows


def _delivery(batch: SignalBatch, *, offset: int | None, limit: int) -> Delivery:
    values = {name: getattr(batch, name) for name in _INTAKE_FIELDS}
    if offset is None:
        return Delivery(**values)
    total, report = batch_report(batch=batch, offset=offset, limit=limit)
    return Delivery(**values, report_total=total, report=report)


def delivery_for_source(
    *, source: Organisation, batch_id: int, offset: int = 0, limit: int = REPORT_PAGE_SIZE
) -> Delivery:
    """One of the source's own deliveries with a page of its report; ``Http404`` for
    anything else."""
    return _delivery(_own_batch(source=source, batch_id=batch_id), offset=offset, limit=limit)


def delivery_of(
    batch: SignalBatch, *, offset: int | None = 0, limit: int = REPORT_PAGE_SIZE
) -> Delivery:
    """A delivery the caller already holds (just received, or just imported on the
    command line); without its report when ``offset`` is None."""
    return _delivery(batch, offset=offset, limit=limit)


def source_staff(user) -> Professional:
    """The professional behind a login, of an organisation that delivers signals
    (``SIGNAL_SOURCE_KINDS``); anyone else is refused, as non-professionals are."""
    professional = professional_for(user)
    if not professional.organisation.is_signal_source:
        raise PermissionDenied(
            _(
                "Only staff of a signal source (a housing corporation, an energy or water "
                "company, a health insurer, a school, youth health care, Veilig Thuis or "
                "the police) can deliver signals."
            )
        )
    return professional


def delivery_for_staff(
    *, user, batch_id: int, limit: int = REPORT_PAGE_SIZE, page: int | str | None = None
) -> Delivery:
    """A delivery of the user's own organisation, for its staff; ``Http404`` for
    anything else (also for staff of an organisation that is no signal source, which
    has no deliveries). ``page``: that page of ``limit`` rejected rows (a number that is
    no page gives the nearest), else the first ``limit``."""
    professional = professional_for(user)
    if not professional.organisation.is_signal_source:
        raise Http404(_("Not found."))
    batch = _own_batch(source=professional.organisation, batch_id=batch_id)
    if page is None:
        return _delivery(batch, offset=0, limit=limit)
    problems = SignalBatchProblem.objects.filter(batch_id=batch.pk).order_by("line", "id")
    shown = page_of(problems.values("line", "reference", "field", "reason"), page, limit)
    shown.object_list = [{**p, "field": p["field"] or None} for p in shown.object_list]
    values = {name: getattr(batch, name) for name in _INTAKE_FIELDS}
    return Delivery(
        **values,
        report_total=shown.paginator.count,
        report=shown.object_list,
        report_page=shown,
    )


DELIVERIES_PAGE = 20
DELIVERIES_SORTING = Sorting(
    {
        "received": SortKey(gettext_lazy("Received"), ("received_at",)),
        "file": SortKey(gettext_lazy("File"), ("file_name", "received_at")),
        "status": SortKey(gettext_lazy("Status"), ("status", "received_at")),
        "accepted": SortKey(gettext_lazy("Taken in"), ("accepted", "received_at")),
        "rejected": SortKey(gettext_lazy("Rejected"), ("rejected", "received_at")),
    },
    default="-received",
)


@dataclass(frozen=True)
class Deliveries:
    page: Page  # of Delivery, without their reports
    order: Order


def recent_deliveries(
    *,
    user,
    page: int | str | None = 1,
    sort: str | None = None,
    status: str = "",
    file_name: str = "",
) -> Deliveries:
    """The deliveries of the user's organisation (a signal source's staff), the latest
    first (or as ``sort`` names, a key of :data:`DELIVERIES_SORTING`), without their
    reports, one page of ``DELIVERIES_PAGE``; ``status`` and ``file_name`` (part of it)
    narrow them. Only the intake fields are read: nothing after intake."""
    professional = source_staff(user)
    order = DELIVERIES_SORTING.choose(sort)
    batches = SignalBatch.objects.filter(source=professional.organisation_id)
    if status:
        batches = batches.filter(status=status)
    if file_name:
        batches = batches.filter(file_name__icontains=file_name)
    batches = batches.only(*_INTAKE_FIELDS).order_by(*DELIVERIES_SORTING.order_by(order))
    shown = page_of(batches, page, DELIVERIES_PAGE)
    shown.object_list = [_delivery(batch, offset=None, limit=0) for batch in shown.object_list]
    return Deliveries(shown, order)
