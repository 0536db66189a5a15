"""Administration: who gets into the admin, what it shows (no family data), and the
administrator's work on logins (invite, close, reset the second factor) and keys."""

import re

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rits.administration.site import REFERENCE_MODELS
from rits.audit.models import AuditEvent
from rits.organisations.models import OrganisationKind, Professional, ProfessionalRole, Region
from rits.signals.intake import clients
from rits.signals.models import SignalSourceToken
from tests import factories
from tests.auth import login_verified
from tests.test_access_chokepoint import family_models
from tests.test_login import current_code, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return factories.ProfessionalFactory(role=ProfessionalRole.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, administrator):
    login_verified(client, administrator.user)
    return client


def audited(code_object_type: str, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=code_object_type, action=action))


# --- what the admin shows -------------------------------------------------------------


def test_no_family_data_model_is_registered_in_the_admin():
    registered = set(admin.site._registry)
    assert registered, "the admin registers the reference data"
    assert not registered & family_models(), sorted(
        m._meta.label for m in registered & family_models()
    )
    # only the reference data: not the libraries' own admins (second-factor devices
    # with their secrets, login attempts, tasks, groups)
    assert {m._meta.label_lower for m in registered} == REFERENCE_MODELS
    assert TOTPDevice not in registered
    # the keys are family data by the fence's definition: pages of our own, not a ModelAdmin
    assert SignalSourceToken in family_models()


# --- who gets in ----------------------------------------------------------------------


def test_without_a_login_the_admin_sends_to_rits_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302 and login["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize(
    "role",
    [
        ProfessionalRole.PROFESSIONAL,
        ProfessionalRole.COORDINATOR,
        ProfessionalRole.TEAM_LEAD,
        ProfessionalRole.PRIVACY_OFFICER,
    ],
)
def test_a_professional_who_is_no_administrator_is_refused(client, role):
    someone = factories.ProfessionalFactory(role=role)
    someone.user.is_staff = someone.user.is_superuser = True  # the role decides, not these
    someone.user.save()
    login_verified(client, someone.user)
    for url in (
        "/admin/",
        "/admin/organisations/professional/",
        "/admin/organisations/region/add/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 403, url
    before = Region.objects.count()
    response = client.post("/admin/organisations/region/add/", {"name": "Regio X"}, follow=True)
    assert response.status_code == 403
    assert Region.objects.count() == before


def test_an_administrator_without_the_second_factor_does_not_get_in(client, administrator):
    TOTPDevice.objects.create(user=administrator.user, name="app", confirmed=True)
    log_in(client, administrator.user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login-verify"))


def test_an_administrator_sees_every_list_and_form(admin_client):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.SCHOOL)
    factories.TeamFactory(organisation=organisation)
    assert admin_client.get("/admin/").status_code == 200
    for model in ("region", "municipality", "organisation", "team", "professional"):
        assert admin_client.get(f"/admin/organisations/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/organisations/{model}/add/").status_code == 200, model
    change = admin_client.get(f"/admin/organisations/organisation/{organisation.pk}/change/")
    assert change.status_code == 200
    assert reverse("admin:organisations_organisation_keys", args=[organisation.pk]).encode() in (
        change.content
    )
    # nothing is deleted from the admin: history points at these rows
    delete = admin_client.get(f"/admin/organisations/organisation/{organisation.pk}/delete/")
    assert delete.status_code == 403


def test_a_change_to_reference_data_is_audited(admin_client, administrator):
    response = admin_client.post("/admin/organisations/region/add/", {"name": "Regio Utrecht"})
    assert response.status_code == 302
    region = Region.objects.get(name="Regio Utrecht")
    admin_client.post(f"/admin/organisations/region/{region.pk}/change/", {"name": "Regio U16"})
    created, changed = audited("admin.region", "create"), audited("admin.region", "update")
    assert [e.object_id for e in created] == [str(region.pk)]
    assert changed[0].detail == {"fields": ["name"]}
    assert changed[0].user_id == administrator.user.pk
    assert changed[0].role == ProfessionalRole.ADMINISTRATOR


# --- inviting ---------------------------------------------------------------------------


def _invite(admin_client, organisation, **extra):
    return admin_client.post(
        "/admin/organisations/professional/add/",
        {
            "first_name": "Noor",
            "last_name": "de Vries",
            "email": "noor@wijkteam.example.nl",
            "organisation": organisation.pk,
            "team": "",
            "role": ProfessionalRole.COORDINATOR,
            "job_title": "Gezinsregisseur",
            "phone": "",
            **extra,
        },
    )


def _link(message) -> str:
    found = re.search(r"http://\S+/login/welcome/\S+/", message.body)
    assert found, message.body
    return found.group(0).removeprefix("http://localhost:8000")


def test_invite_enrol_and_log_in(admin_client, client, django_capture_on_commit_callbacks):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.WIJKTEAM)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(admin_client, organisation)
    assert response.status_code == 302, response.content[:500]
    invited = Professional.objects.get(user__email="noor@wijkteam.example.nl")
    assert not invited.user.has_usable_password()
    assert invited.role == ProfessionalRole.COORDINATOR
    assert audited("admin.login", "create")[0].object_id == str(invited.pk)

    (message,) = mail.outbox
    assert message.to == ["noor@wijkteam.example.nl"]
    link = _link(message)
    admin_client.logout()
    page = client.get(link, follow=True)
    assert page.status_code == 200 and b'name="new_password1"' in page.content
    password = "een lange zin als wachtwoord"
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302 and done["Location"] == reverse("core:login")
    invited.user.refresh_from_db()
    assert invited.user.check_password(password)
    assert audited("admin.invitation", "update")

    # the link works once
    again = client.get(link, follow=True)
    assert b'name="new_password1"' not in again.content
    assert again.context["validlink"] is False

    # the first login links the authenticator app, then the pages open
    assert log_in(client, invited.user, password).status_code == 302
    setup = client.get(reverse("core:login-verify"), follow=True)
    assert setup.redirect_chain[-1][0] == reverse("core:login-setup")
    device = TOTPDevice.objects.get(user=invited.user)
    assert (
        client.post(reverse("core:login-setup"), {"token": current_code(device)}).status_code == 302
    )
    assert client.get(reverse("families:my-families")).status_code == 200


