"""Database-level guarantee that audit events are append-only, on both databases.

PostgreSQL: a trigger refuses UPDATE and DELETE (TRUNCATE, used only when a test
database is flushed, is a statement-level operation and not affected).
SQLite: the same with BEFORE UPDATE / BEFORE DELETE triggers."""

from django.db import migrations

from rits.audit.append_only_sql import (
    PG_BACKWARD,
    PG_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    else:
        raise NotImplementedError(f"append-only audit not implemented for {vendor}")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
