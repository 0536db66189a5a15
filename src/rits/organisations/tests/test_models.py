"""Organisations, teams and logins: the rules the models themselves hold."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from rits.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Professional,
    Region,
    Team,
    User,
)

pytestmark = pytest.mark.django_db


def test_a_login_is_the_work_email_address():
    user = User.objects.create_user("a.jansen@wijkteam.nl", password="lang-genoeg-wachtwoord")
    assert user.username == "a.jansen@wijkteam.nl"
    request = RequestFactory().post("/login/")  # django-axes needs the request
    signed_in = authenticate(
        request, username="a.jansen@wijkteam.nl", password="lang-genoeg-wachtwoord"
    )
    assert signed_in == user
    assert authenticate(request, username="a.jansen@wijkteam.nl", password="verkeerd") is None


def test_two_logins_cannot_share_an_email_address():
    User.objects.create_user("a.jansen@wijkteam.nl")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="other", email="a.jansen@wijkteam.nl")


# Written out rather than read from SIGNAL_SOURCE_KINDS, so that a kind added to or taken
# from that list shows up here as a decision someone made.
DELIVERS_SIGNALS = {
    "woningcorporatie",
    "energy_company",
    "water_company",
    "health_insurer",
    "school",
    "jgz",
    "veilig_thuis",
    "police",
}


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_those_who_see_trouble_from_outside_deliver_signals_those_who_help_do_not(kind):
    organisation = Organisation.objects.create(name=f"Organisation {kind}", kind=kind)
    assert organisation.is_signal_source is (kind in DELIVERS_SIGNALS)


@pytest.mark.parametrize("code", ["1234567", "123456789", "1234567a", "１２３４５６７８"])
def test_an_agb_code_is_eight_ascii_digits(code):
    organisation = Organisation(name="Zorg BV", kind=OrganisationKind.CARE_PROVIDER, agb_code=code)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "agb_code" in error.value.message_dict


def test_a_valid_agb_code_passes():
    organisation = Organisation(
        name="Zorg BV", kind=OrganisationKind.CARE_PROVIDER, agb_code="12345678"
    )
    organisation.full_clean()


def test_a_team_name_is_unique_within_its_organisation_only():
    wijkteam = Organisation.objects.create(name="Wijkteam Noord", kind=OrganisationKind.WIJKTEAM)
    other = Organisation.objects.create(name="Wijkteam Zuid", kind=OrganisationKind.WIJKTEAM)
    Team.objects.create(organisation=wijkteam, name="Team 1")
    Team.objects.create(organisation=other, name="Team 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(organisation=wijkteam, name="Team 1")


def test_an_organisation_with_professionals_cannot_be_deleted():
    # Who did what stays traceable: an organisation does not vanish under its people.
    wijkteam = Organisation.objects.create(name="Wijkteam Noord", kind=OrganisationKind.WIJKTEAM)
    user = User.objects.create_user("b.bakker@wijkteam.nl", first_name="Bea", last_name="Bakker")
    Professional.objects.create(user=user, organisation=wijkteam)
    with pytest.raises(ProtectedError):
        wijkteam.delete()


def test_a_professional_outlives_their_team():
    wijkteam = Organisation.objects.create(name="Wijkteam Noord", kind=OrganisationKind.WIJKTEAM)
    team = Team.objects.create(organisation=wijkteam, name="Team 1")
    user = User.objects.create_user("b.bakker@wijkteam.nl", first_name="Bea", last_name="Bakker")
    professional = Professional.objects.create(user=user, organisation=wijkteam, team=team)
    team.delete()
    professional.refresh_from_db()
    assert professional.team is None
    assert professional.name == "Bea Bakker"
    assert professional.email == "b.bakker@wijkteam.nl"


@pytest.mark.parametrize("code", ["034", "03441", "٠٣٤٤"])
def test_a_gemeentecode_is_four_ascii_digits(code):
    municipality = Municipality(
        code=code, name="Amersfoort", region=Region.objects.create(name="Eemland")
    )
    with pytest.raises(ValidationError) as error:
        municipality.full_clean()
    assert "code" in error.value.message_dict
