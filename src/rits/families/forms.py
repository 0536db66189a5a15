from django import forms
from django.utils.translation import gettext_lazy as _

from rits.core.forms import BsnInput, NoBsnEchoTextInput
from rits.core.params import validate_text
from rits.families.models import Gender, MemberRole, NetworkMember

LANGUAGE_HELP = _("Codes separated by commas, e.g. 'nl, ar'. Use 'ti' for Tigrinya.")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name, date of birth, postcode or BSN"),
        required=False,
        max_length=100,
        validators=[validate_text],
        widget=NoBsnEchoTextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("For example 'Bakker', '14-03-2019' or '3511AB'."),
    )


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in the family"), choices=MemberRole.choices)
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    prefix = forms.CharField(
        label=_("Prefix"), max_length=20, required=False, help_text=_("e.g. 'van', 'de', 'van der'")
    )
    surname = forms.CharField(label=_("Surname"), max_length=200)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required. For an unborn child: the expected date of birth."),
    )
    # Required for everyone but an unborn child whose expected date is not known yet.
    birth_date.conditionally_required = True
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        required=False,
        widget=BsnInput(),
        help_text=_("Optional. Stored encrypted; never shown again in full."),
    )
    languages = forms.CharField(
        label=_("Languages spoken"), max_length=100, required=False, help_text=LANGUAGE_HELP
    )
    interpreter_needed = forms.BooleanField(label=_("Interpreter needed"), required=False)

    def clean_languages(self) -> list[str]:
        codes = [
            c.strip().lower()
            for c in self.cleaned_data["languages"].replace(";", ",").split(",")
            if c.strip()
        ]
        bad = [c for c in codes if not (2 <= len(c) <= 3 and c.isascii() and c.isalpha())]
        if bad:
            raise forms.ValidationError(
                _("Use two- or three-letter language codes, e.g. 'nl, ar'.")
            )
        return codes


class NetworkMemberForm(forms.ModelForm):
    class Meta:
        model = NetworkMember
        fields = ["name", "relation", "relation_detail", "phone", "email", "availability"]


class MemberChangeForm(MemberForm):
    """The member form for a correction, prefilled with the member as they are. The BSN
    is never shown again: left empty it stays as it was."""

    def __init__(self, *args, membership=None, **kwargs):
        if membership is not None and "initial" not in kwargs:  # a bound form ignores it
            p = membership.person
            kwargs["initial"] = {
                "role": membership.role,
                "given_names": p.given_names,
                "prefix": p.prefix,
                "surname": p.surname,
                "birth_date": p.birth_date,
                "gender": p.gender,
                "languages": ", ".join(p.languages or []),
                "interpreter_needed": p.interpreter_needed,
            }
        super().__init__(*args, **kwargs)
        self.fields["bsn"].help_text = _(
            "Leave empty to keep the BSN as it is. A new BSN is stored encrypted."
        )
