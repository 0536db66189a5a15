"""The work item: something about a family that someone has to do something about, by
a due date in working days. A signal rule's alert is one kind; the regional table,
placements, funding and transitions raise theirs the same way (``kinds.py``).

Raised at most once per kind, family and ``key``, so that raising again never doubles
an item. The reason is stored as a code plus parameters and rendered when read, in the
reader's language (``kinds.render_reason``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rits.core.scoping import FamilyScopedQuerySet
from rits.worklist.kinds import kind_for, render_reason


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACTED_ON = "acted_on", _("Acted on")
    DISMISSED = "dismissed", _("Dismissed")


class WorkItemQuerySet(FamilyScopedQuerySet):
    """Rows about one family, and (where set) one of its members. Whether the grant
    covers an item's kind (its life domains) is decided by ``rits.access``."""

    person_field = "person"


class WorkItem(models.Model):
    kind = models.CharField(_("kind"), max_length=64)
    key = models.CharField(max_length=200, blank=True)
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="work_items"
    )
    person = models.ForeignKey(
        "families.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason_code = models.CharField(max_length=64)
    reason_params = models.JSONField(default=dict, blank=True)
    due_date = models.DateField(_("due"))
    assigned_to = models.ForeignKey(
        "organisations.Professional",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
    )
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Acted on: the plan agreement it led to (or a note on the decision).
    agreement = models.ForeignKey(
        "plans.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
    )
    action_note = models.CharField(_("what was done"), max_length=500, blank=True)
    dismissed_reason = models.CharField(_("why dismissed"), max_length=500, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "family", "key"], name="work_item_once_per_key")
        ]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_date"], name="work_item_inbox"),
            models.Index(fields=["team", "status", "due_date"], name="work_item_team_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for family {self.family_id} ({self.status})"

    @property
    def reason(self) -> str:
        """The reason in the active language."""
        return render_reason(self.reason_code, self.reason_params)

    @property
    def title(self) -> str:
        return str(kind_for(self.kind).title)
