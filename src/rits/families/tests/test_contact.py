"""Writing on the timeline (issue 11): a conversation, a home visit, a phone call or a
note, in a life domain, read only by those who see that domain."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from tests import factories

pytestmark = pytest.mark.django_db


def _url(family) -> str:
    return reverse("families:record-contact", args=[family.pk])


def _post(client, family, **fields):
    data = {
        "kind": "home_visit",
        "on": timezone.localdate().isoformat(),
        "domain": "domestic_relations",
        "text": "Huisbezoek: Selam vertelde over de nachten met Yonas.",
        **fields,
    }
    return client.post(_url(family), data)


def test_a_home_visit_is_on_the_timeline_for_those_who_see_its_domain(family_setup, as_user):
    family, worker = family_setup["family"], family_setup["worker"]
    response = _post(as_user(worker), family, on="2026-11-30")
    assert response.status_code == 302
    event = FamilyEvent.objects.get(family=family, code="family.contact_recorded")
    assert (event.domain, event.actor_id) == ("domestic_relations", worker.user_id)
    with translation.override("en"):
        assert event.text == (
            "Home visit on 30 November 2026: Huisbezoek: Selam vertelde over de nachten met Yonas."
        )
    assert AuditEvent.objects.filter(
        action="create", object_type="family_event", family_id=family.pk
    ).exists()

    # A housing worker involved with the family sees no domestic relations.
    housing = factories.ProfessionalFactory()
    factories.InvolvementFactory(family=family, professional=housing, domains=["housing"])
    page = as_user(housing).get(reverse("families:overview", args=[family.pk]))
    assert "nachten met Yonas" not in page.content.decode()
    page = as_user(family_setup["coordinator"]).get(reverse("families:overview", args=[family.pk]))
    assert "nachten met Yonas" in page.content.decode()


def test_only_a_domain_the_writer_works_in_can_be_chosen(family_setup, as_user):
    client = as_user(family_setup["worker"])
    form = client.get(_url(family_setup["family"])).context["form"]
    assert [value for value, _ in form.fields["domain"].choices] == ["domestic_relations"]
    response = _post(client, family_setup["family"], domain="finances")
    assert response.status_code == 200 and response.context["form"].errors["domain"]
    assert not FamilyEvent.objects.filter(code="family.contact_recorded").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("text", "   "),
        ("text", "x" * 2001),
        ("text", "Haar BSN is 111222333."),
        ("kind", "visit"),
        ("on", (timezone.localdate() + datetime.timedelta(days=1)).isoformat()),
        ("on", "31-02-2026"),
    ],
)
def test_bad_input_is_refused_per_field_and_kept(family_setup, as_user, field, value):
    response = _post(as_user(family_setup["coordinator"]), family_setup["family"], **{field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field], form.errors
    assert "111222333" not in response.content.decode()
    assert not FamilyEvent.objects.filter(code="family.contact_recorded").exists()


def test_what_was_written_comes_back_with_a_bsn_masked(family_setup, as_user):
    client = as_user(family_setup["coordinator"])
    response = _post(client, family_setup["family"], kind="x")
    assert "nachten met Yonas" in response.content.decode()
    response = _post(client, family_setup["family"], text="Gesprek, BSN 111 222 333, rustig.")
    assert "Gesprek, BSN ••••••••• , rustig." not in response.content.decode()
    assert "Gesprek, BSN •••••••••, rustig." in response.content.decode()


def test_an_uninvolved_professional_is_not_told_the_family_exists(family_setup, as_user):
    client = as_user(family_setup["outsider"])
    assert client.get(_url(family_setup["family"])).status_code == 404
    assert _post(client, family_setup["family"]).status_code == 404
    assert not FamilyEvent.objects.filter(code="family.contact_recorded").exists()
