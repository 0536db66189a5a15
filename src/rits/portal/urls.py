from django.urls import path

from rits.portal import auth_urls, auth_views

app_name = "portal"

urlpatterns = [
    path("", auth_views.home, name="home"),
    # Logging in and out, and the network's invitations.
    *auth_urls.urlpatterns,
]
