"""Every read of the signal intake.

A signal source reads nothing but its own delivery reports: never a signal, a person or
a family. Another source's batch is "not found", exactly like a batch that does not
exist."""

from dataclasses import dataclass

from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from rits.access.rules import professional_for
from rits.organisations.models import Organisation
from rits.signals.models import Signal, SignalBatch, SignalBatchProblem, SignalStatus

REPORT_PAGE_SIZE = 1000


def batch_for_source(*, source: Organisation, batch_id: int) -> SignalBatch:
    """One of the source's own batches; ``Http404`` for anything else."""
    batch = SignalBatch.objects.filter(pk=batch_id, source=source).first()
    if batch is None:
        raise Http404(_("Not found."))
    return batch


def batch_report(
    *, batch: SignalBatch, offset: int = 0, limit: int = REPORT_PAGE_SIZE
) -> tuple[int, list[dict]]:
    """The rejected rows of a batch, in line order: the total and one page of
    ``{line, reference, field, reason}``."""
    problems = SignalBatchProblem.objects.filter(batch=batch).order_by("line", "id")
    page = problems.values("line", "reference", "field", "reason")[offset : offset + limit]
    rows = [{**p, "field": p["field"] or None} for p in page]
    return problems.count(), rows


@dataclass(frozen=True)
class BatchProgress:
    """How far a delivery is, for the staff who uploaded it: counts only, never a
    signal's content or the family it was linked to."""

    batch: SignalBatch
    linked: int
    review: int
    unlinked: int

    @property
    def percent(self) -> int:
        if self.batch.is_finished:
            return 100
        if not self.batch.expected_lines:
            return 0
        return min(99, round(100 * self.batch.resume_line / self.batch.expected_lines))


def batch_for_staff(*, user, batch_id: int) -> BatchProgress:
    """A delivery of the user's own organisation; ``Http404`` for anything else."""
    professional = professional_for(user)
    batch = batch_for_source(source=professional.organisation, batch_id=batch_id)
    counts = dict(
        Signal.objects.filter(batch=batch)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return BatchProgress(
        batch=batch,
        linked=counts.get(SignalStatus.LINKED, 0),
        review=counts.get(SignalStatus.REVIEW, 0),
        unlinked=counts.get(SignalStatus.UNLINKED, 0),
    )


def recent_batches(*, user, limit: int = 20) -> list[SignalBatch]:
    """The latest deliveries of the user's organisation."""
    professional = professional_for(user)
    return list(SignalBatch.objects.filter(source=professional.organisation_id)[:limit])
