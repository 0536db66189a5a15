"""Alerts become work items (``rits.worklist``): every alert is copied with its id (so
every ``/alerts/<id>/`` URL keeps working) and its signals, its stored Dutch and English
reason becoming ``reason_code="legacy.text"`` with ``{"nl": …, "en": …}``; then
``signals_alert`` goes and ``Alert`` is a proxy of ``WorkItem``. In SQL, one statement
per table however many alerts; on PostgreSQL the id sequence is moved past the copied
ids. Reversible: the work items go back to alerts (a reason of another code as empty
text)."""

from django.core.management.color import no_style
from django.db import migrations, models

ALERT_COLUMNS = (
    "id, {kind}, {key}, family_id, person_id, due_date, assigned_to_id, team_id, status, "
    "acknowledged_by_id, acknowledged_at, agreement_id, action_note, dismissed_reason, "
    "escalated_at, created_at, updated_at"
)


def _columns(connection, kind: str) -> str:
    return ALERT_COLUMNS.format(kind=kind, key=connection.ops.quote_name("key"))


def _reset_sequence(schema_editor, model) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            schema_editor.execute(sql)


def alerts_to_work_items(apps, schema_editor):
    connection = schema_editor.connection
    params = (
        "jsonb_build_object('nl', reason_nl, 'en', reason_en)"
        if connection.vendor == "postgresql"
        else "json_object('nl', reason_nl, 'en', reason_en)"
    )
    schema_editor.execute(
        f"INSERT INTO worklist_workitem ({_columns(connection, 'kind')}, reason_code, "
        f"reason_params) SELECT {_columns(connection, 'rule')}, 'legacy.text', {params} "
        "FROM signals_alert"
    )
    schema_editor.execute(
        "INSERT INTO signals_signal_work_items (signal_id, workitem_id) "
        "SELECT signal_id, alert_id FROM signals_alert_signals"
    )
    _reset_sequence(schema_editor, apps.get_model("worklist", "WorkItem"))


def work_items_to_alerts(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        nl, en = "reason_params->>'nl'", "reason_params->>'en'"
    else:
        nl, en = "json_extract(reason_params, '$.nl')", "json_extract(reason_params, '$.en')"
    legacy = "reason_code = 'legacy.text'"
    schema_editor.execute(
        f"INSERT INTO signals_alert ({_columns(connection, 'rule')}, reason_nl, reason_en) "
        f"SELECT {_columns(connection, 'kind')}, "
        f"CASE WHEN {legacy} THEN COALESCE({nl}, '') ELSE '' END, "
        f"CASE WHEN {legacy} THEN COALESCE({en}, '') ELSE '' END FROM worklist_workitem"
    )
    schema_editor.execute(
        "INSERT INTO signals_alert_signals (alert_id, signal_id) "
        "SELECT workitem_id, signal_id FROM signals_signal_work_items"
    )
    schema_editor.execute("DELETE FROM signals_signal_work_items")
    schema_editor.execute("DELETE FROM worklist_workitem")
    _reset_sequence(schema_editor, apps.get_model("signals", "Alert"))


class Migration(migrations.Migration):

    dependencies = [
        ('signals', '0006_removed_signal_reference'),
        ('worklist', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='signal',
            name='work_items',
            field=models.ManyToManyField(blank=True, related_name='signals', to='worklist.workitem'),
        ),
        migrations.RunPython(alerts_to_work_items, work_items_to_alerts),
        migrations.DeleteModel(
            name='Alert',
        ),
        migrations.CreateModel(
            name='Alert',
            fields=[
            ],
            options={
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('worklist.workitem',),
        ),
    ]
