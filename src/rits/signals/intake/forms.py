"""The form of the upload page."""

from django import forms
from django.utils.translation import gettext_lazy


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File with signals"),
        help_text=gettext_lazy(
            "A CSV file (comma or semicolon, UTF-8) or a JSON array, in the format of the "
            "signal format description. Rows that are wrong are reported; the good rows are "
            "taken in."
        ),
    )
