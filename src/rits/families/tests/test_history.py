"""Changing and removing members and network members: the history keeps who, when,
before and after (never a BSN), a removal can be undone for ``UNDO_WINDOW`` with the
same ids, and only those who may write can do either."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access import services as access_services
from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.families import services
from rits.families.models import (
    UNDO_WINDOW,
    FamilyEvent,
    Membership,
    NetworkMember,
    Person,
)
from rits.plans import services as plan_services
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

NEW_BSN = factories.valid_bsn(7)


def _client(professional) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


@pytest.fixture
def w(family_setup):
    family = family_setup["family"]
    child = family.memberships.get(person=family_setup["child"])
    neighbour = NetworkMember.objects.create(family=family, name="Buurman", relation="neighbour")
    return {**family_setup, "membership": child, "neighbour": neighbour}


def _change_body(**extra):
    return {
        "role": "child",
        "surname": "Haile",
        "given_names": "Yonas",
        "birth_date": "2022-03-01",
        **extra,
    }


def test_a_change_keeps_who_when_before_and_after(w):
    coordinator = w["coordinator"]
    client = _client(coordinator)
    url = reverse("families:change-member", args=[w["family"].pk, w["membership"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Yonas"' in page.content.decode()  # the form is prefilled
    before = AuditEvent.objects.order_by("id").last().pk
    response = client.post(url, _change_body(given_names="Jonas", role="other", languages="nl"))
    assert response.status_code == 302
    person = Person.objects.get(pk=w["child"].pk)
    assert person.given_names == "Jonas"
    last = person.history.latest()
    assert (last.history_type, last.history_user, last.given_names) == (
        "~",
        coordinator.user,
        "Jonas",
    )
    assert last.prev_record.given_names == "Yonas"
    assert Membership.history.filter(id=w["membership"].pk).latest().history_user == (
        coordinator.user
    )
    event = AuditEvent.objects.filter(pk__gt=before).get(action="update")
    assert (event.object_type, event.family_id, event.detail["fields"]) == (
        "membership.details",
        w["family"].pk,
        ["given_names", "role"],
    )
    assert "Jonas" not in str(event.detail)  # ids and field names only
    assert FamilyEvent.objects.filter(family=w["family"], code="family.member_changed").exists()

    history = client.get(
        reverse("families:member-history", args=[w["family"].pk, w["membership"].pk])
    )
    text = history.content.decode()
    assert "Given names: <bdi>Yonas</bdi> → <bdi>Jonas</bdi>" in text
    assert "Role: <bdi>Child</bdi> → <bdi>Other household member</bdi>" in text
    assert str(coordinator.user) in text


def test_a_change_that_changes_nothing_writes_nothing(w):
    client = _client(w["coordinator"])
    url = reverse("families:change-member", args=[w["family"].pk, w["membership"].pk])
    count = Person.history.count()
    client.post(url, _change_body(languages="nl"))  # as the factory made them
    assert Person.history.count() == count
    assert not FamilyEvent.objects.filter(code="family.member_changed").exists()


def test_a_correction_is_checked_like_an_addition_and_not_against_itself(w):
    client = _client(w["coordinator"])
    url = reverse("families:change-member", args=[w["family"].pk, w["membership"].pk])
    response = client.post(url, _change_body(birth_date="1950-01-01"))
    assert response.status_code == 200
    assert "A child cannot be born before their parent" in response.content.decode()
    response = client.post(url, _change_body(bsn="123"))
    assert "not a valid BSN" in response.content.decode()
    assert Person.objects.get(pk=w["child"].pk).birth_date == datetime.date(2022, 3, 1)


def test_the_history_never_shows_or_keeps_a_bsn(w):
    client = _client(w["coordinator"])
    mother = Membership.objects.get(person=w["mother"])
    url = reverse("families:change-member", args=[w["family"].pk, mother.pk])
    page = client.get(url).content.decode()
    body = {
        "role": "parent",
        "surname": "Haile",
        "given_names": "Selam",
        "birth_date": w["mother"].birth_date.isoformat(),
        "bsn": NEW_BSN,
    }
    assert client.post(url, body).status_code == 302
    person = Person.objects.get(pk=w["mother"].pk)
    assert person.bsn_pseudonym and person.bsn_encrypted
    historical = {f.name for f in Person.history.model._meta.fields}
    assert not {"bsn_encrypted", "bsn_pseudonym"} & historical
    assert person.history.latest().bsn_changed
    history = client.get(reverse("families:member-history", args=[w["family"].pk, mother.pk]))
    text = history.content.decode()
    assert "BSN changed" in text
    assert NEW_BSN not in text and NEW_BSN not in page
    assert person.bsn_pseudonym not in text
    # an empty BSN field keeps the BSN
    body["bsn"] = ""
    body["given_names"] = "Selam Tesfay"
    client.post(url, body)
    assert Person.objects.get(pk=person.pk).bsn_pseudonym == person.bsn_pseudonym


def test_removal_and_undo_give_back_the_same_ids(w):
    client = _client(w["coordinator"])
    family, membership = w["family"], w["membership"]
    remove = reverse("families:remove-member", args=[family.pk, membership.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200 and "Yes, remove" in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()  # a GET removes nothing
    response = client.post(remove)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Person.objects.filter(pk=w["child"].pk).exists()  # the person record stays
    overview = client.get(reverse("families:overview", args=[family.pk])).content.decode()
    undo = reverse("families:undo-member-removal", args=[family.pk, membership.pk])
    assert undo in overview  # "Removed. Undo"
    removed = client.get(reverse("families:removed", args=[family.pk])).content.decode()
    assert "Yonas Haile" in removed and undo in removed

    assert client.post(undo).status_code == 302
    back = Membership.objects.get(pk=membership.pk)
    assert (back.person_id, back.family_id, back.role) == (w["child"].pk, family.pk, "child")
    codes = list(
        FamilyEvent.objects.filter(family=family).values_list("code", flat=True).order_by("id")
    )
    assert codes[-2:] == ["family.member_removed", "family.member_restored"]
    actions = set(
        AuditEvent.objects.filter(family_id=family.pk).values_list("action", "object_type")
    )
    assert {("delete", "membership"), ("create", "membership.restored")} <= actions
    removed = client.get(reverse("families:removed", args=[family.pk])).content.decode()
    assert "Nothing was removed recently." in removed
    history = client.get(reverse("families:member-history", args=[family.pk, membership.pk]))
    assert "put back (removal undone)" in history.content.decode()


def test_a_network_member_is_removed_and_put_back_with_the_same_id(w):
    client = _client(w["coordinator"])
    family, neighbour = w["family"], w["neighbour"]
    change = reverse("families:change-network-member", args=[family.pk, neighbour.pk])
    assert 'value="Buurman"' in client.get(change).content.decode()
    client.post(change, {"name": "Buurman Piet", "relation": "neighbour", "phone": "06 1"})
    assert NetworkMember.objects.get(pk=neighbour.pk).name == "Buurman Piet"
    history = client.get(
        reverse("families:network-member-history", args=[family.pk, neighbour.pk])
    ).content.decode()
    assert "Name: <bdi>Buurman</bdi> → <bdi>Buurman Piet</bdi>" in history

    client.post(reverse("families:remove-network-member", args=[family.pk, neighbour.pk]))
    assert not NetworkMember.objects.filter(pk=neighbour.pk).exists()
    client.post(reverse("families:undo-network-removal", args=[family.pk, neighbour.pk]))
    back = NetworkMember.objects.get(pk=neighbour.pk)
    assert (back.name, back.phone, back.family_id) == ("Buurman Piet", "06 1", family.pk)
    assert FamilyEvent.objects.filter(code="family.network_restored", domain="social_network")


def test_a_network_member_with_agreements_is_not_removed(w):
    family, neighbour = w["family"], w["neighbour"]
    grant = grant_for(w["coordinator"].user, family.pk)
    plan_services.add_agreement(
        user=w["coordinator"].user,
        grant=grant,
        revision=0,
        data=plan_services.AgreementData(
            action="Oppassen op woensdag",
            owner=f"network:{neighbour.pk}",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=["social_network"],
            kind="other",
        ),
    )
    client = _client(w["coordinator"])
    response = client.post(
        reverse("families:remove-network-member", args=[family.pk, neighbour.pk])
    )
    assert response.status_code == 400
    assert "still has agreements in the plan" in response.content.decode()
    assert NetworkMember.objects.filter(pk=neighbour.pk).exists()


def test_an_undo_after_the_window_is_refused_with_a_clear_message(w):
    client = _client(w["coordinator"])
    family, membership = w["family"], w["membership"]
    client.post(reverse("families:remove-member", args=[family.pk, membership.pk]))
    later = timezone.now() + UNDO_WINDOW + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        login_verified(client, w["coordinator"].user)
        response = client.post(
            reverse("families:undo-member-removal", args=[family.pk, membership.pk]),
            follow=True,
        )
    assert "more than a month ago and can no longer be put back" in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()


def _routes(w):
    f, m, n = w["family"].pk, w["membership"].pk, w["neighbour"].pk
    return {
        "families:change-member": [f, m],
        "families:remove-member": [f, m],
        "families:undo-member-removal": [f, m],
        "families:member-history": [f, m],
        "families:change-network-member": [f, n],
        "families:remove-network-member": [f, n],
        "families:undo-network-removal": [f, n],
        "families:network-member-history": [f, n],
        "families:removed": [f],
    }


def test_an_uninvolved_professional_gets_not_found_everywhere(w):
    # removed first, so that the undo routes name something that can be undone
    grant = grant_for(w["coordinator"].user, w["family"].pk)
    services.remove_member(
        user=w["coordinator"].user, grant=grant, membership_id=w["membership"].pk
    )
    client = _client(w["outsider"])
    for name, args in _routes(w).items():
        url = reverse(name, args=args)
        assert client.get(url).status_code in {404, 405}, name
        assert client.post(url, _change_body()).status_code in {404, 405}, name
    assert not Membership.objects.filter(pk=w["membership"].pk).exists()


def test_emergency_access_reads_the_history_but_writes_nothing(w):
    breaker = factories.ProfessionalFactory()
    access_services.request_emergency_access(
        user=breaker.user, reason="Melding politie, acute zorg.", reference=w["family"].reference
    )
    grant = grant_for(w["coordinator"].user, w["family"].pk)
    services.remove_network_member(
        user=w["coordinator"].user, grant=grant, member_id=w["neighbour"].pk
    )
    client = _client(breaker)
    routes = _routes(w)
    for name in ("families:member-history", "families:removed"):
        assert client.get(reverse(name, args=routes[name])).status_code == 200, name
    writes = [n for n in routes if "history" not in n and n != "families:removed"]
    rows = (Membership.objects.count(), NetworkMember.objects.count(), Person.history.count())
    for name in writes:
        url = reverse(name, args=routes[name])
        assert client.post(url, _change_body()).status_code == 403, name
        if "undo" not in name:
            assert client.get(url).status_code == 403, name
    assert rows == (
        Membership.objects.count(),
        NetworkMember.objects.count(),
        Person.history.count(),
    )


def test_an_import_writes_history_without_a_user(w):
    person = Person.objects.get(pk=w["child"].pk)
    person.surname = "Hailé"
    person.save()  # as the system would: no user set
    assert person.history.latest().history_user is None


def test_a_change_made_in_another_familys_file_does_not_say_by_whom(w):
    other = factories.FamilyFactory(name="Gezin Tesfay")
    factories.MembershipFactory(family=other, person=w["child"], role="child")
    elsewhere = factories.ProfessionalFactory(role="coordinator")
    factories.InvolvementFactory(family=other, professional=elsewhere, is_coordinator=True)
    theirs = other.memberships.get()
    _client(elsewhere).post(
        reverse("families:change-member", args=[other.pk, theirs.pk]),
        _change_body(given_names="Jonas", languages="nl"),
    )
    text = (
        _client(w["coordinator"])
        .get(reverse("families:member-history", args=[w["family"].pk, w["membership"].pk]))
        .content.decode()
    )
    assert "Given names: <bdi>Yonas</bdi> → <bdi>Jonas</bdi>" in text
    assert str(elsewhere.user) not in text and "Gezin Tesfay" not in text
    assert "someone working with another family" in text
