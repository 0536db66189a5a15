from django.urls import path

from rits.administration import views

app_name = "administration"

# Under /login/: reachable without a login (and without a second factor, for anyone
# still logged in on the same browser).
urlpatterns = [
    path("login/welcome/<uidb64>/<token>/", views.WelcomeView.as_view(), name="welcome"),
]
