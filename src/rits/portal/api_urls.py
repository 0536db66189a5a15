"""The portal's API endpoints, composed under ``api/v1/`` in the "api" namespace by the
project's urlconf (``rits.conf.urls``)."""

from django.urls import path

from rits.portal import api

urlpatterns = [
    path("portal/families", api.PortalFamiliesView.as_view(), name="portal-families"),
    path("portal/families/<int:family_id>/plan", api.PortalPlanView.as_view(), name="portal-plan"),
    path(
        "portal/families/<int:family_id>/involved",
        api.PortalInvolvedView.as_view(),
        name="portal-involved",
    ),
    path(
        "portal/families/<int:family_id>/coming-up",
        api.PortalComingUpView.as_view(),
        name="portal-coming-up",
    ),
    path(
        "portal/families/<int:family_id>/access-log",
        api.PortalAccessLogView.as_view(),
        name="portal-access-log",
    ),
]
