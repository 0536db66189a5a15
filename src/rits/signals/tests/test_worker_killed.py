"""A real worker (``manage.py db_worker`` in its own process) is killed with SIGKILL in
the middle of a delivery; after the restart (``process_signal_batches``) nothing is lost
and nothing is doubled.

Needs a database another process can open: it runs on PostgreSQL (as in CI) and is
skipped on SQLite, whose test database lives in this process's memory."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from rits.audit.services import Actor
from rits.signals import pipeline
from rits.signals.models import BatchStatus, Signal, SignalBatch, SignalStatus
from rits.signals.tests.helpers import csv_bytes, rows

ROOT = Path(__file__).resolve().parents[4]
ROWS = 20_000

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database another process can open"
)


def _database_url() -> str:
    s = connection.settings_dict
    port = s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{port}/{s['NAME']}"


def _start_worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "RITS_TASKS_BACKEND": "database",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(transactional_db, landlord, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    content = csv_bytes(rows(ROWS))
    batch = pipeline.receive_batch(
        source=landlord, content=content, file_name="groot.csv", actor=Actor.system("test")
    )

    worker = _start_worker()
    try:
        started = _wait_until(
            lambda: (
                SignalBatch.objects.values_list("resume_line", flat=True).get(pk=batch.pk) >= 2_000
            ),
            timeout=120,
        )
        assert started, worker.stderr.read().decode() if worker.poll() is not None else "slow"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()

    # Killed half-way: what was written is consistent with the checkpoint.
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING
    assert 0 < batch.resume_line < ROWS + 1
    assert Signal.objects.filter(batch=batch).count() == batch.accepted

    # The restart finishes the work: every row once, linked, nothing twice.
    call_command("process_signal_batches", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.rows, batch.accepted, batch.duplicates, batch.rejected) == (ROWS, ROWS, 0, 0)
    references = list(Signal.objects.filter(batch=batch).values_list("reference", flat=True))
    assert len(references) == len(set(references)) == ROWS
    assert not Signal.objects.filter(batch=batch, status=SignalStatus.RECEIVED).exists()

    # Running the recovery again changes nothing.
    call_command("process_signal_batches", verbosity=0)
    assert Signal.objects.count() == ROWS
