from django.urls import include, path

urlpatterns = [
    path("", include("rits.core.urls")),
    path("", include("rits.families.urls")),
    path("", include("rits.access.urls")),
    path("", include("rits.plans.urls")),
    path("", include("rits.signals.urls")),
    path("", include("rits.worklist.urls")),
    path("", include("rits.notifications.urls")),
    path("api/v1/", include("rits.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Errors under /api/ are problem details, like those the API's views answer.
handler404 = "rits.api.errors.not_found"
handler500 = "rits.api.errors.server_error"
