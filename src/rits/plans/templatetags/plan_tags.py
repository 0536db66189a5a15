"""Small helpers for the plan's templates: the scale's labels, overdue agreements and their owners."""

from datetime import date

from django import template

from rits.plans.scale import scale_step
from rits.plans.selectors import is_overdue, owner_name_for

register = template.Library()


@register.filter
def scale_label(score: int | None) -> str:
    """The label of a step of the self-sufficiency scale, e.g. 2 -> 'Not self-reliant'."""
    step = scale_step(score)
    return str(step.label) if step else ""


@register.filter
def overdue(agreement, today: date) -> bool:
    return is_overdue(agreement, today)


@register.filter
def owner_for(agreement, page) -> str:
    """The agreement's owner as the reader of ``page`` may see it."""
    return owner_name_for(agreement, page.owners_in_view)
