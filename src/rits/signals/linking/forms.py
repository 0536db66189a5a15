"""Forms of the signal pages that are not the alert inbox's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rits.core.params import validate_text
from rits.signals.linking.review import REOPEN_REASON_LENGTH, Decision, ReviewState
from rits.signals.models import SignalType


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


class ReviewReopenForm(forms.Form):
    """Why a decision on a possible link is taken back (required)."""

    reason = forms.CharField(
        label=_("Why does this decision need to be taken again?"),
        max_length=REOPEN_REASON_LENGTH,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why this decision needs to be taken again.")},
        help_text=_("e.g. 'The landlord says the signal was about someone else.'"),
    )


class ReviewFilterForm(forms.Form):
    """Which reviews the queue shows (sent by GET; all optional)."""

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("To be decided")), (ReviewState.DECIDED, _("Decided"))],
    )
    signal_type = forms.ChoiceField(
        label=_("Kind of signal"),
        required=False,
        choices=[("", _("Every kind")), *SignalType.choices],
    )
    family = forms.CharField(
        label=_("Family"),
        required=False,
        max_length=100,
        validators=[validate_text],
        help_text=_("Part of the family's name."),
    )

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out, its error shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
