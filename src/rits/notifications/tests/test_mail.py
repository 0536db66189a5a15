"""The e-mails, delivered to a real SMTP server started by the test (aiosmtpd): the
immediate message for crisis items and the daily summary, each to whom chose it, and
never a word about the family."""

import datetime
import email
import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from rits.notifications import kinds, services
from rits.notifications.models import DigestSent, EmailChoice, Notification
from rits.notifications.services import Notice
from tests import factories

pytestmark = pytest.mark.django_db

kinds.register("test.mail", lambda p: "Nieuw werk")


class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Rits <rits@regio.example>"
    settings.RITS_BASE_URL = "https://rits.regio.example"
    settings.LANGUAGE_CODE = "en"  # the region's language, in which the e-mails are written
    yield inbox
    controller.stop()


@pytest.fixture
def family():
    return factories.FamilyFactory(name="Gezin Haile")


def person(choice):
    user = factories.ProfessionalFactory().user
    if choice is not None:
        services.set_email_choice(user=user, email=choice)
    return user


def tell(capture, *users, crisis, family):
    with capture(execute=True):
        services.notify(
            [
                Notice(
                    kind="test.mail",
                    recipient_ids=[u.pk for u in users],
                    family_id=family.pk,
                    crisis=crisis,
                )
            ]
        )


def _text(message) -> str:
    return message["Subject"] + "\n" + message.get_payload(decode=True).decode()


def test_a_crisis_item_is_mailed_at_once_to_who_chose_it(
    smtp, family, django_capture_on_commit_callbacks
):
    urgent = person(EmailChoice.CRISIS_AND_DIGEST)
    daily, never, default = (person(EmailChoice.DIGEST), person(EmailChoice.NONE), person(None))
    tell(
        django_capture_on_commit_callbacks,
        urgent,
        daily,
        never,
        default,
        crisis=True,
        family=family,
    )
    [(recipients, message)] = smtp.received
    assert recipients == [urgent.email]
    assert message["To"] == urgent.email and message["From"] == "Rits <rits@regio.example>"
    assert message["Subject"] == "Rits: an urgent item needs you"
    text = _text(message)
    assert "https://rits.regio.example/meldingen/" in text
    assert "Haile" not in text and family.reference not in text
    # everyone has it in the app
    assert Notification.objects.filter(crisis=True).count() == 4


def test_nothing_is_mailed_at_once_for_other_items(
    smtp, family, django_capture_on_commit_callbacks
):
    tell(
        django_capture_on_commit_callbacks,
        person(EmailChoice.CRISIS_AND_DIGEST),
        crisis=False,
        family=family,
    )
    assert smtp.received == []


def test_the_daily_summary_goes_once_to_who_wants_it(
    smtp, family, django_capture_on_commit_callbacks
):
    urgent, daily, default = (
        person(EmailChoice.CRISIS_AND_DIGEST),
        person(EmailChoice.DIGEST),
        person(None),
    )
    never, nothing_new = person(EmailChoice.NONE), person(EmailChoice.DIGEST)
    tell(
        django_capture_on_commit_callbacks,
        urgent,
        daily,
        default,
        never,
        crisis=False,
        family=family,
    )
    tell(django_capture_on_commit_callbacks, daily, crisis=False, family=family)
    # read ones and those of another day do not count
    Notification.objects.create(recipient=default, kind="test.mail", read_at=timezone.now())
    Notification.objects.create(
        recipient=nothing_new,
        kind="test.mail",
        created_at=timezone.now() - datetime.timedelta(days=2),
    )
    today = timezone.localdate()

    report = services.send_digests(today)
    assert (report.sent, report.already_sent, report.failed) == (3, 0, 0)
    by_recipient = {tuple(r): m for r, m in smtp.received}
    assert set(by_recipient) == {(urgent.email,), (daily.email,), (default.email,)}
    assert by_recipient[(daily.email,)]["Subject"] == "Rits: 2 new notifications"
    assert by_recipient[(urgent.email,)]["Subject"] == "Rits: 1 new notification"
    for message in by_recipient.values():
        text = _text(message)
        assert "Haile" not in text and family.reference not in text
        assert "https://rits.regio.example/meldingen/" in text

    # again (a second scheduler, a rerun): nothing more
    again = services.send_digests(today)
    assert (again.sent, again.already_sent) == (0, 3)
    assert len(smtp.received) == 3
    assert DigestSent.objects.filter(day=today).count() == 3


def test_a_summary_that_could_not_be_sent_is_tried_again(
    settings, family, django_capture_on_commit_callbacks, smtp
):
    daily = person(EmailChoice.DIGEST)
    tell(django_capture_on_commit_callbacks, daily, crisis=False, family=family)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, _free_port()  # nobody listens there
    report = services.send_digests(timezone.localdate())
    assert (report.sent, report.failed) == (0, 1)
    assert not DigestSent.objects.exists()
    settings.EMAIL_PORT = port
    assert services.send_digests(timezone.localdate()).sent == 1
    assert [r for r, _m in smtp.received] == [[daily.email]]
