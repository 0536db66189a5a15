"""Forms of the signal pages that are not the alert inbox's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rits.signals.linking.review import Decision


class ReviewDecisionForm(forms.Form):
    """The answer to "is this the same person?": one of three submit buttons."""

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            (Decision.CONFIRM, _("Yes, the same person")),
            (Decision.REJECT, _("No, not this person")),
            (Decision.NEW_PERSON, _("A person not known yet")),
        ],
    )
