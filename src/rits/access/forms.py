from django import forms
from django.utils.translation import gettext_lazy as _

from rits.core.forms import BsnInput, DateInput
from rits.core.params import validate_text


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


class AccessLogFilterForm(forms.Form):
    """Which lines of a family's access log to show (sent by GET; every field optional).
    ``kinds``: the kinds of event this reader may filter on."""

    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=100,
        validators=[validate_text],
        help_text=_("Part of the name of who did it."),
    )
    organisation = forms.CharField(
        label=_("Organisation"), required=False, max_length=100, validators=[validate_text]
    )
    date_from = forms.DateField(label=_("First day"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Last day"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("What"), required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything")), *kinds]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The filters that are valid (an invalid field is left out, its error shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if "date_to" in self.errors:
            data.pop("date_to", None)
        return {k: v for k, v in data.items() if v not in ("", None)}


class FindFamilyLogForm(forms.Form):
    """The privacy workspace's search: a family by its reference, to open its access log."""

    reference = forms.CharField(
        label=_("The family's reference"),
        max_length=64,
        validators=[validate_text],
        help_text=_("You see who looked at the file, not the file itself."),
    )
