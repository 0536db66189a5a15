"""The portal's forms: plain words, and the limits the services enforce said up front.

The forms only parse (a NUL character is refused by Django's ``CharField``); the
services validate and say what is wrong, field by field."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rits.families.models import NetworkRelation
from rits.plans.services import FAMILY_TEXT_MAX


class _Text(forms.CharField):
    widget = forms.Textarea


class RevisionForm(forms.Form):
    revision = forms.CharField(widget=forms.HiddenInput, required=False)


class AgreeForm(RevisionForm):
    version = forms.CharField(widget=forms.HiddenInput, required=False)


class DoneForm(RevisionForm):
    note = forms.CharField(
        label=_("A note (if you like)"),
        required=False,
        widget=forms.TextInput,
        help_text=_("At most 500 characters."),
    )


class CommentForm(forms.Form):
    text = _Text(label=_("Your comment"))


def _own_words_help() -> str:
    return gettext(
        "In your own words, at most %(n)d characters. Everyone in your family and the "
        "professionals who help you will read it."
    ) % {"n": FAMILY_TEXT_MAX}


class GoalForm(RevisionForm):
    text = _Text(
        label=_("What do you want to reach?"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "goal_%s")
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _own_words_help()


class StrengthForm(RevisionForm):
    text = _Text(
        label=_("What is working well?"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "strength_%s")
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = _own_words_help()


class NetworkMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), widget=forms.TextInput(attrs={"dir": "auto"}))
    relation = forms.ChoiceField(label=_("Who is this for you?"), choices=NetworkRelation.choices)
    relation_detail = forms.CharField(
        label=_("In your words"),
        required=False,
        help_text=_("e.g. 'aunt of the mother'"),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    phone = forms.CharField(label=_("Phone"), required=False)
    email = forms.CharField(label=_("E-mail"), required=False)
    availability = forms.CharField(
        label=_("How and when to reach them"),
        required=False,
        help_text=_("e.g. 'evenings after 18:00, WhatsApp preferred'"),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
