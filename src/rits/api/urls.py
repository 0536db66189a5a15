from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from rits.families import api as families_api
from rits.families import api_import
from rits.plans import api as plans_api
from rits.signals import api_alerts
from rits.signals.intake import api as signals_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("families", families_api.FamilyListView.as_view(), name="family-list"),
    path("families/search", families_api.FamilySearchView.as_view(), name="family-search"),
    path("families/<int:family_id>", families_api.FamilyDetailView.as_view(), name="family-detail"),
    path("family-imports", api_import.FamilyImportView.as_view(), name="family-imports"),
    path("families/<int:family_id>/plan", plans_api.PlanView.as_view(), name="plan"),
    path(
        "families/<int:family_id>/plan/assessments",
        plans_api.AssessmentsView.as_view(),
        name="plan-assessments",
    ),
    path(
        "families/<int:family_id>/plan/agreements",
        plans_api.AgreementsView.as_view(),
        name="plan-agreements",
    ),
    path(
        "families/<int:family_id>/plan/agreements/<int:agreement_id>",
        plans_api.AgreementDetailView.as_view(),
        name="plan-agreement",
    ),
    path(
        "families/<int:family_id>/plan/versions",
        plans_api.VersionsView.as_view(),
        name="plan-versions",
    ),
    path(
        "families/<int:family_id>/plan/versions/<int:number>",
        plans_api.VersionDetailView.as_view(),
        name="plan-version",
    ),
    path(
        "families/<int:family_id>/plan/versions/<int:number>/agreement",
        plans_api.FamilyAgreementView.as_view(),
        name="plan-version-agreement",
    ),
    path(
        "families/<int:family_id>/plan/comparison",
        plans_api.ComparisonView.as_view(),
        name="plan-comparison",
    ),
    path("signals", signals_api.SignalView.as_view(), name="signal-list"),
    path("signal-batches", signals_api.SignalBatchListView.as_view(), name="signal-batch-list"),
    path(
        "signal-batches/<int:batch_id>",
        signals_api.SignalBatchDetailView.as_view(),
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