def test_an_invitation_for_a_known_address_is_refused_at_the_field(admin_client):
    taken = factories.ProfessionalFactory()
    organisation = factories.OrganisationFactory()
    response = _invite(admin_client, organisation, email=taken.user.email)
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not mail.outbox


def test_a_team_of_another_organisation_is_refused(admin_client):
    organisation = factories.OrganisationFactory()
    other_team = factories.TeamFactory()
    response = _invite(admin_client, organisation, team=other_team.pk)
    assert response.status_code == 200
    assert "team" in response.context["adminform"].form.errors


# --- closing a login, resetting the second factor ---------------------------------------


def _act(admin_client, action, professional):
    return admin_client.post(
        "/admin/organisations/professional/",
        {"action": action, "_selected_action": [professional.pk], "index": 0},
    )


def test_a_closed_login_cannot_log_in_and_its_sessions_end(admin_client):
    client = Client()
    someone = factories.ProfessionalFactory()
    login_verified(client, someone.user)
    assert client.get(reverse("families:my-families")).status_code == 200
    assert _act(admin_client, "deactivate", someone).status_code == 302
    someone.user.refresh_from_db()
    assert not someone.user.is_active
    assert Professional.objects.filter(pk=someone.pk).exists()  # kept, with their history
    assert client.get(reverse("families:my-families")).status_code == 302  # session ended
    client.logout()
    log_in(client, someone.user)
    assert "_auth_user_id" not in client.session
    assert audited("admin.login", "update")[0].detail == {"active": False}
    _act(admin_client, "reactivate", someone)
    someone.user.refresh_from_db()
    assert someone.user.is_active


