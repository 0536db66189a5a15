from django.contrib import admin
from django.urls import include, path

from rits.api import urls as api
from rits.families import api_urls as families_api
from rits.plans import api_urls as plans_api
from rits.portal import api_urls as portal_api
from rits.portal import auth_urls as portal_auth
from rits.signals import api_urls as signals_api

# One namespace "api" for every domain's endpoints ("api:family-list", "api:plan", ...):
# rits.api routes to no domain, the domains list their own (rits/<app>/api_urls.py).
api_patterns = (
    api.urlpatterns
    + families_api.urlpatterns
    + plans_api.urlpatterns
    + signals_api.urlpatterns
    + portal_api.urlpatterns
)

urlpatterns = [
    path("", include("rits.core.urls")),
    path("", include("rits.families.urls")),
    path("", include("rits.access.urls")),
    path("", include("rits.plans.urls")),
    path("", include("rits.signals.urls")),
    path("", include("rits.worklist.urls")),
    path("", include("rits.notifications.urls")),
    path("", include("rits.administration.urls")),
    path("", include("rits.portal.coordinator_urls")),
    path("mijn/", include("rits.portal.urls")),
    # DigiD's pages for the portal (namespaces "digid", "digid-mock").
    path("mijn/", include(portal_auth.digid_urlpatterns)),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Errors under /api/ are problem details, like those the API's views answer.
handler404 = "rits.api.errors.not_found"
handler500 = "rits.api.errors.server_error"
