"""The portal's e-mails to someone of a family's network: the invitation's link and the
code that opens it. Like every Rits e-mail they name no family and say nothing of it
(e-mail is not a safe channel). Written in the region's language."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from rits.core import durations


def _message(to: str, subject: str, body: str) -> EmailMessage:
    return EmailMessage(
        subject=subject, body=body + "\n", from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )


def invitation(to: str, link: str) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        days = settings.PORTAL_INVITATION_DAYS
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "You help a family, and their coordinator invites you to Rits, the "
                    "place where the family and the people who help them make their plan. "
                    "Open this link to log in:"
                ),
                link,
                _(
                    "The link works once, for %(period)s. When you open it, we send you a "
                    "code by e-mail; you enter that code to log in."
                )
                % {"period": durations.in_words(days)},
                _("Did you not expect this e-mail? Then you do not need to do anything."),
            ]
        )
        return _message(to, _("Rits: you are invited"), body)


def code(to: str, value: str) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        body = "\n\n".join(
            [
                _("Your code for Rits is: %(code)s") % {"code": value},
                _("The code works for %(minutes)d minutes. Do not give it to anyone.")
                % {"minutes": settings.PORTAL_CODE_MINUTES},
                _("Did you not ask for a code? Then you do not need to do anything."),
            ]
        )
        return _message(to, _("Rits: your code"), body)
