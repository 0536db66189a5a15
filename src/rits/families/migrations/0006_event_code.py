"""The timeline stored as an event code and its parameters (issue 10).

Existing rows keep their sentence, written in the region's language, under
``params["legacy_text"]`` and get the code of the kind they were (shown as written,
whatever the code's template says); a kind Rits no longer writes becomes
``legacy.text``. One UPDATE, however many rows: linking wrote one per signal."""

from django.db import migrations, models
from django.db.models import Case, F, Value, When
from django.db.models.functions import JSONObject

# The kinds written before the catalogue, and their codes now.
CODES = {
    "member_added": "family.member_added",
    "member_merged": "family.member_merged",
    "network_added": "family.network_added",
    "involvement_started": "family.involvement_registered",
    "family_imported": "family.created_by_import",
    "plan_assessment": "plan.assessment_added",
    "plan_safety_item": "plan.safety_item_added",
    "plan_safety_score": "plan.safety_score_recorded",
    "plan_goal": "plan.goal_added",
    "plan_agreement": "plan.agreement_changed",
    "plan_crisis_contact": "plan.crisis_contact_added",
    "plan_details": "plan.details_changed",
    "plan_version": "plan.agreed",
    "signal": "signal.linked",
    "alert_raised": "signal.alert_raised",
    "alert_acknowledged": "signal.alert_acknowledged",
    "alert_acted_on": "signal.alert_acted_on",
    "alert_dismissed": "signal.alert_dismissed",
    "alert_escalated": "signal.alert_escalated",
    "concern_match": "signal.concern_match_raised",
    "concern_match_in_touch": "signal.concern_match_in_touch",
}
LEGACY = "legacy.text"


def to_codes(apps, schema_editor):
    FamilyEvent = apps.get_model("families", "FamilyEvent")
    FamilyEvent.objects.update(
        code=Case(
            *(When(kind=kind, then=Value(code)) for kind, code in CODES.items()),
            default=Value(LEGACY),
            output_field=models.CharField(),
        ),
        params=Case(
            When(kind__in=list(CODES), then=JSONObject(legacy_text=F("description"))),
            default=JSONObject(text=F("description"), kind=F("kind")),
            output_field=models.JSONField(),
        ),
    )


def to_sentences(apps, schema_editor):
    """Back to stored sentences: each row's text in the region's language."""
    from django.conf import settings
    from django.utils import translation

    from rits.audit.catalogue import timeline_text

    FamilyEvent = apps.get_model("families", "FamilyEvent")
    kinds = {code: kind for kind, code in CODES.items()}
    with translation.override(settings.LANGUAGE_CODE):
        for event in FamilyEvent.objects.only("id", "code", "params").iterator():
            FamilyEvent.objects.filter(pk=event.pk).update(
                kind=kinds.get(event.code, event.params.get("kind", event.code))[:40],
                description=timeline_text(event.code, event.params)[:500],
            )


class Migration(migrations.Migration):
    dependencies = [("families", "0005_involvement_approval")]

    operations = [
        migrations.AddField(
            model_name="familyevent",
            name="code",
            field=models.CharField(default=LEGACY, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="familyevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="familyevent",
            name="kind",
            field=models.CharField(default="", max_length=40),
        ),
        migrations.AlterField(
            model_name="familyevent",
            name="description",
            field=models.CharField(default="", max_length=500),
        ),
        migrations.RunPython(to_codes, to_sentences),
        migrations.RemoveField(model_name="familyevent", name="kind"),
        migrations.RemoveField(model_name="familyevent", name="description"),
    ]
