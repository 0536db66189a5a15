"""A signal keeps only the keyed pseudonym of its BSN, no longer the encrypted number:
nothing ever read it (data minimisation), and encrypting it was the largest cost of
intake. Existing ciphertexts are dropped with the column.

On PostgreSQL the raw parts of a delivery are compressed with lz4 instead of the default
pglz: about as small (a CSV file to under half), several times faster to store (pglz
took most of the time of storing a delivery). Only when the server offers lz4
(PostgreSQL 14 and later, built with it); otherwise nothing changes. New values only:
parts stored before stay as they are, and read the same."""

from django.db import migrations

PART_TABLE = "signals_signalbatchpart"


def _lz4_available(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        return cursor.fetchone() is not None


def parts_lz4(apps, schema_editor):
    if _lz4_available(schema_editor):
        schema_editor.execute(f"ALTER TABLE {PART_TABLE} ALTER COLUMN data SET COMPRESSION lz4")


def parts_default_compression(apps, schema_editor):
    if _lz4_available(schema_editor):
        schema_editor.execute(f"ALTER TABLE {PART_TABLE} ALTER COLUMN data SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("signals", "0002_links_reviews_alerts"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="signal",
            name="bsn_encrypted",
        ),
        migrations.RunPython(parts_lz4, parts_default_compression),
    ]
