"""Background work of the signal intake (django-tasks; the backend is set by
``RITS_TASKS_BACKEND``). Tasks call services only."""

from django_tasks import task

from rits.signals import services


@task()
def process_batch_task(batch_id: int) -> None:
    """Process a stored batch. Safe to run more than once: see ``process_batch``."""
    services.process_batch(batch_id)
