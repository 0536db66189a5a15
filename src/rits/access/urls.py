from django.urls import path

from rits.access import views

app_name = "access"

urlpatterns = [
    path("emergency-access/", views.emergency_access, name="emergency-access"),
    path("families/<int:family_id>/access-log/", views.access_log, name="access-log"),
    path(
        "families/<int:family_id>/access-log/export/",
        views.access_log_export,
        name="access-log-export",
    ),
    path("privacy/", views.privacy_workspace, name="privacy"),
    path("privacy/emergency-access/", views.emergency_review_list, name="review-list"),
    path("privacy/emergency-access/<int:pk>/review/", views.emergency_review, name="review"),
]
