"""The alerts panel of the family page (registered in ``SignalsConfig.ready``)."""

from rits.signals import selectors


def alerts(*, grant, request, overview):
    """The family's open alerts the reader may see; no panel when there are none."""
    lines = selectors.open_alerts_of_family(grant=grant)
    return {"alerts": lines} if lines else None
