from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from rits.families import api as families_api
from rits.families import api_import

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("families", families_api.FamilyListView.as_view(), name="family-list"),
    path("families/search", families_api.FamilySearchView.as_view(), name="family-search"),
    path("families/<int:family_id>", families_api.FamilyDetailView.as_view(), name="family-detail"),
    path("family-imports", api_import.FamilyImportView.as_view(), name="family-imports"),
]
