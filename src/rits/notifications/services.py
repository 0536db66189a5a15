"""Every write of notifications.

``notify`` is how an app tells people about work: it writes after the transaction that
made the work commits (nothing is said of something rolled back), in bulk, and sends the
immediate e-mail for crisis items to whoever chose it. ``send_digests`` sends the daily
summaries, each person's at most once per day. The rest is what a person does on the
notifications page: mark read, mark all read, choose their e-mail."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from rits.core import db
from rits.notifications import mail
from rits.notifications.models import (
    DEFAULT_EMAIL,
    DIGEST_CHOICES,
    DigestSent,
    EmailChoice,
    Notification,
    NotificationPreference,
)
from rits.organisations.models import User

logger = logging.getLogger(__name__)

INSERT_BATCH = 1000


@dataclass(frozen=True)
class Notice:
    """One thing to tell some people: a kind (declared in the sending app's
    ``notices.py``) with its parameters, where it leads, and whether it is a crisis.
    ``family_id`` is kept as a plain id; the notice must say nothing about the family."""

    kind: str
    recipient_ids: Sequence[int]
    params: dict = field(default_factory=dict)
    url_name: str = ""
    url_args: Sequence = ()
    family_id: int | None = None
    crisis: bool = False


def notify(notices: Iterable[Notice]) -> None:
    """Tell the recipients of ``notices``, once the current transaction commits (at once
    outside one). A failure to notify is logged and never undoes the work itself."""
    notices = [n for n in notices if n.recipient_ids]
    if notices:
        transaction.on_commit(partial(_deliver, notices), robust=True)


# The columns ``_deliver`` fills; ``read_at`` stays empty (unread).
_COLUMNS = (
    "recipient_id",
    "kind",
    "params",
    "url_name",
    "url_args",
    "family_id",
    "crisis",
    "created_at",
)


def _deliver(notices: list[Notice]) -> None:
    now = timezone.now()
    rows = [
        (
            user_id,
            notice.kind,
            notice.params,
            notice.url_name,
            list(notice.url_args),
            notice.family_id,
            notice.crisis,
            now,
        )
        for notice in notices
        for user_id in dict.fromkeys(notice.recipient_ids)
    ]
    # Plain rows, by COPY on PostgreSQL: the rules tell of thousands of alerts at once,
    # and a model instance per notification cost ten times what storing it does.
    db.write_rows(
        Notification,
        _COLUMNS,
        rows,
        json_fields=frozenset({"params", "url_args"}),
        batch_size=INSERT_BATCH,
    )
    recipient, crisis = _COLUMNS.index("recipient_id"), _COLUMNS.index("crisis")
    crises = Counter(row[recipient] for row in rows if row[crisis])
    if crises:
        _send_crisis_mails(crises)


def _mail_to(user_ids: Iterable[int], choices: Sequence[str]) -> dict[int, str]:
    """The e-mail address of each of these active users whose choice is one of
    ``choices`` (who never chose has the default)."""
    chose = Q(notification_preference__email__in=choices)
    if DEFAULT_EMAIL in choices:
        chose |= Q(notification_preference__isnull=True)
    return dict(
        User.objects.filter(chose, pk__in=list(user_ids), is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )


def _send_crisis_mails(crises: Counter) -> None:
    addresses = _mail_to(crises, [EmailChoice.CRISIS_AND_DIGEST])
    if not addresses:
        return
    messages = [mail.crisis(address, crises[pk]) for pk, address in addresses.items()]
    try:
        get_connection().send_messages(messages)
    except OSError as exc:  # SMTP and socket errors; the notifications are in the app
        logger.error("crisis e-mails not sent: %s", type(exc).__name__)


# --- the daily summary ------------------------------------------------------------------------


@dataclass
class DigestReport:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def send_digests(day: date) -> DigestReport:
    """Send each person who wants a daily summary the number of notifications that came
    to them on ``day`` (local time) and that they have not read yet; nothing to whom
    nothing came. Idempotent: a person's summary of a day is recorded in the transaction
    that sends it (a unique constraint), so a rerun or a second scheduler sends nothing
    twice, and one whose sending failed is tried again by the next run."""
    start, end = _day_bounds(day)
    counts = dict(
        Notification.objects.filter(created_at__gte=start, created_at__lt=end, read_at=None)
        .values_list("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    addresses = _mail_to(counts, DIGEST_CHOICES)
    already = set(
        DigestSent.objects.filter(day=day, user_id__in=list(addresses)).values_list(
            "user_id", flat=True
        )
    )
    report = DigestReport(already_sent=len(already))
    connection = get_connection()
    for user_id, address in sorted(addresses.items()):
        if user_id in already:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(user_id=user_id, day=day, notifications=counts[user_id])
                connection.send_messages([mail.digest(address, counts[user_id])])
        except IntegrityError:
            report.already_sent += 1  # another scheduler sent it meanwhile
        except OSError as exc:
            logger.error("digest e-mail not sent: %s", type(exc).__name__)
            report.failed += 1
        else:
            report.sent += 1
    connection.close()
    return report


# --- what a person does ----------------------------------------------------------------------


def mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; another's is not found (404)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(recipient=user, pk=notification_id)
        ).first()
        if notification is None:
            raise Http404
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


def set_email_choice(*, user, email: str) -> NotificationPreference:
    """The user's choice of e-mail (``EmailChoice``)."""
    if email not in EmailChoice.values:
        raise ValueError(email)
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email}
    )
    return preference
