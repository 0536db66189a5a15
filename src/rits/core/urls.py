from django.urls import path

from rits.core import views

app_name = "core"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="login-verify"),
    path("login/setup/", views.setup, name="login-setup"),
    path("logout/", views.logout, name="logout"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots),
]
