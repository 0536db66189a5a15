"""Browser tests: Playwright drives the system's Chromium (Debian's `chromium` package)
against pytest-django's live server. Playwright never downloads a browser here.

Without Chromium the tests are skipped, with the reason; with ``RITS_REQUIRE_BROWSER=1``
(as in CI) they fail instead, so a missing browser cannot pass unnoticed.
Run them alone with ``pytest -m browser``."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP

from rits.organisations.models import ProfessionalRole
from tests import factories
from tests.auth import login_verified

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# axe impacts that fail a test; "minor" and "moderate" findings are printed only.
BLOCKING_IMPACTS = {"serious", "critical"}
# A phone (issue 11: no page scrolls sideways at 390 px) and a desktop screen.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DOCUMENT_WIDTH = "document.documentElement.scrollWidth"
# A long word without spaces, as a reference or a compound name can be.
LONG_WORD = "Gezinsondersteuningsbegeleidingstrajectcoördinatieafspraken"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str):
    """Skip, or fail when the run demands the browser tests (RITS_REQUIRE_BROWSER=1)."""
    if os.environ.get("RITS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (RITS_REQUIRE_BROWSER=1: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session; each test gets its own context."""
    path = os.environ.get("RITS_CHROMIUM") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _unavailable(
            f"Chromium not found at {path}: install Debian's chromium package "
            "(apt-get install chromium) or point RITS_CHROMIUM to a Chromium binary"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev dependency missing
        _unavailable(f"Playwright is not installed: {exc}")

    # Playwright's sync API keeps an asyncio event loop in the main thread; from now on
    # Django would take every ORM call from that thread (test set-up, teardown) for one
    # made in async code. Relaxed only while the browser runs: tests before it keep the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium at {path} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) on the live server, in Dutch."""
    context = chromium.new_context(
        base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in_as(page, live_server):
    """Start the browser in a session that has passed both factors (for tests that are
    not about logging in); the login itself is covered in test_login_journey."""

    def _log_in(professional, on=None) -> None:
        """``on``: another page (a second browser context) than the test's own."""
        client = Client()
        login_verified(client, professional.user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        (on or page).context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return _log_in


def totp_token(key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6) -> str:
    """The code an authenticator app would show now for ``key``."""
    return f"{TOTP(key, step=step, t0=t0, digits=digits).token():0{digits}d}"


def _format_violation(violation: dict) -> str:
    lines = [
        f"- [{violation['impact']}] {violation['id']}: {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"][:5]:
        lines.append(f"  at {', '.join(map(str, node['target']))}")
        lines.append(f"     {node['html'][:200]}")
        summary = (node.get("failureSummary") or "").replace("\n", "\n     ")
        if summary:
            lines.append(f"     {summary}")
    if len(violation["nodes"]) > 5:
        lines.append(f"  … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(_axe):
    """Run axe on the page as it is now; fail on serious or critical violations."""

    def _check(page, what: str) -> None:
        violations = _axe.run(page).response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        others = [v for v in violations if v.get("impact") not in BLOCKING_IMPACTS]
        if others:
            print(f"axe on {what} ({page.url}), not blocking:")
            print("\n".join(_format_violation(v) for v in others))
        assert not blocking, f"axe found serious/critical problems on {what} ({page.url}):\n" + (
            "\n".join(_format_violation(v) for v in blocking)
        )

    return _check


@pytest.fixture
def check_page(assert_accessible):
    """Check the page as it is now at 390 px (no sideways scrolling, axe) and at desktop
    width (axe); the page is not reloaded, so a page shown after a POST is checked too.
    Leaves the page at desktop width."""

    def _check(page, what: str) -> None:
        page.wait_for_load_state()
        page.set_viewport_size(PHONE)
        width = page.evaluate(DOCUMENT_WIDTH)
        assert width <= PHONE["width"], f"{what} ({page.url}) is {width} px wide at 390 px"
        assert_accessible(page, f"{what} at 390 px")
        page.set_viewport_size(DESKTOP)
        assert_accessible(page, f"{what} at desktop width")

    return _check


@pytest.fixture
def haile(transactional_db):
    """A family as a coordinator sees it, plus a second family of theirs and an outsider."""
    family = factories.FamilyFactory(
        name="Gezin Haile", street="Kanaalweg", house_number=12, postcode="3526KL"
    )
    mother = factories.PersonFactory(
        surname="Haile",
        given_names="Selam",
        birth_date="1991-07-04",
        bsn=factories.valid_bsn(1),
        languages=["ti", "nl"],
    )
    child = factories.PersonFactory(surname="Haile", given_names="Yonas", birth_date="2016-03-01")
    factories.MembershipFactory(family=family, person=mother, role="parent")
    factories.MembershipFactory(family=family, person=child, role="child")

    coordinator = factories.ProfessionalFactory(
        role="coordinator",
        user__first_name="Noor",
        user__last_name="de Wit",
        user__email="noor.dewit@wijkteam.example.nl",
        organisation__name="Buurtteam Kanaleneiland",
    )
    factories.InvolvementFactory(
        family=family,
        professional=coordinator,
        is_coordinator=True,
        role="Gezinsregisseur",
        domains=[],
    )
    worker = factories.ProfessionalFactory(organisation__name="Gezinsbegeleiding Midden")
    factories.InvolvementFactory(
        family=family,
        professional=worker,
        role="Ambulante gezinsbegeleiding",
        domains=["domestic_relations", "daily_living"],
    )
    factories.NetworkMemberFactory(family=family, name="Oom Tesfay", availability="na 18:00")

    other = factories.FamilyFactory(name="Gezin Bakker", postcode="3511AB")
    factories.MembershipFactory(family=other, person=factories.PersonFactory(surname="Bakker"))
    factories.InvolvementFactory(
        family=other, professional=coordinator, is_coordinator=True, role="Gezinsregisseur"
    )

    outsider = factories.ProfessionalFactory(organisation__name="Jeugdbescherming Regio")
    for professional in (coordinator, worker, outsider):
        professional.user.set_password(factories.PASSWORD)
        professional.user.save()
    return {
        "family": family,
        "other_family": other,
        "mother": mother,
        "child": child,
        "coordinator": coordinator,
        "worker": worker,
        "outsider": outsider,
    }


@pytest.fixture
def roles(haile):
    """The coordinator of the Haile family, a team lead of their team, a privacy officer."""
    family = haile["family"]
    coordinator = haile["coordinator"]
    team = factories.TeamFactory(organisation=coordinator.organisation, name="Team Kanaleneiland")
    coordinator.team = team
    coordinator.save()
    lead = factories.ProfessionalFactory(
        role=ProfessionalRole.TEAM_LEAD,
        organisation=coordinator.organisation,
        team=team,
        user__first_name="Fatima",
        user__last_name="El Idrissi-van den Heuvel",
    )
    officer = factories.ProfessionalFactory(
        role=ProfessionalRole.PRIVACY_OFFICER,
        organisation__name="Gemeente Utrecht, Functionaris Gegevensbescherming",
        user__first_name="Pieter",
        user__last_name="Verhoeven",
    )
    # Long content that must wrap rather than widen the page.
    factories.NetworkMemberFactory(family=family, name=LONG_WORD, availability=LONG_WORD)
    factories.FamilyEventFactory(family=family, params={"text": f"{LONG_WORD} {LONG_WORD}"})
    delivering = factories.ProfessionalFactory(
        role=ProfessionalRole.SIGNAL_DELIVERY,
        organisation=factories.OrganisationFactory(kind="woningcorporatie"),
    )
    return {
        "coordinator": coordinator,
        "team_lead": lead,
        "privacy_officer": officer,
        "signal_delivery": delivering,
    }
