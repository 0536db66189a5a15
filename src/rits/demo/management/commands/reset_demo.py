"""``manage.py reset_demo``: the demo back to its start.

Everything a demo leaves behind (families created, alerts acted on, links decided, audit
events) is gone, and the demo region is built again as ``build_demo`` builds it. The
audit trail is append-only and hash-chained, so removing only what a demo added would
break the chain: the honest reset is to empty the whole demo database (``flush``) and
build again. That is why this only runs in demo mode (``RITS_ENVIRONMENT=demo``).

On PostgreSQL ``flush`` truncates, which the audit log's append-only row trigger does not
see; on SQLite it deletes every row, so the trigger that refuses deletes is lifted for
the flush only and put back in the same transaction (as the test suite's clean-up does)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from rits.audit import append_only_sql
from rits.audit.models import AuditEvent
from rits.demo.services import BATCH_SIZE, DEFAULT_FAMILIES, DEFAULT_SEED, demo_family_count
from rits.families.models import Family
from rits.signals.models import Signal
from rits.worklist.models import WorkItem


class Command(BaseCommand):
    help = (
        "Bring the demo back to its start: empty the demo database and build the demo region "
        "again. Only in demo mode (RITS_ENVIRONMENT=demo)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--families",
            type=int,
            default=None,
            help=f"Families in the rebuilt region (default: as many as now, at least the "
            f"three stories; {DEFAULT_FAMILIES} when there are none).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, families: int | None, seed: int, batch_size: int, **options):
        if settings.ENVIRONMENT != "demo" or not settings.DEMO_MODE:
            raise CommandError(
                "reset_demo empties the whole database, so it only runs in demo mode "
                "(RITS_ENVIRONMENT=demo); this is the "
                f"'{settings.ENVIRONMENT}' environment. Nothing was changed."
            )
        if families is None:
            families = demo_family_count() or DEFAULT_FAMILIES
        if families < 0 or batch_size < 1:
            raise CommandError("--families must be 0 or more and --batch-size at least 1.")
        removed = {
            "gezinnen": Family.objects.count(),
            "signalen": Signal.objects.count(),
            "werkitems": WorkItem.objects.count(),
            "logregels": AuditEvent.objects.count(),
        }
        flush_demo_database()
        self.stdout.write(
            "Demodatabase leeggemaakt: "
            + ", ".join(f"{n} {what}" for what, n in removed.items())
            + " verwijderd. De demo wordt opnieuw opgebouwd."
        )
        call_command(
            "build_demo",
            families=families,
            seed=seed,
            batch_size=batch_size,
            stdout=self.stdout,
            stderr=self.stderr,
        )


def flush_demo_database() -> None:
    """Empty every table of the database, the audit log included."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Check deferred foreign keys now: TRUNCATE refuses a table with checks still
            # pending in the transaction (rows written in it, as in a test).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        call_command("flush", interactive=False, verbosity=0)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(append_only_sql.SQLITE_NO_DELETE)
