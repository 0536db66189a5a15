"""The form of the upload page."""

from django import forms
from django.utils.translation import gettext_lazy

from rits.core.params import validate_text
from rits.signals.models import BatchStatus


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File with signals"),
        help_text=gettext_lazy(
            "A CSV file (comma or semicolon, UTF-8) or a JSON array, in the format of the "
            "signal format description. Rows that are wrong are reported; the good rows are "
            "taken in."
        ),
    )


class DeliveryFilterForm(forms.Form):
    """Which deliveries the upload page lists (sent by GET; both optional)."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Every status")), *BatchStatus.choices],
    )
    file_name = forms.CharField(
        label=gettext_lazy("File name"), required=False, max_length=100, validators=[validate_text]
    )

    def filters(self) -> dict:
        """The valid filters (an invalid one is left out, its error shown)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
