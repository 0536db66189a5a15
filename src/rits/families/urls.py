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
    path("families/<int:family_id>/file/", views.file_status, name="file-status"),
]
