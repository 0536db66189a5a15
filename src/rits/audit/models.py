"""The audit log (NEN 7513): who saw or changed whose data, when, on whose behalf and why.

Events are append-only (database triggers refuse UPDATE and DELETE, see migration 0002)
and tamper-evident: each event carries the hash of the previous event in its chain.
There are several chains (``RITS_AUDIT_CHAINS``) so that concurrent requests about
different families do not all wait on one lock."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    SEARCH = "search", _("searched")
    EXPORT = "export", _("exported")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("removed")
    IMPORT = "import", _("imported")
    EMERGENCY_ACCESS = "emergency_access", _("used emergency access")
    # A read that access refused (an id or name outside one's caseload): for the privacy
    # officer, who looks for professionals trying families they have no part in.
    REFUSED = "refused", _("was refused")


class AuditChain(models.Model):
    """The head of one hash chain: the last sequence number and hash."""

    id = models.PositiveIntegerField(primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain {self.pk} at {self.last_seq}"


class AuditEvent(models.Model):
    chain = models.PositiveIntegerField()
    seq = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    # What was touched: e.g. "family.overview", "person", "involvement".
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    # Whose data: plain ids, not foreign keys, so the log outlives the records it describes.
    family_id = models.BigIntegerField(null=True, blank=True)
    person_ids = models.JSONField(default=list, blank=True)
    # Who, on behalf of which organisation and in which role, on what ground.
    user_id = models.BigIntegerField(null=True, blank=True)
    user_display = models.CharField(max_length=300, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    organisation_name = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=64, blank=True)
    ground = models.CharField(max_length=32, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq")]
        indexes = [
            models.Index(fields=["family_id", "-occurred_at"], name="audit_family_time"),
            # What one user looked at lately: the start page's "not looked at" count.
            models.Index(fields=["user_id", "-occurred_at"], name="audit_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user_display} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
