"""The inbox moved from the signals app to the worklist: notifications sent before link
to it by its new name (``signals:inbox`` → ``worklist:inbox``), not through the old
path's redirect."""

from django.db import migrations

MOVED = {"signals:inbox": "worklist:inbox", "signals:inbox-team": "worklist:inbox-team"}


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for old, new in MOVED.items():
        Notification.objects.filter(url_name=old).update(url_name=new)


def backwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for old, new in MOVED.items():
        Notification.objects.filter(url_name=new).update(url_name=old)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
