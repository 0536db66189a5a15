from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.core.domains import LifeDomain
from rits.core.forms import BsnInput, DateInput, NoBsnEchoTextarea, NoBsnEchoTextInput
from rits.core.languages import language_choices
from rits.core.params import validate_text
from rits.families.models import (
    ContactKind,
    Gender,
    LegalBasis,
    LivingSituation,
    MemberRole,
    NetworkMember,
)
from rits.families.services import MAX_CONTACT_TEXT
from rits.organisations.models import Municipality, Organisation, Professional


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
    living_situation = forms.ChoiceField(
        label=_("Living situation"),
        choices=LivingSituation.choices,
        initial=LivingSituation.AT_HOME,
        # Left out (a client of the form from before it had this field): at home for a
        # new member, as it was for a change.
        required=False,
        help_text=_("Where the member lives now, e.g. a child placed in a foster family."),
    )
    given_names = forms.CharField(label=_("Given names"), max_length=200, required=False)
    prefix = forms.CharField(
        label=_("Prefix"), max_length=20, required=False, help_text=_("e.g. 'van', 'de', 'van der'")
    )
    surname = forms.CharField(label=_("Surname"), max_length=200)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(),
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
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
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
                "living_situation": membership.living_situation,
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


# --- Managing the file (issue 11) ------------------------------------------------------
# Reference data only (organisations, professionals, municipalities): the family's own
# data reaches these forms through the views, from a selector or service.


def _domains_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Life domains"),
        choices=LifeDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        **kwargs,
    )


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


class FamilyForm(forms.Form):
    """A new family and the creator's own involvement with it."""

    name = forms.CharField(
        label=_("Name of the family"),
        max_length=200,
        help_text=_("How the family is called, e.g. 'Gezin Bakker'."),
    )
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    house_number = forms.IntegerField(label=_("House number"), required=False, min_value=1)
    house_number_suffix = forms.CharField(
        label=_("House number suffix"), max_length=10, required=False
    )
    postcode = forms.CharField(
        label=_("Postcode"), max_length=7, required=False, help_text=_("e.g. 3511 AB")
    )
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.order_by("name"), required=False
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=64,
        required=False,
        help_text=_("The region's own reference, if there is one. Empty: Rits makes one."),
    )
    is_coordinator = forms.BooleanField(
        label=_("I am the coordinator of this family"),
        required=False,
        initial=True,
        help_text=_("Untick when someone else will coordinate; then choose your life domains."),
    )
    role = forms.CharField(
        label=_("Your role with the family"),
        max_length=200,
        initial=_("Coordinator"),
        help_text=_("e.g. 'coordinator' or 'ambulant parenting support'"),
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    domains = _domains_field(
        help_text=_("Only when you are not the coordinator: the coordinator sees every domain.")
    )


class FamilyDetailsForm(forms.Form):
    """The family's own details, changed after its file started (not its reference)."""

    name = FamilyForm.base_fields["name"]
    street = FamilyForm.base_fields["street"]
    house_number = FamilyForm.base_fields["house_number"]
    house_number_suffix = FamilyForm.base_fields["house_number_suffix"]
    postcode = FamilyForm.base_fields["postcode"]
    city = FamilyForm.base_fields["city"]
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.order_by("name"), required=False
    )


class InvolvementForm(forms.Form):
    """Who else is involved: an organisation, and the professional where known."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    professional = forms.ModelChoiceField(
        label=_("Professional"),
        queryset=Professional.objects.select_related("user", "organisation").order_by(
            "organisation__name", "user__last_name", "id"
        ),
        required=False,
        help_text=_("Optional: the person who does the work, of this organisation."),
    )
    role = forms.CharField(
        label=_("Role"), max_length=200, help_text=_("e.g. 'ambulant parenting support'")
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    domains = _domains_field(help_text=_("The life domains this involvement needs to see."))
    start_date = _date_field(_("Start date"))
    end_date = _date_field(_("End date"), required=False, help_text=_("Optional: the last day."))
    is_coordinator = forms.BooleanField(
        label=_("Coordinator of this family"),
        required=False,
        help_text=_("Only for a family without a coordinator."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].label_from_instance = lambda p: (
            f"{p.name} ({p.organisation.name})"
        )


class InvolvementChangeForm(forms.Form):
    role = forms.CharField(label=_("Role"), max_length=200)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    domains = _domains_field(help_text=_("The life domains this involvement needs to see."))
    start_date = _date_field(_("Start date"))
    end_date = _date_field(_("End date"), required=False, help_text=_("Optional: the last day."))


class EndInvolvementForm(forms.Form):
    end_date = _date_field(
        _("Last day of the involvement"), help_text=_("From the next day it gives no access.")
    )


class HandOverForm(forms.Form):
    successor = forms.ChoiceField(label=_("Who takes over the coordination"))
    last_day = _date_field(
        _("Your last day as coordinator"),
        help_text=_(
            "Until then you are both coordinator, so that you can hand over together; "
            "you stay the family's contact. From the next day the successor is."
        ),
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].choices = [("", "—")] + [
            (str(i.pk), f"{i.professional.name} — {i.organisation.name}, {i.role}")
            for i in candidates
        ]


class FileStatusForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Everyone involved with the family reads this. Keep it short, without details "
            "about a life domain."
        ),
    )
