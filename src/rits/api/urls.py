"""The API's own endpoint: its OpenAPI document. The API is a platform layer below the
domains (its authentication, parsers, errors and schema hooks serve them all), so it
routes to none of them: each domain app lists its endpoints in its ``api_urls`` and the
project's urlconf (``rits.conf.urls``) composes them under ``api/v1/`` in the one
namespace "api"."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
