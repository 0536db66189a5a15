from django import forms
from django.utils.translation import gettext_lazy as _

from rits.core.forms import BsnInput


class EmergencyAccessForm(forms.Form):
    bsn = forms.CharField(
        label=_("BSN of a family member"),
        max_length=11,
        required=False,
        widget=BsnInput(),
    )
    reference = forms.CharField(label=_("or the family's reference"), max_length=64, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why you need to see this family now, without being involved. A privacy officer reviews every emergency access."
        ),
    )

    def clean(self):
        data = super().clean()
        if not data.get("bsn") and not data.get("reference"):
            raise forms.ValidationError(_("Give a BSN or the family's reference."))
        return data


class ReviewForm(forms.Form):
    justified = forms.ChoiceField(
        label=_("Was this access justified?"),
        choices=[("yes", _("Yes, justified")), ("no", _("No, not justified"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
