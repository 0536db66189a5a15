"""The forms of the worklist's pages: acting on a work item (an agreement in the family's
plan, with a note kept with the item) and dismissing one."""

from django import forms
from django.utils.translation import gettext_lazy

from rits.plans.forms import AgreementForm


class ActForm(AgreementForm):
    """The plan's public agreement form, with a note on what the item led to."""

    note = forms.CharField(
        label=gettext_lazy("Note on the alert"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept with the alert, e.g. what was agreed with the family."),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does this alert need no action?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "aria-required": "true"}),
        help_text=gettext_lazy("e.g. 'The arrears have been paid; the landlord confirmed it.'"),
    )
    back = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service checks it, with its own message; not "optional" either.
        self.fields["reason"].conditionally_required = True


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why does this alert need attention again?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "aria-required": "true"}),
        help_text=gettext_lazy("e.g. 'The landlord reports new arrears after all.'"),
    )
    back = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].conditionally_required = True


class InboxFilterForm(forms.Form):
    """Which alerts an inbox page shows and in what order (sent by GET)."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Order"), required=False)

    def __init__(self, *args, statuses, kinds, sorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = statuses
        self.fields["kind"].choices = [("", gettext_lazy("Every kind")), *kinds]
        self.fields["sort"].choices = sorts

    def value(self, name: str, default: str = "") -> str:
        """The field's value when it is valid, else ``default`` (its error is shown)."""
        if not self.is_bound:
            return default
        self.is_valid()
        return getattr(self, "cleaned_data", {}).get(name) or default
