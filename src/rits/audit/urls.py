from django.urls import path

from rits.audit import views

app_name = "audit"

urlpatterns = [
    path("families/<int:family_id>/access-log/", views.access_log, name="access-log"),
]
