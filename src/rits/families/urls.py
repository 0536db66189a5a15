from django.urls import path

from rits.families import views

app_name = "families"

urlpatterns = [
    path("", views.my_families, name="my-families"),
    path("families/<int:family_id>/", views.family_overview, name="overview"),
    path("families/<int:family_id>/export/", views.family_export, name="export"),
    path("families/<int:family_id>/members/new/", views.add_member, name="add-member"),
    path(
        "families/<int:family_id>/network/new/", views.add_network_member, name="add-network-member"
    ),
    path("families/<int:family_id>/timeline/new/", views.record_contact, name="record-contact"),
    path("involvements/pending/", views.pending_involvements, name="pending-involvements"),
    path(
        "involvements/<int:involvement_id>/approval/",
        views.decide_involvement,
        name="decide-involvement",
    ),
    path(
        "families/<int:family_id>/possible-duplicates/<int:duplicate_id>/",
        views.decide_possible_duplicate,
        name="decide-possible-duplicate",
    ),
    # Managing the file (issue 11).
    path("families/new/", views.create_family, name="create-family"),
    path(
        "families/<int:family_id>/involvements/new/",
        views.add_involvement,
        name="add-involvement",
    ),
    path(
        "families/<int:family_id>/involvements/<int:involvement_id>/change/",
        views.change_involvement,
        name="change-involvement",
    ),
    path(
        "families/<int:family_id>/involvements/<int:involvement_id>/end/",
        views.end_involvement,
        name="end-involvement",
    ),
    path(
        "families/<int:family_id>/coordination/hand-over/",
        views.hand_over_coordination,
        name="hand-over",
    ),
    path(
        "families/<int:family_id>/details/change/",
        views.change_family_details,
        name="change-family-details",
    ),
    path("families/<int:family_id>/history/", views.family_history, name="family-history"),
    path(
        "families/<int:family_id>/coordination/cancel-hand-over/",
        views.cancel_hand_over,
        name="cancel-hand-over",
    ),
    path("families/<int:family_id>/file/", views.file_status, name="file-status"),
]

# Changing, removing and undoing (history kept by django-simple-history).
urlpatterns += [
    path(
        "families/<int:family_id>/members/<int:membership_id>/change/",
        views.change_member,
        name="change-member",
    ),
    path(
        "families/<int:family_id>/members/<int:membership_id>/remove/",
        views.remove_member,
        name="remove-member",
    ),
    path(
        "families/<int:family_id>/members/<int:membership_id>/undo-removal/",
        views.undo_member_removal,
        name="undo-member-removal",
    ),
    path(
        "families/<int:family_id>/members/<int:membership_id>/history/",
        views.member_history,
        name="member-history",
    ),
    path(
        "families/<int:family_id>/network/<int:network_member_id>/change/",
        views.change_network_member,
        name="change-network-member",
    ),
    path(
        "families/<int:family_id>/network/<int:network_member_id>/remove/",
        views.remove_network_member,
        name="remove-network-member",
    ),
    path(
        "families/<int:family_id>/network/<int:network_member_id>/undo-removal/",
        views.undo_network_removal,
        name="undo-network-removal",
    ),
    path(
        "families/<int:family_id>/network/<int:network_member_id>/history/",
        views.network_member_history,
        name="network-member-history",
    ),
    path("families/<int:family_id>/removed/", views.recently_removed, name="removed"),
]
