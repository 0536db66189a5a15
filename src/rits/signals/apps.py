from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _of_a_signal_source(professional) -> bool:
    return professional is not None and professional.organisation.is_signal_source


class SignalsConfig(AppConfig):
    name = "rits.signals"
    verbose_name = _("Signals")

    def ready(self) -> None:
        from rits.components.registry import (
            CASEWORK,
            SIGNAL_SOURCE,
            register_nav,
            register_start_page,
        )
        from rits.signals import alerts, notices
        from rits.signals.intake import schema  # noqa: F401  (registers the OpenAPI extension)
        from rits.worklist import handoff

        alerts.register_kinds()
        # Who hears of a raised or escalated alert (rits.notifications), after commit.
        handoff.raised.connect(notices.notify_raised, dispatch_uid="signals.notices.raised")
        handoff.escalated.connect(
            notices.notify_escalated, dispatch_uid="signals.notices.escalated"
        )

        register_nav(
            "review",
            order=30,
            label=_("Links to review"),
            url_name="signals:review",
            roles=CASEWORK,
            current_on=("signals:review", "signals:review-detail"),
        )
        # A signal source's delivery staff only deliver (and see their deliveries); its
        # caseworkers may deliver too.
        register_nav(
            "deliver_signals",
            order=50,
            label=_("Deliver signals"),
            url_name="signals:upload",
            roles=(*CASEWORK, SIGNAL_SOURCE),
            visible=_of_a_signal_source,
            current_on=("signals:upload", "signals:batch"),
        )
        register_start_page(SIGNAL_SOURCE, "signals:upload")
