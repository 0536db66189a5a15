from django.urls import path

from rits.portal import auth_urls, views

app_name = "portal"

# Dutch paths: the family reads them in the address bar.
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:family_id>/", views.plan, name="plan"),
    path("<int:family_id>/betrokken/", views.involved, name="involved"),
    path("<int:family_id>/binnenkort/", views.coming_up, name="coming-up"),
    path("<int:family_id>/wie-keek/", views.who_looked, name="who-looked"),
    # Logging in and out, and the network's invitations.
    *auth_urls.urlpatterns,
]
