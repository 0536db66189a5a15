"""A day's work per role (issue 11), driven as a keyboard or screen-reader user would:
by the labels of fields and the names of buttons and links. Every page on the way passes
axe and fits a 390 px phone (``check_page``), and the outcome is read from the page.

The pages are in Dutch (the browser asks for nl-NL); ``nl()`` gives a string as the page
shows it, so the test follows the translations instead of repeating them."""

import datetime
import re

from django.utils import translation
from playwright.sync_api import expect

from rits.families.models import Family, Membership


def nl(msgid: str, context: str | None = None) -> str:
    with translation.override("nl"):
        if context:
            return translation.pgettext(context, msgid)
        return translation.gettext(msgid)


def _main(page):
    return page.get_by_role("main")


def _button(page, name: str):
    return _main(page).get_by_role("button", name=nl(name), exact=True)


def _link(page, name: str):
    return _main(page).get_by_role("link", name=nl(name), exact=True)


def _follow(link) -> None:
    """Follow a link as a user would and wait for the page it leads to."""
    href = link.get_attribute("href")
    link.click()
    link.page.wait_for_url(re.compile(re.escape(href.split("#")[0]) + r"(#.*)?$"))


def _field(scope, label: str):
    """The field with this label, whether or not the label adds "(optional)"."""
    return scope.get_by_label(re.compile(rf"^{re.escape(nl(label))}(\s*\(.*\))?$"))


def _message(page):
    return page.locator(".rits-messages")


# --- the coordinator ------------------------------------------------------------------


def test_a_coordinators_day(page, haile, log_in_as, check_page):
    worker = haile["worker"]
    today = datetime.date.today()
    log_in_as(haile["coordinator"])

    # A new family: the file is started from My families.
    page.goto("/")
    check_page(page, "the coordinator's start page")
    _follow(_link(page, "Start a family's file"))
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Start a family's file"))
    check_page(page, "the form for a new family")
    main = _main(page)
    _field(main, "Name of the family").fill("Gezin Jansen")
    _field(main, "Street").fill("Amsterdamsestraatweg")
    _field(main, "House number").fill("301")
    _field(main, "Postcode").fill("3551 CD")
    _field(main, "City").fill("Utrecht")
    _field(main, "Legal basis").select_option(label=nl("Consent of the family"))
    _button(page, "Start the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gezin Jansen")
    expect(_message(page)).to_contain_text(nl("The family's file has been created."))
    family = Family.objects.get(name="Gezin Jansen")
    check_page(page, "the new family's overview")

    # Two members, one of them with a misspelt surname.
    for role, given, surname, born in [
        ("Parent", "Pieter", "Jnasen", "1988-02-14"),
        ("Child", "Sanne", "Jansen", "2015-09-30"),
    ]:
        _follow(_link(page, "Add a member"))
        if given == "Pieter":
            check_page(page, "the form for a member")
        _field(main, "Role in the family").select_option(label=nl(role))
        _field(main, "Given names").fill(given)
        _field(main, "Surname").fill(surname)
        _field(main, "Date of birth").fill(born)
        _button(page, "Save").click()
        expect(_message(page)).to_contain_text(nl("The member has been added."))
    members = page.locator("section", has=page.locator("#members-heading"))
    expect(members).to_contain_text("Pieter Jnasen")

    # The misspelt name is corrected; its history keeps what it was.
    _follow(members.get_by_role("link", name=f"{nl('Change')} Pieter Jnasen"))
    check_page(page, "the form to correct a member")
    surname = _field(main, "Surname")
    expect(surname).to_have_value("Jnasen")
    surname.fill("Jansen")
    _button(page, "Save").click()
    expect(_message(page)).to_contain_text(nl("The member's details have been saved."))
    expect(members).to_contain_text("Pieter Jansen")
    expect(members).not_to_contain_text("Jnasen")
    _follow(members.get_by_role("link", name=f"{nl('History')} Pieter Jansen"))
    expect(main).to_contain_text("Jnasen")
    check_page(page, "a member's history")
    page.go_back()

    # Sanne is removed by mistake, and the removal undone from the message that follows.
    _follow(members.get_by_role("link", name=f"{nl('Remove')} Sanne Jansen"))
    check_page(page, "the question whether to remove a member")
    _button(page, "Yes, remove").click()
    expect(_message(page)).to_contain_text("Sanne Jansen")
    expect(members).not_to_contain_text("Sanne Jansen")
    check_page(page, "the overview with 'Removed. Undo'")
    _button(page, "Undo").click()
    expect(_message(page)).to_contain_text(nl("The removal has been undone."))
    expect(members).to_contain_text("Sanne Jansen")
    _follow(_link(page, "Recently removed"))
    check_page(page, "the recently removed")
    page.go_back()

    # Another organisation becomes involved, with the professional who does the work.
    _follow(_link(page, "Add an involvement"))
    check_page(page, "the form for an involvement")
    _field(main, "Organisation").select_option(label=worker.organisation.name)
    _field(main, "Professional").select_option(label=f"{worker.name} ({worker.organisation.name})")
    _field(main, "Role").fill("Ambulante gezinsbegeleiding")
    _field(main, "Legal basis").select_option(label=nl("Jeugdwet"))
    main.get_by_role("checkbox", name=nl("Daily living skills")).check()
    _button(page, "Save").click()
    expect(_message(page)).to_contain_text(nl("The involvement has been added."))
    involvements = page.locator("section", has=page.locator("#involvements-heading"))
    expect(involvements).to_contain_text("Ambulante gezinsbegeleiding")
    expect(involvements).to_contain_text(worker.organisation.name)

    # The home visit of this morning goes on the timeline.
    _follow(_link(page, "Write on the timeline"))
    check_page(page, "the form to write on the timeline")
    main.get_by_role("radio", name=nl("Home visit")).check()
    expect(_field(main, "Date")).to_have_value(today.isoformat())
    _field(main, "Life domain").select_option(label=nl("Daily living skills"))
    _field(main, "What happened").fill(
        "Huisbezoek: Pieter en Sanne thuis gesproken over het ochtendritme."
    )
    _button(page, "Save").click()
    expect(_message(page)).to_contain_text(nl("It is on the timeline."))
    expect(main).to_contain_text("Pieter en Sanne thuis gesproken over het ochtendritme")

    # The coordination passes to the colleague, with a week of overlap.
    _follow(_link(page, "Hand over the coordination"))
    check_page(page, "the form to hand over the coordination")
    successor = _field(main, "Who takes over the coordination")
    successor.select_option(
        label=f"{worker.name} — {worker.organisation.name}, Ambulante gezinsbegeleiding"
    )
    _field(main, "Your last day as coordinator").fill(
        (today + datetime.timedelta(days=7)).isoformat()
    )
    _button(page, "Save").click()
    expect(_message(page)).to_contain_text(nl("The hand-over of the coordination is planned."))
    expect(_link(page, "Hand over the coordination")).to_have_count(0)
    check_page(page, "the overview after the hand-over")

    assert Membership.objects.filter(family=family, person__surname="Jansen").count() == 2
    assert family.involvements.filter(professional=worker, is_coordinator=True).exists()
