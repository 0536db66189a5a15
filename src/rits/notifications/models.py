"""A notification and how a person wants to hear of them.

A notification stores no sentence: a kind (``kinds``) and its parameters, rendered when
it is read, in the reader's language. It names a family only by its plain id, never by
a foreign key or a name: the link leads through ``rits.access`` as every page does, and
this app never reads a family table."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # Where the notification leads: a URL name and its arguments (reversed when shown).
    url_name = models.CharField(max_length=100, blank=True)
    url_args = models.JSONField(default=list, blank=True)
    family_id = models.PositiveBigIntegerField(null=True, blank=True)
    crisis = models.BooleanField(_("crisis"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The header's count and the list: a person's unread notifications.
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            models.Index(fields=["created_at"], name="notification_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class EmailChoice(models.TextChoices):
    NONE = "none", _("No e-mail")
    DIGEST = "digest", _("A daily summary")
    CRISIS_AND_DIGEST = (
        "crisis_and_digest",
        _("At once for crisis items, and a daily summary"),
    )


# A person who never chose gets the daily summary.
DEFAULT_EMAIL = EmailChoice.DIGEST
DIGEST_CHOICES = (EmailChoice.DIGEST, EmailChoice.CRISIS_AND_DIGEST)


class NotificationPreference(models.Model):
    """How a person wants to hear of new notifications by e-mail; in the app always."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(
        _("e-mail"), max_length=32, choices=EmailChoice.choices, default=DEFAULT_EMAIL
    )

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"


class DigestSent(models.Model):
    """A daily summary sent: at most one per person and day, even when two schedulers
    (or a rerun) ask for it (the unique constraint decides)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    notifications = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
