"""The page an invitation's one-time link opens: choose a password (Django's password
reset confirmation, which checks the link and makes it useless once used). The second
factor is linked at the first login that follows (``core:login-setup``)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from rits.administration import services


class WelcomeView(auth_views.PasswordResetConfirmView):
    template_name = "administration/welcome.html"
    success_url = reverse_lazy("core:login")
    post_reset_login = False  # the login that follows asks for the second factor

    def form_valid(self, form):
        response = super().form_valid(form)
        services.accepted_invitation(form.user)
        messages.success(
            self.request,
            _("Your password is set. Log in, and then link the authenticator app on your phone."),
        )
        return response
