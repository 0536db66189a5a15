"""A property of the whole API (issue 9 #9, the class): whatever text or digits a client
puts in a query or path parameter of any operation of the committed OpenAPI document,
the answer is never a server error. Values are arbitrary Unicode (lone surrogates, NUL,
other scripts' digits such as "²" and "١") and digit strings far beyond a bigint,
sent as raw bytes, the way a client that does not care about the document would."""

from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rits.audit.services import Actor
from rits.organisations.models import OrganisationKind
from rits.signals.intake import clients as signal_clients
from rits.signals.intake import services as signal_services
from tests import factories
from tests.auth import login_verified

OPENAPI = yaml.safe_load((Path(__file__).resolve().parents[1] / "openapi.yaml").read_text())
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


# Server errors this branch leaves to another part of the code (strict: the test fails
# as soon as one is fixed, so that its entry is removed here).
# Operations with a known server error, to be fixed (xfail, strict): none left.
KNOWN_SERVER_ERRORS: dict[str, str] = {}


def _operations() -> list:
    return list(_each_operation())


def _each_operation():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if method != "get":  # reads: bodies are schemathesis's (test_schemathesis.py)
                continue
            names = {p["in"]: [] for p in operation.get("parameters", [])}
            for parameter in operation.get("parameters", []):
                names[parameter["in"]].append(parameter["name"])
            security = {name for s in operation.get("security", []) for name in s}
            label = f"GET {path}"
            known = KNOWN_SERVER_ERRORS.get(label)
            yield pytest.param(
                path,
                names.get("path", []),
                names.get("query", []),
                "signalSourceToken" in security,
                id=label,
                marks=[pytest.mark.xfail(strict=True, reason=known)] if known else [],
            )


DIGITS = st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=25)
# Around the database's bigint and beyond it, and negative.
HUGE = st.one_of(st.integers(min_value=2**63 - 2, max_value=2**80), st.integers(max_value=-1)).map(
    str
)
# The classes of value that made server errors before (issue 9 #9), and their kin.
NASTY_VALUES = [
    "", "0", "-1", "²", "١٢", "\x00", "a\x00", "\ud800", "\x1b", "1e3", "+1", " 1", "1_0",
    str(2**63 - 1), str(2**63), "9" * 40,
]  # fmt: skip
NASTY = st.sampled_from(NASTY_VALUES)
VALUE = st.one_of(NASTY, HUGE, DIGITS, st.text(max_size=30))


def raw(value: str) -> str:
    # As bytes on the wire: a lone surrogate goes out as its (invalid) UTF-8 bytes.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture
def callers(family_setup, client, settings):
    settings.TASKS = IMMEDIATE
    login_verified(client, family_setup["coordinator"].user)
    landlord = factories.OrganisationFactory(
        name="Woonstichting Test", kind=OrganisationKind.WONINGCORPORATIE
    )
    token, key = signal_clients.issue_token(
        organisation=landlord, name="fuzz", actor=Actor.system("test")
    )
    batch = signal_services.receive_batch(
        source=landlord,
        content=b'[{"reference": "r-1"}]',
        file_name="signals.json",
        token=token,
        actor=Actor.system("test"),
    )
    # Ids that exist, so that parameters are also parsed past the lookup of their object.
    seeded = {"family_id": family_setup["family"].pk, "batch_id": batch.pk, "number": 1}
    return {"client": client, "token": key, "seeded": {k: str(v) for k, v in seeded.items()}}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "path_names", "query_names", "as_source"), _operations())
def test_no_parameter_value_makes_a_server_error(callers, path, path_names, query_names, as_source):
    client = callers["client"]
    client.raise_request_exception = False  # a server error is an answer: 500
    headers = {"HTTP_AUTHORIZATION": f"Token {callers['token']}"} if as_source else {}
    seeded = callers["seeded"]

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        # mostly an object that exists, so that the query is read past its lookup
        path_values=st.fixed_dictionaries(
            {n: st.one_of(st.just(seeded.get(n, "1")), VALUE) for n in path_names}
        ),
        query=st.fixed_dictionaries({}, optional={n: VALUE for n in query_names or ["q"]}),
    )
    def check(path_values, query):
        request(path_values, query)

    def request(path_values, query):
        url = path
        for name, value in path_values.items():
            url = url.replace("{" + name + "}", raw(value) or "0")
        query_string = "&".join(f"{raw(k)}={raw(v)}" for k, v in query.items())
        # A savepoint per example: on PostgreSQL a failed query aborts the transaction,
        # and every later example would fail for that reason rather than its own.
        savepoint = transaction.savepoint()
        response = client.get(url, QUERY_STRING=query_string, **headers)
        transaction.savepoint_rollback(savepoint)
        assert response.status_code < 500, f"{response.status_code} on {url}?{query_string}"

    # Every known bad value in every parameter, the others at an object that exists;
    # then what hypothesis makes of them all together.
    for name in (*path_names, *query_names):
        for value in NASTY_VALUES:
            path_values = {n: value if n == name else seeded.get(n, "1") for n in path_names}
            request(path_values, {name: value} if name in query_names else {})
    check()
