"""The open-items panel of the family page (registered in ``WorklistConfig.ready``): the
family's open work items of every kind that the reader may see."""

from rits.worklist import selectors


def open_items(*, grant, request, overview):
    """The family's open items the reader may see; no panel when there are none."""
    lines = selectors.open_items_of_family(grant=grant)
    return {"alerts": lines} if lines else None
