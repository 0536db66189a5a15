"""The portal in seven languages: a switch that remembers the choice, Arabic right to
left, and never a message shown without its translation. The professionals' pages stay
Dutch or English, whatever the portal or the browser asked for."""

import datetime
import io

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import check_for_language, get_language_info
from django.utils.translation.trans_real import translation as catalog_of

from rits.audit import catalogue
from rits.families.models import LegalBasis
from rits.plans import services as plan_services
from rits.plans.models import AgreementStatus
from rits.plans.tests.factories import add_goal, agree, change
from rits.portal import messages
from rits.portal.tests.factories import CitizenAccountFactory
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

PAGES = ("portal:plan", "portal:involved", "portal:coming-up", "portal:who-looked")
TRANSLATED = ("ar", "tr", "ti", "pl", "uk")
# Dutch comes from the project's catalog (src/rits/locale/nl, `make messages`).
LANGUAGES = (*TRANSLATED, "nl")


@pytest.fixture
def full_plan(plan_setup):
    """A mother's family with everything the portal can show: goals, an agreement of each
    status, a crisis plan, an involvement on each legal basis and lines in the access log."""
    setup = plan_setup
    family, mother = setup["family"], setup["mother"]
    goal = add_goal(setup, "Dat Yonas veilig thuis kan blijven wonen", ["domestic_relations"])
    for n, status in enumerate(AgreementStatus.values):
        change(
            setup,
            "coordinator",
            plan_services.add_agreement,
            data=plan_services.AgreementData(
                action=f"Afspraak {status}",
                owner=f"person:{mother.pk}",
                due_date=timezone.localdate() + datetime.timedelta(days=n + 1),
                domains=["finances"],
                goal_id=goal.pk if n % 2 else None,
                status=status,
                status_note="Anders afgesproken" if status != AgreementStatus.OPEN else "",
            ),
        )
    agree(setup, "Betalingsregeling afspreken", f"professional:{setup['housing'].pk}", ["housing"])
    change(
        setup,
        "coordinator",
        plan_services.add_crisis_contact,
        name="Hiwet",
        relation="vriendin",
        phone="06 11112222",
        is_trusted_person=True,
    )
    change(
        setup,
        "coordinator",
        plan_services.update_plan_details,
        review_date=timezone.localdate() + datetime.timedelta(days=20),
        family_group_plan_status="not_offered",
        family_group_plan_date=None,
        family_group_plan_text="",
    )
    for basis in LegalBasis.values:
        factories.InvolvementFactory(family=family, legal_basis=basis, domains=["housing"])
    # the coordinator's reads and writes above are in the access log; and the mother's own
    login = CitizenAccountFactory(person=mother).user
    return {**setup, "login": login}


