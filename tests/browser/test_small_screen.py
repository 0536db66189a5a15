"""A 390 px wide phone (issue 11): no page scrolls sideways, the header menu folds away
behind "Menu", and every page passes axe at that width and at desktop width."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, DOCUMENT_WIDTH, PHONE  # noqa: F401


def _family_pages(family_id: int) -> list[str]:
    return [
        reverse("families:overview", args=[family_id]),
        reverse("plans:plan", args=[family_id]),
        reverse("plans:details", args=[family_id]),
        reverse("plans:compare", args=[family_id]),
        reverse("families:add-member", args=[family_id]),
        reverse("families:record-contact", args=[family_id]),
        reverse("access:access-log", args=[family_id]),
    ]


def _menu_links(page) -> list[str]:
    return page.eval_on_selector_all(
        "nav.rits-nav a", "links => links.map(a => a.getAttribute('href'))"
    )


def _check(page, path, check_page, *, allow_status=(200,)):
    page.set_viewport_size(PHONE)
    response = page.goto(path)
    assert response.status in allow_status, f"{path}: {response.status}"
    check_page(page, path)


@pytest.mark.parametrize("role", ["coordinator", "team_lead", "privacy_officer", "signal_delivery"])
def test_every_page_fits_a_phone_and_passes_axe(page, haile, roles, role, log_in_as, check_page):
    professional = roles[role]
    log_in_as(professional)
    page.set_viewport_size(PHONE)
    page.goto("/")
    paths = ["/", *_menu_links(page), reverse("worklist:inbox"), reverse("notifications:list")]
    family_id = haile["family"].pk
    if role == "coordinator":
        paths += _family_pages(family_id) + [
            reverse("worklist:inbox-team"),
            reverse("families:pending-involvements"),
            # The families not looked at lately; a search without result offers
            # emergency access, and its page.
            "/?not_looked_at=1",
            "/?q=Nobody",
            reverse("access:emergency-access"),
        ]
    elif role == "team_lead":
        paths += [reverse("worklist:inbox-team")]
    elif role == "privacy_officer":
        paths += [
            reverse("access:access-log", args=[family_id]),
            reverse("access:review-list"),
            reverse("access:privacy") + "?reference=NO-SUCH",
        ]
    seen = set()
    for path in paths:
        if path not in seen:
            seen.add(path)
            _check(page, path, check_page)
    assert len(seen) >= 4


def test_the_login_page_fits_a_phone(page, transactional_db, check_page):
    _check(page, reverse("core:login"), check_page)


def test_the_header_menu_folds_behind_a_button_on_a_phone(page, haile, log_in_as):
    log_in_as(haile["coordinator"])
    page.set_viewport_size(PHONE)
    page.goto("/")
    toggle = page.locator("summary.rits-menu__toggle")
    menu_link = page.locator("nav.rits-nav a").first
    expect(toggle).to_be_visible()
    expect(menu_link).to_be_hidden()
    assert page.evaluate("document.querySelector('[data-rits-menu]').open") is False

    # Keyboard: Tab to "Menu" (after the skip link and the logo), Enter opens, Escape closes.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(menu_link).to_be_visible()
    assert page.evaluate(DOCUMENT_WIDTH) <= PHONE["width"]
    menu_link.focus()
    page.keyboard.press("Escape")
    expect(menu_link).to_be_hidden()
    expect(toggle).to_be_focused()

    # On a wide screen the menu is open and the button is gone.
    page.set_viewport_size(DESKTOP)
    expect(menu_link).to_be_visible()
    expect(toggle).to_be_hidden()


def test_without_javascript_the_menu_stays_open(chromium, live_server, haile):
    from django.conf import settings
    from django.test import Client

    from tests.auth import login_verified

    context = chromium.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE, locale="nl-NL"
    )
    client = Client()
    login_verified(client, haile["coordinator"].user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.goto("/")
    expect(page.locator("nav.rits-nav a").first).to_be_visible()
    # page.evaluate still runs (Playwright's own scripts), the page's do not.
    assert page.evaluate(DOCUMENT_WIDTH) <= PHONE["width"]
    context.close()


def test_the_bundled_fonts_load_under_the_content_security_policy(page, haile, log_in_as):
    log_in_as(haile["coordinator"])
    blocked = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto("/")
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Noto Sans" in family for family in loaded), loaded
    assert any("Noto Serif" in family for family in loaded), loaded  # the h1
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert family.startswith('"Noto Sans"'), family
    assert not blocked, blocked
