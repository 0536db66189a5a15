"""The coordinator's side of the portal: inviting the family's network (a professional's
page, outside /mijn/)."""

from django.urls import path

from rits.portal import auth_views as views

app_name = "portal_coordinator"

urlpatterns = [
    path(
        "families/<int:family_id>/network/<int:network_member_id>/invite/",
        views.invite_network_member,
        name="invite",
    ),
]
