"""Schemathesis over the whole API, as CI runs it (issue 9, "Done when"): every
operation of the committed OpenAPI document, authenticated as a verified professional
(a session, with its CSRF token) and as a signal source (its key), called in-process
through the WSGI application, must answer no server error and nothing the document does
not describe (status, content type, schema). A bounded job: few examples per operation,
derandomized with a fixed seed, so that it takes about a minute and tries the same cases
in every run."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rits.audit.services import Actor
from rits.organisations.models import OrganisationKind
from rits.signals.intake import clients as signal_clients
from tests import factories
from tests.auth import login_verified

OPENAPI = Path(__file__).resolve().parents[1] / "openapi.yaml"
CSRF = "schemathesiscsrfsecretfortests32"  # 32 characters: a CSRF secret as such
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# A fixed seed and few examples per operation: the same cases in every run, in about a
# minute (the coverage phase adds its own deterministic boundary cases to these).
CONFIG = SchemathesisConfig.from_dict(
    {"seed": 9, "generation": {"max-examples": 5, "deterministic": True, "database": "none"}}
)
schema = schemathesis.openapi.from_path(str(OPENAPI), config=CONFIG)
app = get_wsgi_application()
# No server error, and every answer as documented: its status, content type and schema.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture
def api_world(db, family_setup, client, settings):
    """A seeded family, its coordinator's verified session and a landlord's key."""
    settings.TASKS = IMMEDIATE
    settings.ALLOWED_HOSTS = ["*"]
    login_verified(client, family_setup["coordinator"].user)
    landlord = factories.OrganisationFactory(
        name="Woonstichting Test", kind=OrganisationKind.WONINGCORPORATIE
    )
    _token, key = signal_clients.issue_token(
        organisation=landlord, name="schemathesis", actor=Actor.system("test")
    )
    # A WSGI request ends by closing "old" connections, which would close the test's own
    # transaction; the Django test client does the same (django.test.client).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "family": family_setup["family"],
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF},
        "headers": {"Authorization": f"Token {key}", "X-CSRFToken": CSRF},
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_operation_as_documented(case, api_world):
    for family_id in _family_ids(case, api_world):
        if family_id is not None:
            case.path_parameters["family_id"] = family_id
        response = case.call(app=app, headers=api_world["headers"], cookies=api_world["cookies"])
        case.validate_response(response, checks=CHECKS)


def _family_ids(case, world):
    """As generated, and then (where the path names a family) the seeded family, so that
    the answers with data are checked too."""
    yield None
    if case.path_parameters and "family_id" in case.path_parameters:
        yield world["family"].pk
