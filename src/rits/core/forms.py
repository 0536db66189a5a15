from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rits.core.params import contains_bsn, mask_bsn


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Work email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    # Django's own messages speak of "username" and hint at letter case; these say what to do,
    # and neither tells whether the address or the password was wrong, nor that an account exists.
    error_messages = {
        "invalid_login": _(
            "The e-mail address or the password is not right. Check both and try again."
        ),
        "inactive": _("The e-mail address or the password is not right. Check both and try again."),
    }


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the six digits from your authenticator app.")},
        help_text=_("Open your authenticator app and type the code shown for Rits."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class BsnInput(forms.TextInput):
    """The input of a BSN field. It never renders the value back into the page (a form
    shown again after an error would otherwise carry the BSN in its HTML, the browser's
    history and form cache): the field comes back empty, saying why."""

    template_name = "core/widgets/bsn_input.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "inputmode": "numeric", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)
        context["widget"]["retype"] = bool(value)
        return context


class NoBsnEchoTextInput(forms.TextInput):
    """A text input (a search box) that renders its value back, unless a BSN is in it."""

    def format_value(self, value):
        value = super().format_value(value)
        if value and contains_bsn(value):
            return None
        return value


class NoBsnEchoTextarea(forms.Textarea):
    """A text area that renders its value back with any BSN in it masked: a note refused
    for holding a BSN comes back with the rest of what was written."""

    def format_value(self, value):
        value = super().format_value(value)
        return mask_bsn(value) if value else value


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form that was sent: each message at
    the field it names, the others (and a message about no field) on top. A form whose
    fields are named differently from the service's arguments maps them with a
    ``service_field(name)`` method (``plans.forms.PlanForm``)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    field_for = getattr(form, "service_field", None) or (
        lambda name: name if name in form.fields else None
    )
    for name, errors in exc.message_dict.items():
        form.add_error(field_for(name), errors)


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always written as YYYY-MM-DD: an
    ``<input type="date">`` ignores a value in the reader's own format (14-02-1988), so a
    form that shows a stored date to be changed would otherwise show it empty."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 (Django's name)
        super().__init__(attrs=attrs, format=format)
