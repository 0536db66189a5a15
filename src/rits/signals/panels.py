"""The alerts panel of the family page (registered in ``SignalsConfig.ready``): the
family's open work items of every kind, as the worklist reads them."""

from rits.worklist import selectors


def alerts(*, grant, request, overview):
    """The family's open items the reader may see; no panel when there are none."""
    lines = selectors.open_items_of_family(grant=grant)
    return {"alerts": lines} if lines else None
