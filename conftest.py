"""Project-wide test fixtures."""

import pytest

from tests import factories
from tests.auth import login_verified


@pytest.fixture
def family_setup(db):
    """A family with a coordinator, an involved parenting worker, and an uninvolved professional."""
    family = factories.FamilyFactory(name="Gezin Haile")
    mother = factories.MembershipFactory(
        family=family,
        person=factories.PersonFactory(
            surname="Haile", given_names="Selam", bsn=factories.valid_bsn(1)
        ),
    )
    child = factories.MembershipFactory(
        family=family,
        role="child",
        person=factories.PersonFactory(
            surname="Haile", given_names="Yonas", birth_date="2022-03-01"
        ),
    )
    coordinator = factories.ProfessionalFactory(role="coordinator")
    factories.InvolvementFactory(
        family=family,
        professional=coordinator,
        is_coordinator=True,
        role="Gezinsregisseur",
        domains=[],
    )
    worker = factories.ProfessionalFactory()
    factories.InvolvementFactory(family=family, professional=worker, domains=["domestic_relations"])
    outsider = factories.ProfessionalFactory()
    return {
        "family": family,
        "mother": mother.person,
        "child": child.person,
        "coordinator": coordinator,
        "worker": worker,
        "outsider": outsider,
    }


@pytest.fixture
def as_user(client):
    def _login(professional_or_user):
        user = getattr(professional_or_user, "user", professional_or_user)
        login_verified(client, user)
        return client

    return _login


def _commits_to_sqlite(item) -> bool:
    from django.db import connection

    names = getattr(item, "fixturenames", ())
    return connection.vendor == "sqlite" and ("transactional_db" in names or "live_server" in names)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Tests that commit (live_server, transactional_db) are cleaned up by deleting every
    row. On SQLite that DELETE hits the audit log's append-only trigger (PostgreSQL
    truncates, which row triggers do not see), so the trigger is lifted for the clean-up
    only and put back straight after."""
    if not _commits_to_sqlite(item):
        yield
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    from rits.audit import append_only_sql

    with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    yield
    if nextitem is None:
        return  # the last test: the test database has just been destroyed with it
    with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        cursor.execute(append_only_sql.SQLITE_NO_DELETE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
