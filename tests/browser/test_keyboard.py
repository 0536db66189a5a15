"""Keyboard-only use: the first Tab reaches the skip link, which moves focus to the content."""

from playwright.sync_api import expect

ACTIVE_ELEMENT = "document.activeElement"


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, haile, log_in_as):
    log_in_as(haile["coordinator"])
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    skip_link = page.locator("a[href='#main']")
    expect(skip_link).not_to_be_in_viewport()  # out of sight until it gets focus

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # visible when focused, not only to screen readers

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.querySelector('main').contains({ACTIVE_ELEMENT})")
    # ... at its first control (since issue 11 the start page opens with "My work", so
    # that is no longer the search box)
    first = "document.querySelector('main').querySelector('a[href], button, input, select')"
    assert page.evaluate(f"{first} === {ACTIVE_ELEMENT}")
