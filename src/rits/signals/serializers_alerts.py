"""What the alert and concern-match endpoints answer. Output only describes the
worklist's lines (``rits.worklist.selectors``) and the concern matches
(``rits.signals.alerts``): no serializer here reads the database."""

from rest_framework import serializers

from rits.signals.models import SignalType
from rits.worklist.models import WorkItemStatus


class AlertFamilySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AlertSignalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signal_type = serializers.ChoiceField(choices=SignalType.choices)
    signal_date = serializers.DateField()
    source = serializers.CharField(help_text="The organisation that sent it.")
    amount_eur = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    crisis = serializers.BooleanField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField(source="item.kind", help_text="The rule's code.")
    title = serializers.CharField(help_text="The rule's title, in the language asked for.")
    visible = serializers.BooleanField(
        help_text=(
            "False for a team lead's view of an alert about a family nobody in the team may "
            "see yet: then family, reason (except for the concern match, whose reason names "
            "no one) and signals are empty."
        )
    )
    reason = serializers.CharField(
        help_text="One sentence saying why, in Dutch or English (Accept-Language)."
    )
    family = AlertFamilySerializer(allow_null=True)
    status = serializers.ChoiceField(choices=WorkItemStatus.choices)
    due_date = serializers.DateField()
    overdue = serializers.BooleanField()
    crisis = serializers.BooleanField(
        help_text="A signal behind it says eviction, cut-off or loss of insurance is threatened."
    )
    escalated = serializers.BooleanField(
        help_text="Not acknowledged in time: went to the team lead."
    )
    escalated_at = serializers.DateTimeField(source="item.escalated_at", allow_null=True)
    assignee = serializers.CharField(help_text="The coordinator it is assigned to; empty if none.")
    signals = AlertSignalSerializer(many=True, source="details")
    acknowledged_at = serializers.DateTimeField(source="item.acknowledged_at", allow_null=True)
    agreement_id = serializers.IntegerField(
        source="item.agreement_id",
        allow_null=True,
        help_text="Acted on: the agreement in the family's plan it led to.",
    )
    action_note = serializers.SerializerMethodField()
    dismissed_reason = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(source="item.created_at")

    def get_action_note(self, line) -> str:
        return line.item.action_note if line.visible else ""

    def get_dismissed_reason(self, line) -> str:
        return line.item.dismissed_reason if line.visible else ""


class DismissRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500,
        allow_blank=True,
        help_text="Why the alert needs no action (required).",
    )


class ConcernContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()


class ConcernMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notified_at = serializers.DateTimeField()
    in_touch_at = serializers.DateTimeField(
        allow_null=True, help_text="When one of the organisations said they have been in touch."
    )
    in_touch_note = serializers.CharField()
    others = ConcernContactSerializer(
        many=True, help_text="The other organisations concerned: contact details only."
    )
    references = serializers.ListField(
        child=serializers.CharField(),
        help_text="Your own references of the signals the match is about.",
    )


class InTouchRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
