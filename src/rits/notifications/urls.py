from django.urls import path

from rits.notifications import views

app_name = "notifications"

urlpatterns = [
    path("meldingen/", views.notification_list, name="list"),
    path("meldingen/<int:notification_id>/gelezen/", views.mark_read, name="read"),
    path("meldingen/alles-gelezen/", views.mark_all_read, name="read-all"),
    path("meldingen/e-mail/", views.email_choice, name="email"),
]
