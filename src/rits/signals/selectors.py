"""Every read of the signal intake.

A signal source reads nothing but its own delivery reports: never a signal, a person or
a family. Another source's batch is "not found", exactly like a batch that does not
exist."""

from django.http import Http404
from django.utils.translation import gettext as _

from rits.organisations.models import Organisation
from rits.signals.models import SignalBatch, SignalBatchProblem

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
