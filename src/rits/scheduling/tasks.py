from datetime import date

from django_tasks import task

from rits.scheduling import registry


@task()
def run_daily_job(code: str, day: str) -> None:
    """Run the daily job ``code`` for ``day`` (ISO date), as the scheduler queued it."""
    registry.job(code).run(date.fromisoformat(day))
