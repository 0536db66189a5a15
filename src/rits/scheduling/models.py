from django.db import models
from django.utils import timezone


class ScheduledRun(models.Model):
    """A daily job's run for one day, claimed by the scheduler that queued it. The
    unique constraint makes the claim: a second scheduler (or a restart) finds the day
    taken and queues nothing."""

    job = models.CharField(max_length=100)
    day = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="scheduled_run_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