def _pages(client, setup, language):
    """The four pages in ``language``, three days on: the open agreement is past its date."""
    family_id = setup["family"].pk
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        client.force_login(setup["login"])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return {name: client.get(reverse(name, kwargs={"family_id": family_id})) for name in PAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_shows_a_message_without_its_translation(full_plan, client, language):
    _pages(client, full_plan, language)  # the first visit writes the access log's lines
    with messages.recorded_lookups() as seen:
        pages = _pages(client, full_plan, language)

    assert {p.status_code for p in pages.values()} == {200}
    looked_up = {(s.msgid, s.context) for s in seen if s.language == language}
    assert len(looked_up) > 40
    assert len(pages["portal:who-looked"].context["lines"]) > 5
    catalog = catalog_of(language)._catalog
    missing = sorted(
        msgid
        for msgid, context in looked_up
        if not catalog.get(f"{context}\x04{msgid}" if context else msgid)
    )
    assert missing == []
    for page in pages.values():
        assert f'lang="{language}"' in page.content.decode()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_the_portal_may_show_has_its_translation(language):
    """Also what the pages above did not happen to show: every declared event's sentence
    in "who looked at our file", every legal basis, life domain and status."""
    catalog = catalog_of(language)._catalog
    missing = [
        m.msgid
        for m in messages.portal_messages()
        if not catalog.get(f"{m.context}\x04{m.msgid}" if m.context else m.msgid)
    ]
    assert missing == []
    for event in catalogue.event_types():
        if event.access_log:
            with translation.override("en"):
                english = str(event.access_log)
            with translation.override(language):
                assert str(event.access_log) != english, event.code


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_committed_catalogs_are_up_to_date(language):
    """A new portal message, or a new event, needs its translations: `make portal-messages`
    adds it to the catalogs, a translator fills it in."""
    catalog = messages.build_catalog(language, messages.portal_messages())

    assert messages.render_po(catalog) == messages.po_path(language).read_bytes()
    assert messages.po_path(language).with_suffix(".mo").read_bytes() == messages.render_mo(catalog)


def test_the_project_catalog_has_the_portal_messages_in_dutch():
    assert messages.missing_from_project_catalog(messages.portal_messages(), "nl") == []


def test_the_command_checks_the_catalogs(tmp_path, monkeypatch):
    """--check fails on a message without a translation, and names it."""
    monkeypatch.setattr(messages, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(messages, "PROJECT_CATALOG_LANGUAGES", set())
    call_command("portal_messages", stdout=io.StringIO())  # writes empty catalogs
    po = messages.po_path("tr").read_text(encoding="utf-8")
    assert "# needs review by a native speaker" in po
    assert 'msgctxt "agreement status"\nmsgid "Open"\nmsgstr ""' in po

    with pytest.raises(CommandError, match="tr: no translation for 'Past its date'"):
        call_command("portal_messages", "--check", stdout=io.StringIO())


def test_the_arabic_page_reads_right_to_left_and_tigrinya_is_named_in_ge_ez(full_plan, client):
    arabic = _pages(client, full_plan, "ar")["portal:plan"].content.decode()
    tigrinya = _pages(client, full_plan, "ti")["portal:plan"].content.decode()

    assert '<html lang="ar" dir="rtl"' in arabic
    assert '<html lang="ti" dir="ltr"' in tigrinya
    assert check_for_language("ti")
    assert get_language_info("ti")["name_local"] == "ትግርኛ"
    # the switch names each language in itself, in its own direction
    assert 'lang="ti" dir="ltr"' in arabic and ">ትግርኛ<" in arabic
    assert 'value="ar" lang="ar" dir="rtl"' in tigrinya and ">العربيّة<" in tigrinya


def test_the_switch_remembers_tigrinya_and_goes_back_to_dutch(full_plan, client):
    client.force_login(full_plan["login"])
    plan_url = reverse("portal:plan", kwargs={"family_id": full_plan["family"].pk})

    chosen = client.post(reverse("set_language"), {"language": "ti", "next": plan_url})

    assert chosen.status_code == 302 and chosen.url == plan_url
    cookie = chosen.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ti" and int(cookie["max-age"]) >= 300 * 24 * 3600
    page = client.get(plan_url).content.decode()
    assert '<html lang="ti"' in page
    assert "መደብና" in page  # "Our plan" in Tigrinya: the nav and the heading
    back = client.post(reverse("set_language"), {"language": "nl", "next": plan_url})
    assert back.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert '<html lang="nl"' in client.get(plan_url).content.decode()


@pytest.mark.parametrize("asked", ["ar", "ti", "uk"])
def test_a_citizen_who_chose_a_portal_language_reads_professional_pages_in_dutch(client, asked):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = asked

    page = client.get(reverse("core:login"))

    assert '<html lang="nl"' in page.content.decode()


def test_a_professional_whose_browser_asks_for_turkish_gets_dutch_or_english(plan_setup, client):
    login_verified(client, plan_setup["coordinator"].user)
    overview = reverse("families:overview", args=[plan_setup["family"].pk])

    turkish = client.get(overview, headers={"accept-language": "tr"}).content.decode()
    then_english = client.get(overview, headers={"accept-language": "tr, en;q=0.8"})

    assert '<html lang="nl"' in turkish
    assert '<html lang="en"' in then_english.content.decode()


def test_the_professionals_switch_lists_only_dutch_and_english(client):
    text = client.get(reverse("core:login")).content.decode()

    assert 'name="language" value="en"' in text
    for code in ("ar", "tr", "ti", "pl", "uk"):
        assert f'name="language" value="{code}"' not in text


def test_the_portal_switch_lists_the_seven_each_in_its_own_language(full_plan, client):
    text = _pages(client, full_plan, "en")["portal:plan"].content.decode()

    for name in ("Nederlands", "العربيّة", "Türkçe", "ትግርኛ", "polski", "Українська"):
        assert f">{name}<" in text
    assert 'name="language" value="en"' not in text  # the language you read is not offered


def test_the_portal_follows_the_browser_into_a_portal_language(full_plan, client):
    client.force_login(full_plan["login"])
    plan_url = reverse("portal:plan", kwargs={"family_id": full_plan["family"].pk})

    page = client.get(plan_url, headers={"accept-language": "pl"})

    assert '<html lang="pl"' in page.content.decode()


def test_who_looked_names_the_reader_in_the_third_person_the_sentence_needs(full_plan, client):
    """ "Selam Haile (siz) ... baktı", not "Siz ... baktı": the access-log sentences have their
    verb in the third person, which Turkish (like Arabic, Polish, ...) makes agree."""
    pages = _pages(client, full_plan, "tr")  # the mother's own reads are in the log now
    pages = _pages(client, full_plan, "tr")

    text = pages["portal:who-looked"].content.decode()

    assert "<bdi>Selam Haile (siz)</bdi>" in text
    assert "aile portalında plana baktı" in text
