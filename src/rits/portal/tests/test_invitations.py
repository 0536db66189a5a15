"""A coordinator invites someone of the family's network; the e-mailed link and code
log them in to the portal, once."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.portal.models import CitizenAccount, NetworkInvitation
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def friend(family_setup):
    return factories.NetworkMemberFactory(
        family=family_setup["family"], name="Almaz", relation="friend", email="almaz@example.org"
    )


def invite_url(family, member):
    return reverse("portal_coordinator:invite", args=[family.pk, member.pk])


def invite(client, family_setup, friend, capture):
    login_verified(client, family_setup["coordinator"].user)
    with capture(execute=True):
        response = client.post(invite_url(family_setup["family"], friend))
    assert response.status_code == 302, response.content.decode()
    client.logout()
    link = re.search(r"https?://\S+/mijn/uitnodiging/\S+/", mail.outbox[-1].body).group(0)
    return urlsplit(link).path


def open_link(client, path, capture):
    with capture(execute=True):
        response = client.get(path)
    return response


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_happy_path(client, family_setup, friend, django_capture_on_commit_callbacks):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["almaz@example.org"]
    assert family_setup["family"].name not in mail.outbox[-1].body  # no family data
    invitation = NetworkInvitation.objects.get()
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash  # stored hashed

    page = open_link(client, path, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    code = last_code()
    invitation.refresh_from_db()
    assert invitation.code_hash and code not in invitation.code_hash

    response = client.post(path, {"action": "code", "code": code})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    account = CitizenAccount.objects.get(network_member=friend)
    assert int(client.session[SESSION_KEY]) == account.user.pk
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200 and "Almaz" in home.content.decode()
    # No TOTP asked, and the professional pages are closed to them.
    assert client.get(reverse("families:my-families"))["Location"] == reverse("portal:home")
    codes = set(FamilyEvent.objects.values_list("code", flat=True))
    assert {"portal.network_invited", "portal.invitation_accepted"} <= codes
    assert AuditEvent.objects.filter(object_type="portal.invitation", action="create").exists()
    assert AuditEvent.objects.filter(object_type="portal.session", user_id=account.user.pk).exists()


def test_a_used_link_is_refused(client, family_setup, friend, django_capture_on_commit_callbacks):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    open_link(client, path, django_capture_on_commit_callbacks)
    client.post(path, {"action": "code", "code": last_code()})
    client.logout()
    response = client.get(path)
    assert response.status_code == 410
    assert (
        "already been used" in response.content.decode()
        or "al gebruikt" in response.content.decode()
    )
    assert AuditEvent.objects.filter(object_type="portal.invitation", action="refused").exists()


def test_an_expired_link_is_refused(
    client, family_setup, friend, django_capture_on_commit_callbacks
):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode() or "verlopen" in response.content.decode()


def test_an_unknown_link_is_not_found(client, db):
    assert client.get(reverse("portal:invitation", args=["nonsense"])).status_code == 404


def test_five_wrong_codes_spend_the_invitation(
    client, family_setup, friend, django_capture_on_commit_callbacks
):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    open_link(client, path, django_capture_on_commit_callbacks)
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    for attempt in range(4):
        response = client.post(path, {"action": "code", "code": wrong})
        assert response.status_code == 400, attempt
    response = client.post(path, {"action": "code", "code": wrong})
    assert response.status_code == 410
    # Spent: not even the right code opens it now.
    assert client.post(path, {"action": "code", "code": right}).status_code == 410
    assert not CitizenAccount.objects.exists()
    assert NetworkInvitation.objects.get().ended_because == "spent"


def test_an_expired_code_does_not_log_in(
    client, family_setup, friend, django_capture_on_commit_callbacks
):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    open_link(client, path, django_capture_on_commit_callbacks)
    old = last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, {"action": "code", "code": old})
    assert response.status_code == 400
    assert not CitizenAccount.objects.exists()
    # A new code was sent; it works.
    assert len(mail.outbox) == 3
    with time_machine.travel(timezone.now() + timedelta(minutes=17)):
        response = client.post(path, {"action": "code", "code": last_code()})
    assert response.status_code == 302


def test_a_new_invitation_revokes_the_previous_one(
    client, family_setup, friend, django_capture_on_commit_callbacks
):
    first = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    second = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    assert first != second
    assert client.get(first).status_code == 410
    assert open_link(client, second, django_capture_on_commit_callbacks).status_code == 200


def test_only_the_coordinator_invites(client, family_setup, friend):
    family = family_setup["family"]
    login_verified(client, family_setup["worker"].user)  # involved, not the coordinator
    assert client.post(invite_url(family, friend)).status_code == 403
    assert client.get(invite_url(family, friend)).status_code == 403
    assert not NetworkInvitation.objects.exists()


def test_an_uninvolved_professional_gets_404(client, family_setup, friend):
    login_verified(client, family_setup["outsider"].user)
    assert client.get(invite_url(family_setup["family"], friend)).status_code == 404
    assert client.post(invite_url(family_setup["family"], friend)).status_code == 404
    assert not NetworkInvitation.objects.exists()


def test_another_familys_network_member_is_not_found(client, family_setup):
    stranger = factories.NetworkMemberFactory(email="x@example.org")  # another family
    login_verified(client, family_setup["coordinator"].user)
    assert client.get(invite_url(family_setup["family"], stranger)).status_code == 404


def test_without_an_email_address_nothing_is_sent(client, family_setup):
    member = factories.NetworkMemberFactory(family=family_setup["family"], email="")
    login_verified(client, family_setup["coordinator"].user)
    response = client.post(invite_url(family_setup["family"], member))
    assert response.status_code == 400
    assert not NetworkInvitation.objects.exists() and not mail.outbox


def test_the_network_panel_shows_the_invite_button_to_the_coordinator_only(
    client, family_setup, friend
):
    family = family_setup["family"]
    href = invite_url(family, friend)
    login_verified(client, family_setup["coordinator"].user)
    assert href in client.get(reverse("families:overview", args=[family.pk])).content.decode()
    client.logout()
    login_verified(client, family_setup["worker"].user)
    assert href not in client.get(reverse("families:overview", args=[family.pk])).content.decode()


def test_a_new_code_at_most_once_a_minute(
    client, family_setup, friend, django_capture_on_commit_callbacks
):
    path = invite(client, family_setup, friend, django_capture_on_commit_callbacks)
    open_link(client, path, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"action": "new_code"}, follow=True)
    assert len(mail.outbox) == sent  # too soon: nothing sent
    assert response.status_code == 200
    first = last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(path, {"action": "new_code"})
        assert len(mail.outbox) == sent + 1
        # The old code no longer works, the new one does.
        new = last_code()
        if new != first:
            assert client.post(path, {"action": "code", "code": first}).status_code == 400
        assert client.post(path, {"action": "code", "code": new}).status_code == 302
