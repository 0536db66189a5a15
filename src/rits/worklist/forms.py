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
