"""The families app's API endpoints, composed under ``api/v1/`` in the "api" namespace
by the project's urlconf (``rits.conf.urls``)."""

from django.urls import path

from rits.families import api, api_import

urlpatterns = [
    path("families", api.FamilyListView.as_view(), name="family-list"),
    path("families/search", api.FamilySearchView.as_view(), name="family-search"),
    path("families/<int:family_id>", api.FamilyDetailView.as_view(), name="family-detail"),
    path("family-imports", api_import.FamilyImportView.as_view(), name="family-imports"),
]
