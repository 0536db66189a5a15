"""Fixtures of the signal intake tests: a signal source with an API key, and a client
that uses it the way a source's machine client would."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from rits.audit.services import Actor
from rits.organisations.models import OrganisationKind
from rits.signals.intake import clients
from tests import factories

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background work runs at once, so a test sees a batch processed when the upload
    # returns (other backends are tested on purpose where it matters).
    settings.TASKS = IMMEDIATE


@pytest.fixture(autouse=True)
def _english(settings):
    # Reasons are checked in their English source text. Stored reports are written in the
    # region's language, so that is English here too.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def landlord(db):
    return factories.OrganisationFactory(
        name="Woonstichting Test", kind=OrganisationKind.WONINGCORPORATIE
    )


@pytest.fixture
def energy_company(db):
    return factories.OrganisationFactory(name="Energie Test", kind=OrganisationKind.ENERGY_COMPANY)


def issue(organisation, name="test") -> str:
    _token, plaintext = clients.issue_token(
        organisation=organisation, name=name, actor=Actor.system("test")
    )
    return plaintext


@pytest.fixture
def landlord_key(landlord) -> str:
    return issue(landlord)


def token_client(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plaintext}")
    return client


@pytest.fixture
def landlord_api(landlord_key) -> APIClient:
    return token_client(landlord_key)
