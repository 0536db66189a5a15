from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.core.domains import LifeDomain
from rits.core.forms import BsnInput, NoBsnEchoTextarea, NoBsnEchoTextInput
from rits.core.languages import language_choices
from rits.core.params import validate_text
from rits.families.models import ContactKind, Gender, MemberRole, NetworkMember
from rits.families.services import MAX_CONTACT_TEXT


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
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "rits-choice-list"}),
        help_text=_("Tick every language the person speaks."),
    )
    interpreter_needed = forms.BooleanField(label=_("Interpreter needed"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A person changed later may speak a language the list does not hold (an import
        # takes any ISO code): it stays on the list for them, so a change does not drop it.
        self.fields["languages"].choices = language_choices(self.initial.get("languages") or ())


class NetworkMemberForm(forms.ModelForm):
    class Meta:
        model = NetworkMember
        fields = ["name", "relation", "relation_detail", "phone", "email", "availability"]


class ContactForm(forms.Form):
    """Writing on the timeline: what happened, when, and in which life domain."""

    kind = forms.ChoiceField(
        label=_("What kind of contact"), choices=ContactKind.choices, widget=forms.RadioSelect
    )
    on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    domain = forms.ChoiceField(
        label=_("Life domain"),
        help_text=_("Only colleagues who work in this life domain read it."),
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=MAX_CONTACT_TEXT,
        validators=[validate_text],
        widget=NoBsnEchoTextarea(attrs={"rows": 6}),
        help_text=_("Write it so the family could read it. Leave out a BSN."),
    )

    def __init__(self, *args, domains, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The domains the writer works in, in the one order of the life domains.
        self.fields["domain"].choices = [
            (value, label) for value, label in LifeDomain.choices if value in domains
        ]


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
                "languages": list(p.languages or []),
                "interpreter_needed": p.interpreter_needed,
            }
        super().__init__(*args, **kwargs)
        self.fields["bsn"].help_text = _(
            "Leave empty to keep the BSN as it is. A new BSN is stored encrypted."
        )