def test_resetting_the_second_factor_makes_them_link_the_app_again(admin_client):
    client = Client()
    someone = factories.ProfessionalFactory()
    login_verified(client, someone.user)
    assert _act(admin_client, "reset_second_factor", someone).status_code == 302
    assert not TOTPDevice.objects.filter(user=someone.user).exists()
    # the open session was verified with the removed app: it needs the second factor again
    assert client.get(reverse("families:my-families")).status_code == 302
    client.logout()
    log_in(client, someone.user)
    page = client.get(reverse("core:login-verify"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("core:login-setup")
    assert audited("admin.login", "delete")[0].detail == {"devices": 1}


# --- signal-source keys -------------------------------------------------------------------


def test_a_key_is_shown_once_and_can_be_revoked(admin_client):
    school = factories.OrganisationFactory(kind=OrganisationKind.SCHOOL)
    url = reverse("admin:organisations_organisation_keys", args=[school.pk])
    made = admin_client.post(url, {"action": "issue", "name": "Verzuim per maand"})
    assert made.status_code == 200
    plaintext = made.context["issued"]
    assert plaintext.startswith(clients.TOKEN_PREFIX) and plaintext.encode() in made.content
    token = clients.authenticate_token(plaintext)
    assert token is not None and token.organisation == school
    listed = admin_client.get(url)
    assert token.prefix.encode() in listed.content and plaintext.encode() not in listed.content
    revoked = admin_client.post(url, {"action": "revoke", "key": token.pk})
    assert revoked.status_code == 302
    assert clients.authenticate_token(plaintext) is None


def test_only_a_signal_source_gets_a_key(admin_client):
    team = factories.OrganisationFactory(kind=OrganisationKind.WIJKTEAM)
    url = reverse("admin:organisations_organisation_keys", args=[team.pk])
    response = admin_client.post(url, {"action": "issue", "name": "x"})
    assert response.status_code == 200 and response.context["issued"] is None
    assert not clients.keys_of(team)


def test_a_key_of_another_organisation_cannot_be_revoked_here(admin_client):
    school = factories.OrganisationFactory(kind=OrganisationKind.SCHOOL)
    other = factories.OrganisationFactory(kind=OrganisationKind.SCHOOL)
    from rits.audit.services import Actor

    token, _plaintext = clients.issue_token(organisation=other, name="t", actor=Actor.system("t"))
    url = reverse("admin:organisations_organisation_keys", args=[school.pk])
    assert admin_client.post(url, {"action": "revoke", "key": token.pk}).status_code == 403
    token.refresh_from_db()
    assert token.is_active


def test_a_non_administrator_gets_no_key_page(client):
    school = factories.OrganisationFactory(kind=OrganisationKind.SCHOOL)
    someone = factories.ProfessionalFactory(organisation=school, role=ProfessionalRole.TEAM_LEAD)
    login_verified(client, someone.user)
    url = reverse("admin:organisations_organisation_keys", args=[school.pk])
    assert client.post(url, {"action": "issue", "name": "x"}, follow=True).status_code == 403
    assert not clients.keys_of(school)


def test_the_invitation_goes_out_over_smtp(smtp, administrator, django_capture_on_commit_callbacks):
    from rits.administration import services
    from rits.audit.services import Actor

    organisation = factories.OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(
            invitation=services.Invitation(
                first_name="Noor",
                last_name="de Vries",
                email="noor@example.nl",
                organisation=organisation,
                role=ProfessionalRole.PROFESSIONAL,
            ),
            actor=Actor.for_user(administrator.user),
        )
    ((recipients, message),) = smtp.received
    assert recipients == ["noor@example.nl"]
    body = message.get_payload(decode=True).decode()
    assert "https://rits.regio.example/login/welcome/" in body
    assert "Noor" in body


# --- the menu, and the demo ---------------------------------------------------------------


def test_only_an_administrator_sees_administration_in_the_menu(admin_client):
    # The administrator starts at the administration, and finds it in the menu of Rits's
    # own pages (issue 11: each role its own start).
    start = admin_client.get(reverse("families:my-families"))
    assert start.status_code == 302
    assert start["Location"] == "/admin/"
    assert b'href="/admin/"' in admin_client.get(reverse("notifications:list")).content
    other = Client()
    login_verified(other, factories.ProfessionalFactory(role=ProfessionalRole.TEAM_LEAD).user)
    assert b'href="/admin/"' not in other.get(reverse("families:my-families")).content


def test_the_demo_administrator_gets_in_in_demo_mode_only(client, administrator, settings):
    administrator.user.is_demo = True
    administrator.user.save()
    log_in(client, administrator.user)
    assert client.get("/admin/").status_code == 302
    settings.DEMO_MODE = True
    assert client.get("/admin/").status_code == 200
