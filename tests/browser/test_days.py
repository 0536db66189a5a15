"""A day's work per role (issue 11), driven as a keyboard or screen-reader user would:
by the labels of fields and the names of buttons and links. Every page on the way passes
axe and fits a 390 px phone (``check_page``), and the outcome is read from the page.

The pages are in Dutch (the browser asks for nl-NL); ``nl()`` gives a string as the page
shows it, so the test follows the translations instead of repeating them."""

import base64
import csv
import datetime
import io
import re

from django.core import mail
from django.test import Client
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from rits.families.models import Family, Membership
from rits.organisations.models import OrganisationKind, ProfessionalRole
from tests import factories
from tests.auth import login_verified
from tests.browser.conftest import totp_token


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
    return scope.get_by_label(re.compile(rf"^{re.escape(nl(label))}:?(\s*\(.*\))?:?$", re.I))


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


# --- the team lead ----------------------------------------------------------------------


def test_a_team_leads_day(page, haile, roles, log_in_as, check_page):
    log_in_as(roles["team_lead"])
    page.goto("/")
    caseload = page.locator("#team-caseload")
    expect(caseload).to_contain_text("Team Kanaleneiland")
    row = caseload.get_by_role("row").filter(has_text="Noor de Wit")
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")  # Haile and Bakker
    check_page(page, "the team lead's start page with the caseload")
    _follow(caseload.get_by_role("link", name=nl("To the team's alerts")))
    check_page(page, "the team's alerts")


# --- the privacy officer ------------------------------------------------------------------


def _look_at(professional, family) -> None:
    client = Client()
    login_verified(client, professional.user)
    assert client.get(f"/families/{family.pk}/").status_code == 200


def test_a_privacy_officers_day(page, haile, roles, log_in_as, check_page):
    family, worker = haile["family"], haile["worker"]
    _look_at(haile["coordinator"], family)
    _look_at(worker, family)
    log_in_as(roles["privacy_officer"])
    page.goto("/")
    _follow(
        page.get_by_role("navigation", name=nl("Main menu")).get_by_role(
            "link", name=nl("Privacy workspace")
        )
    )
    check_page(page, "the privacy workspace")
    main = _main(page)
    _field(main, "The family's reference").fill(family.reference)
    _button(page, "Open the access log").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(family.name)
    check_page(page, "the family's access log")
    log = page.locator("#access-log")
    expect(log).to_contain_text(worker.name)

    _field(main, "Person").fill("de Wit")
    _button(page, "Filter").click()
    page.wait_for_url(re.compile(r"person=de\+Wit"))
    check_page(page, "the filtered access log")
    expect(log).to_contain_text("Noor de Wit")
    expect(log).not_to_contain_text(worker.name)
    shown = log.locator("tbody tr").count()

    with page.expect_download() as info:
        _link(page, "Download these lines (CSV, all pages)").click()
    download = info.value
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    header, lines = rows[0], rows[1:]
    assert header[1] == nl("Who")
    assert lines and len(lines) == shown
    assert {line[1] for line in lines} == {"Noor de Wit"}, lines


# --- the administrator --------------------------------------------------------------------


def test_an_administrators_day(
    page, chromium, live_server, transactional_db, log_in_as, check_page
):
    organisation = factories.OrganisationFactory(
        kind=OrganisationKind.WIJKTEAM, name="Buurtteam Overvecht"
    )
    log_in_as(factories.ProfessionalFactory(role=ProfessionalRole.ADMINISTRATOR))
    page.goto("/")
    check_page(page, "the administrator's start page")
    page.goto("/admin/")
    check_page(page, "the administration")
    page.goto("/admin/organisations/professional/add/")
    check_page(page, "the invitation form")
    main = page.locator("#content")
    _field(main, "First name").fill("Sara")
    _field(main, "Last name").fill("Boukhari")
    _field(main, "Work email address").fill("sara.boukhari@overvecht.example.nl")
    main.get_by_label(re.compile(r"organisati", re.I)).first.select_option(label=organisation.name)
    main.get_by_label(re.compile(r"^rol", re.I)).first.select_option(
        value=ProfessionalRole.COORDINATOR
    )
    main.get_by_role("button", name=re.compile(r"^" + nl("Save"), re.I)).first.click()
    page.wait_for_load_state()
    check_page(page, "the administration after the invitation")

    (message,) = mail.outbox
    assert message.to == ["sara.boukhari@overvecht.example.nl"]
    link = re.search(r"https?://\S+?(/login/welcome/\S+/)", message.body).group(1)

    # Sara opens the link on her own computer.
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    context.set_default_timeout(10_000)
    sara = context.new_page()
    sara.goto(link)
    check_page(sara, "the page to choose a password")
    password = "een lange zin als wachtwoord voor Sara"
    sara.locator("input[name=new_password1]").fill(password)
    sara.locator("input[name=new_password2]").fill(password)
    sara.get_by_role("main").locator("button[type=submit]").click()
    sara.wait_for_url(re.compile(r"/login/$"))
    check_page(sara, "the login page after choosing a password")

    sara.locator("#id_username").fill("sara.boukhari@overvecht.example.nl")
    sara.locator("#id_password").fill(password)
    sara.get_by_role("main").locator("button[type=submit]").click()
    sara.wait_for_url(re.compile(r"/login/setup/"))
    check_page(sara, "the second-factor set-up")
    key = sara.get_by_role("main").locator("code").inner_text().strip()
    sara.locator("#id_token").fill(totp_token(base64.b32decode(key)))
    sara.get_by_role("main").locator("button[type=submit]").click()
    sara.wait_for_url(lambda url: "/login/" not in url)
    expect(sara.get_by_role("banner")).to_contain_text("Sara Boukhari")
    check_page(sara, "Sara's first page")
    assert TOTPDevice.objects.get(user__email="sara.boukhari@overvecht.example.nl").confirmed
    context.close()
