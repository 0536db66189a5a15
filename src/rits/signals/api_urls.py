"""The signals app's API endpoints (intake, alerts, concern matches), composed under
``api/v1/`` in the "api" namespace by the project's urlconf (``rits.conf.urls``)."""

from django.urls import path

from rits.signals import api_alerts
from rits.signals.intake import api as intake_api

urlpatterns = [
    path("signals", intake_api.SignalView.as_view(), name="signal-list"),
    path("signal-batches", intake_api.SignalBatchListView.as_view(), name="signal-batch-list"),
    path(
        "signal-batches/<int:batch_id>",
        intake_api.SignalBatchDetailView.as_view(),
        name="signal-batch-detail",
    ),
    path("alerts", api_alerts.AlertListView.as_view(), name="alert-list"),
    path(
        "alerts/<int:alert_id>/acknowledge",
        api_alerts.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "alerts/<int:alert_id>/dismiss",
        api_alerts.AlertDismissView.as_view(),
        name="alert-dismiss",
    ),
    path("concern-matches", api_alerts.ConcernMatchListView.as_view(), name="concern-match-list"),
    path(
        "concern-matches/<int:match_id>/in-touch",
        api_alerts.ConcernMatchInTouchView.as_view(),
        name="concern-match-in-touch",
    ),
]
