from django.db import models
from django.utils.translation import gettext_lazy as _

from rits.organisations.models import Professional


class EmergencyAccess(models.Model):
    """'Break the glass': time-limited access to a family one is not involved with,
    with a written reason, listed for review by a privacy officer."""

    professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    # By name: access is the layer below the domains and imports none of them.
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="emergency_accesses"
    )
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    review_justified = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["professional", "expires_at"], name="emergency_prof_expiry")
        ]

    def __str__(self) -> str:
        return f"{self.professional} → {self.family} ({self.started_at:%Y-%m-%d %H:%M})"
