"""Background work of the signal pipeline (django-tasks; the backend is set by
``RITS_TASKS_BACKEND``). Tasks call the pipeline only."""

from django_tasks import task

from rits.signals import pipeline


@task()
def process_batch_task(batch_id: int) -> None:
    """Process a stored batch, link its signals and run the rules. Safe to run more than
    once: every stage picks up where it stopped and never doubles anything."""
    pipeline.run_for_batch(batch_id)


@task()
def process_signal_task(signal_id: int) -> None:
    """Link one signal that came in on its own and run the rules."""
    pipeline.run_for_signals([signal_id])
