from django import forms
from django.utils.translation import gettext_lazy as _

from rits.notifications.models import EmailChoice


class EmailChoiceForm(forms.Form):
    email = forms.ChoiceField(
        label=_("E-mail about new notifications"),
        choices=EmailChoice.choices,
        widget=forms.RadioSelect,
        help_text=_("The e-mail never says which family it is about; in Rits you always see them."),
    )
