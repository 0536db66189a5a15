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
    # what the family does itself (issue 13)
    path("<int:family_id>/akkoord/", views.agree, name="agree"),
    path("<int:family_id>/doelen/", views.add_goal, name="add-goal"),
    path("<int:family_id>/gaat-goed/", views.add_strength, name="add-strength"),
    path(
        "<int:family_id>/afspraken/<int:agreement_id>/gedaan/",
        views.agreement_done,
        name="agreement-done",
    ),
    path(
        "<int:family_id>/afspraken/<int:agreement_id>/reactie/",
        views.agreement_comment,
        name="agreement-comment",
    ),
    path("<int:family_id>/netwerk/", views.network, name="network"),
    path(
        "<int:family_id>/netwerk/<int:network_member_id>/",
        views.network_member,
        name="network-member",
    ),
]
