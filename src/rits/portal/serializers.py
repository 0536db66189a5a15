"""The portal's API shapes: what ``rits.portal.selectors`` returns, as JSON."""

from rest_framework import serializers


class PortalFamilySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="family.pk")
    name = serializers.CharField(source="family.name")
    ground = serializers.CharField(
        help_text="On what ground you see this family: self, parent_of_minor, "
        "network_agreement or mentor."
    )


class PortalAgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    action = serializers.CharField(help_text="What will be done.")
    owner = serializers.CharField(source="owner_name", help_text="Who does it.")
    due_date = serializers.DateField(help_text="By when.")
    status = serializers.CharField()
    goal_id = serializers.IntegerField(allow_null=True)


class PortalGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="goal.pk")
    text = serializers.CharField(source="goal.text", help_text="In the family's own words.")
    said_by = serializers.CharField(source="goal.said_by")
    agreements = PortalAgreementSerializer(many=True)


class PortalCrisisContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField()
    phone = serializers.CharField()
    availability = serializers.CharField()
    is_trusted_person = serializers.BooleanField(help_text="Can always be called, day and night.")


class PortalVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    is_agreed = serializers.BooleanField()
    agreed_at = serializers.DateTimeField(allow_null=True)
    agreed_by = serializers.CharField()


class PortalPlanSerializer(serializers.Serializer):
    goals = serializers.SerializerMethodField()
    other_agreements = PortalAgreementSerializer(many=True)
    crisis_contacts = PortalCrisisContactSerializer(many=True)
    current_version = PortalVersionSerializer(allow_null=True)

    def get_goals(self, page) -> list[dict]:
        goals = [{"goal": goal, "agreements": agreements} for goal, agreements in page.goals]
        return PortalGoalSerializer(goals, many=True).data


class PortalInvolvedSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    name = serializers.CharField(help_text="The professional, where one is named.")
    role = serializers.CharField()
    legal_basis = serializers.CharField(
        source="legal_basis_code", help_text="Why they may help: the law or consent."
    )
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    is_coordinator = serializers.BooleanField()
    about = serializers.CharField(help_text="The family member it is about; empty: the family.")


class PortalComingUpSerializer(serializers.Serializer):
    when = serializers.DateField()
    kind = serializers.CharField(help_text="agreement or review")
    what = serializers.CharField()
    who = serializers.CharField()
    overdue = serializers.BooleanField()


class PortalLookedSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    who = serializers.CharField()
    organisation = serializers.CharField()
    what = serializers.CharField(help_text="What they did, in plain words.")
    ground = serializers.CharField()
