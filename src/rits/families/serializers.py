from rest_framework import serializers

from rits.families.models import (
    Family,
    FamilyEvent,
    Involvement,
    MemberRole,
    Membership,
    NetworkMember,
)


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="person.id", read_only=True)
    given_names = serializers.CharField(source="person.given_names")
    prefix = serializers.CharField(source="person.prefix")
    surname = serializers.CharField(source="person.surname")
    birth_date = serializers.DateField(source="person.birth_date", allow_null=True)
    languages = serializers.ListField(source="person.languages", child=serializers.CharField())
    interpreter_needed = serializers.BooleanField(source="person.interpreter_needed")
    has_bsn = serializers.BooleanField(
        source="person.has_bsn",
        help_text="Whether a BSN is known. The BSN itself is never returned.",
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "role",
            "living_situation",
            "given_names",
            "prefix",
            "surname",
            "birth_date",
            "languages",
            "interpreter_needed",
            "has_bsn",
        ]


class MemberLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person_id")
    role = serializers.ChoiceField(choices=MemberRole.choices)
    given_names = serializers.CharField()
    prefix = serializers.CharField()
    surname = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)


class FamilySummarySerializer(serializers.ModelSerializer):
    members = MemberLineSerializer(source="member_lines", many=True, read_only=True)

    class Meta:
        model = Family
        fields = ["id", "reference", "name", "postcode", "city", "members"]


class InvolvementSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    professional = serializers.SerializerMethodField()
    professional_email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Involvement
        fields = [
            "id",
            "organisation",
            "professional",
            "professional_email",
            "phone",
            "role",
            "legal_basis",
            "domains",
            "start_date",
            "end_date",
            "is_coordinator",
        ]

    def get_professional(self, obj) -> str | None:
        return obj.professional.name if obj.professional else None

    def get_professional_email(self, obj) -> str | None:
        return obj.professional.email if obj.professional else None

    def get_phone(self, obj) -> str:
        return (obj.professional.phone if obj.professional else "") or obj.organisation.phone


class NetworkMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = NetworkMember
        fields = ["id", "name", "relation", "relation_detail", "phone", "email", "availability"]


class FamilyEventSerializer(serializers.ModelSerializer):
    description = serializers.CharField(
        source="text", read_only=True, help_text="What happened, in the language asked for."
    )

    class Meta:
        model = FamilyEvent
        fields = ["occurred_at", "code", "description", "domain"]


class FamilyOverviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="family.id")
    reference = serializers.CharField(source="family.reference")
    name = serializers.CharField(source="family.name")
    address = serializers.CharField(source="family.address")
    ground = serializers.CharField(
        source="grant.ground",
        help_text="Why you may see this family: coordinator, involvement, team or emergency.",
    )
    visible_domains = serializers.SerializerMethodField()
    members = MemberSerializer(many=True)
    coordinator = InvolvementSerializer(allow_null=True)
    involvements = InvolvementSerializer(many=True)
    network = NetworkMemberSerializer(many=True)
    timeline = FamilyEventSerializer(source="events", many=True)

    def get_visible_domains(self, obj) -> list[str]:
        return sorted(obj.grant.domains)
