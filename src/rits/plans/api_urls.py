"""The plans app's API endpoints, composed under ``api/v1/`` in the "api" namespace by
the project's urlconf (``rits.conf.urls``)."""

from django.urls import path

from rits.plans import api

urlpatterns = [
    path("families/<int:family_id>/plan", api.PlanView.as_view(), name="plan"),
    path(
        "families/<int:family_id>/plan/assessments",
        api.AssessmentsView.as_view(),
        name="plan-assessments",
    ),
    path(
        "families/<int:family_id>/plan/agreements",
        api.AgreementsView.as_view(),
        name="plan-agreements",
    ),
    path(
        "families/<int:family_id>/plan/agreements/<int:agreement_id>",
        api.AgreementDetailView.as_view(),
        name="plan-agreement",
    ),
    path(
        "families/<int:family_id>/plan/versions",
        api.VersionsView.as_view(),
        name="plan-versions",
    ),
    path(
        "families/<int:family_id>/plan/versions/<int:number>",
        api.VersionDetailView.as_view(),
        name="plan-version",
    ),
    path(
        "families/<int:family_id>/plan/versions/<int:number>/agreement",
        api.FamilyAgreementView.as_view(),
        name="plan-version-agreement",
    ),
    path(
        "families/<int:family_id>/plan/comparison",
        api.ComparisonView.as_view(),
        name="plan-comparison",
    ),
]
