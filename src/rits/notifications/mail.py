"""The e-mails of notifications. They hold no family data, ever: e-mail is not a safe
channel. They say how many new items there are and link to the list; the reader logs in
to see what they are about. Written in the region's language (a person has no language
of their own yet)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _list_url() -> str:
    return settings.RITS_BASE_URL.rstrip("/") + reverse("notifications:list")


def _message(to: str, subject: str, body: str) -> EmailMessage:
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def _footer() -> str:
    return _(
        "For your privacy and that of the families, this e-mail says nothing about who it "
        "is about. You can choose which e-mails you get on the notifications page."
    )


def digest(to: str, count: int) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Rits: %(count)d new notification", "Rits: %(count)d new notifications", count
        ) % {"count": count}
        body = ngettext(
            "You have %(count)d new notification in Rits.",
            "You have %(count)d new notifications in Rits.",
            count,
        ) % {"count": count}
        login = _("Log in to see them: %(url)s") % {"url": _list_url()}
        return _message(to, subject, f"{body}\n\n{login}\n\n{_footer()}\n")


def crisis(to: str, count: int) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Rits: an urgent item needs you")
        body = ngettext(
            "A crisis item came to you in Rits: eviction, cut-off or loss of insurance is "
            "threatened.",
            "%(count)d crisis items came to you in Rits: eviction, cut-off or loss of "
            "insurance is threatened.",
            count,
        ) % {"count": count}
        login = _("Log in to see them: %(url)s") % {"url": _list_url()}
        return _message(to, subject, f"{body}\n\n{login}\n\n{_footer()}\n")
