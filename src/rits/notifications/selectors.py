"""Every read of notifications: a person reads only their own. Nothing here reads family
data; where a notification leads, access decides as always."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.urls import NoReverseMatch, reverse

from rits.notifications import kinds
from rits.notifications.models import DEFAULT_EMAIL, Notification, NotificationPreference

PAGE_SIZE = 25


def unread_count(user) -> int:
    """The number in the header: one query."""
    return Notification.objects.filter(recipient=user, read_at=None).count()


@dataclass(frozen=True)
class NotificationLine:
    id: int
    text: str
    href: str
    crisis: bool
    created_at: datetime
    read: bool


def _href(notification: Notification) -> str:
    if not notification.url_name:
        return ""
    try:
        return reverse(notification.url_name, args=notification.url_args)
    except NoReverseMatch:
        return ""  # a page that is gone: the notification still shows, without a link


def _line(notification: Notification) -> NotificationLine:
    return NotificationLine(
        id=notification.pk,
        text=kinds.text_of(notification.kind, notification.params),
        href=_href(notification),
        crisis=notification.crisis,
        created_at=notification.created_at,
        read=notification.read_at is not None,
    )


def notifications_page(*, user, number) -> Page:
    """One page of the user's notifications, newest first, said in the active language
    (a page number that is no number gives the first page, one out of range the last)."""
    page = Paginator(Notification.objects.filter(recipient=user), PAGE_SIZE).get_page(number)
    page.object_list = [_line(n) for n in page.object_list]
    return page


def email_choice(user) -> str:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.email if preference else DEFAULT_EMAIL
