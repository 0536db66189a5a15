from django import forms
from django.core.exceptions import ValidationError

from rits.core.forms import apply_errors


class _Form(forms.Form):
    name = forms.CharField(required=False)


class _MappedForm(_Form):
    def service_field(self, name):
        return {"surname": "name"}.get(name)


def _sent(form_class):
    form = form_class({"name": "x"})
    assert form.is_valid()
    return form


def test_a_service_message_lands_on_the_field_it_names_and_the_rest_on_top():
    form = _sent(_Form)
    apply_errors(form, ValidationError({"name": "Too short.", "elsewhere": "Not allowed."}))
    assert form.errors["name"] == ["Too short."]
    assert form.non_field_errors() == ["Not allowed."]


def test_a_message_about_no_field_goes_on_top():
    form = _sent(_Form)
    apply_errors(form, ValidationError("The plan changed."))
    assert form.non_field_errors() == ["The plan changed."] and "name" not in form.errors


def test_a_form_maps_the_services_names_to_its_fields():
    form = _sent(_MappedForm)
    apply_errors(form, ValidationError({"surname": "Needed."}))
    assert form.errors["name"] == ["Needed."]
