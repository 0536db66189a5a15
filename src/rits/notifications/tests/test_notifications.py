"""Notifications: written after commit, said in the reader's language, a person's own
only, the header's count in one query, and the page (paged, mark read, e-mail choice)."""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone, translation

from rits.notifications import kinds, selectors, services
from rits.notifications.context_processors import notifications as count_context
from rits.notifications.models import EmailChoice, Notification, NotificationPreference
from rits.notifications.services import Notice
from tests import factories

pytestmark = pytest.mark.django_db

# A kind of our own, so that these tests do not depend on an app's wording.
kinds.register("test.work", lambda p: translation.gettext("Alerts") + f": {p['n']}")


def notice(*users, crisis=False, **kw) -> Notice:
    return Notice(
        kind="test.work",
        recipient_ids=[u.pk for u in users],
        params={"n": 3},
        url_name="worklist:inbox",
        family_id=42,
        crisis=crisis,
        **kw,
    )


@pytest.fixture
def tell(django_capture_on_commit_callbacks):
    """``notify`` as a committed transaction ends (tests run inside one)."""

    def _tell(*notices):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(notices)

    return _tell


@pytest.fixture
def person():
    return factories.ProfessionalFactory().user


def test_notify_writes_once_the_transaction_commits(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.notify([notice(person, person)])  # named twice: told once
            assert not Notification.objects.exists()
    [row] = Notification.objects.all()
    assert (row.recipient, row.kind, row.params, row.family_id) == (
        person,
        "test.work",
        {"n": 3},
        42,
    )
    assert row.read_at is None and row.url_name == "worklist:inbox"


def test_nothing_is_said_of_work_rolled_back(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                services.notify([notice(person)])
                raise RuntimeError("the work failed")
    assert not Notification.objects.exists()


def test_a_notice_to_nobody_writes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify([notice()])
    assert callbacks == [] and not Notification.objects.exists()


def test_the_text_is_said_at_read_time_in_the_readers_language(person, tell):
    tell(notice(person))
    for language, word in (("nl", "Signaleringen: 3"), ("en", "Alerts: 3")):
        with translation.override(language):
            [line] = selectors.notifications_page(user=person, number=1).object_list
        assert line.text == word
    assert line.href == "/inbox/"


def test_a_kind_nobody_declares_or_with_old_parameters_still_shows(person):
    Notification.objects.create(recipient=person, kind="gone.kind", url_name="gone:page")
    Notification.objects.create(recipient=person, kind="test.work", params={})
    with translation.override("en"):
        lines = selectors.notifications_page(user=person, number=1).object_list
    assert [(line.text, line.href) for line in lines] == [("A notification", "")] * 2


def test_the_header_count_is_one_query_of_unread_own_notifications(
    person, rf, django_assert_num_queries, tell
):
    other = factories.ProfessionalFactory().user
    tell(notice(person, other), notice(person))
    services.mark_read(
        user=person, notification_id=Notification.objects.filter(recipient=person).first().pk
    )
    request = rf.get("/")
    request.user = person
    person.professional  # noqa: B018  (loaded once per request by the core context anyway)
    with django_assert_num_queries(1):
        assert count_context(request) == {"unread_notifications": 1}


def test_someone_without_a_professional_gets_no_count(rf):
    user = factories.UserFactory()
    request = rf.get("/")
    request.user = user
    assert count_context(request) == {}


# --- the page ------------------------------------------------------------------------------


@pytest.fixture
def page(person, as_user):
    return as_user(person)


def test_the_page_lists_own_notifications_and_the_header_counts_them(person, page, tell):
    other = factories.ProfessionalFactory().user
    tell(notice(person, crisis=True), notice(other))
    response = page.get("/meldingen/", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count("Alerts: 3") == 2  # the line and its "Mark read" button's name
    assert "rits-count" in text and '>1<span class="rits-visually-hidden"> unread' in text
    assert "crisis" in text


def test_mark_read_and_mark_all_read(person, page, tell):
    tell(notice(person), notice(person), notice(person))
    first = Notification.objects.filter(recipient=person).first()
    response = page.post(f"/meldingen/{first.pk}/gelezen/", {"next": "/meldingen/?page=1"})
    assert response.status_code == 302 and response["Location"] == "/meldingen/?page=1"
    first.refresh_from_db()
    assert first.read_at is not None
    assert selectors.unread_count(person) == 2
    # elsewhere is not a place to go back to
    response = page.post("/meldingen/alles-gelezen/", {"next": "https://example.org/"})
    assert response["Location"] == "/meldingen/"
    assert selectors.unread_count(person) == 0


def test_someone_elses_notification_is_not_found_and_stays_unread(person, page, tell):
    other = factories.ProfessionalFactory().user
    tell(notice(other))
    theirs = Notification.objects.get()
    assert page.post(f"/meldingen/{theirs.pk}/gelezen/").status_code == 404
    assert page.post("/meldingen/999999/gelezen/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Alerts: 3" not in page.get("/meldingen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_list_is_paged_with_the_pagination_component(person, page):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            kind="test.work",
            params={"n": n},
            created_at=now - datetime.timedelta(minutes=n),
        )
        for n in range(selectors.PAGE_SIZE + 3)
    )
    first = page.get("/meldingen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Alerts: 0<" in first and f"Alerts: {selectors.PAGE_SIZE}<" not in first
    assert 'aria-label="Pages of notifications"' in first and 'rel="next"' in first
    second = page.get("/meldingen/?page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Alerts: {selectors.PAGE_SIZE + 2}<" in second and "Alerts: 0<" not in second
    # a page that is no number is the first, one out of range the last
    assert page.get("/meldingen/?page=x").status_code == 200
    assert (
        "Alerts: 0<" in page.get("/meldingen/?page=x", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert page.get("/meldingen/?page=99").status_code == 200


def test_the_email_choice_is_saved_and_a_wrong_one_is_refused(person, page):
    response = page.post("/meldingen/e-mail/", {"email": EmailChoice.CRISIS_AND_DIGEST})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=person).email == EmailChoice.CRISIS_AND_DIGEST
    text = page.get("/meldingen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<input[^>]*value="crisis_and_digest"[^>]*checked', text)
    response = page.post("/meldingen/e-mail/", {"email": "<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    assert NotificationPreference.objects.get(user=person).email == EmailChoice.CRISIS_AND_DIGEST


def test_the_page_needs_a_login(client):
    response = client.get("/meldingen/")
    assert response.status_code == 302 and "/login" in response["Location"]
