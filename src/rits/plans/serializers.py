"""The plan in the API: what the selectors return, as JSON, and the bodies of the writes.

Output serializers only present what a selector already filtered for the reader; input
serializers check types (a score is a whole number, a date is ISO 8601) and leave the
rules of the plan (the scale, owners, dates in the past) to the services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rits.core.domains import LifeDomain
from rits.core.problems import ProblemDetailsSerializer
from rits.plans.models import (
    RECORDED_AGREEMENT_METHODS,
    AgreementKind,
    AgreementStatus,
    FamilyGroupPlanStatus,
    Perspective,
    SafetyKind,
)
from rits.plans.numbers import MAX_ID, MAX_REVISION, WholeNumberField
from rits.plans.scale import scale_step
from rits.plans.selectors import PlanPage, is_overdue, owner_name_for
from rits.plans.services import may_change_agreement

REVISION_HELP = (
    "The plan's revision your change is based on (0 when the family has no plan yet). "
    "When someone else changed the plan in the meantime, the change is refused with 409 "
    "and nothing is saved."
)


def revision_field() -> serializers.IntegerField:
    return WholeNumberField(min_value=0, max_value=MAX_REVISION, help_text=REVISION_HELP)


def id_field(help_text: str = "") -> serializers.IntegerField:
    return WholeNumberField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text=help_text
    )


# --- problem details ----------------------------------------------------------------


class PlanProblemSerializer(ProblemDetailsSerializer):
    """Problem details (RFC 9457), as every error of this API, with the plan's revision
    when an edit was based on an older one."""

    revision = serializers.IntegerField(
        required=False, help_text="With 409 only: the plan's current revision."
    )


# --- the plan's lines -------------------------------------------------------------


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    domain = serializers.ChoiceField(choices=LifeDomain.choices)
    person_id = serializers.IntegerField(
        allow_null=True, help_text="The family member; null for the household."
    )
    score = serializers.IntegerField()
    score_label = serializers.SerializerMethodField()
    explanation = serializers.CharField()
    assessed_on = serializers.DateField()
    assessed_by = serializers.CharField(source="assessed_by_name")

    def get_score_label(self, obj) -> str:
        step = scale_step(obj.score)
        return str(step.label) if step else ""


class MemberAssessmentSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(source="membership.person_id")
    name = serializers.CharField(source="membership.person.full_name")
    role = serializers.CharField(source="membership.role")
    assessment = AssessmentSerializer(allow_null=True, help_text="Null: not looked at yet.")


class LifeDomainSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=LifeDomain.choices)
    label = serializers.CharField()
    looked_at = serializers.BooleanField(
        help_text="False when nobody assessed this life domain for anyone in the family."
    )
    stale = serializers.BooleanField(help_text="Every score here is older than the review period.")
    household = AssessmentSerializer(allow_null=True)
    members = MemberAssessmentSerializer(many=True)


class SafetyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SafetyKind.choices)
    text = serializers.CharField()


class SafetyScoreSerializer(serializers.Serializer):
    perspective = serializers.ChoiceField(choices=Perspective.choices)
    name = serializers.CharField()
    score = serializers.IntegerField(help_text="0: the child cannot stay at home. 10: safe enough.")
    explanation = serializers.CharField()
    recorded_on = serializers.DateField()


class SafetySerializer(serializers.Serializer):
    worries = SafetyItemSerializer(many=True)
    working_well = SafetyItemSerializer(many=True)
    needs = SafetyItemSerializer(many=True)
    scores = SafetyScoreSerializer(source="safety_scores", many=True)


class FamilyGroupPlanSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        source="family_group_plan_status", choices=FamilyGroupPlanStatus.choices
    )
    date = serializers.DateField(source="family_group_plan_date", allow_null=True)
    text = serializers.SerializerMethodField(
        help_text="The family's own plan; null unless you see every life domain (the coordinator)."
    )

    def get_text(self, obj) -> str | None:
        return obj.family_group_plan_text if self.context.get("sees_family_group_plan") else None


class GoalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text="In the family's own words.")
    said_by = serializers.CharField()
    domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices))


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    owner = serializers.SerializerMethodField(
        help_text=(
            'Who does it: "professional:<id>", "person:<id>" or "network:<id>"; just '
            '"professional" for a professional whose involvement you may not know of.'
        )
    )
    owner_name = serializers.SerializerMethodField(
        help_text=(
            "The owner's name; a professional whose involvement you may not know of is not named."
        )
    )
    due_date = serializers.DateField()
    domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices))
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    status_note = serializers.CharField()
    goal_id = serializers.SerializerMethodField(
        help_text="The goal it serves; null when none, or when you do not see that goal."
    )
    overdue = serializers.SerializerMethodField()
    may_change = serializers.SerializerMethodField(
        help_text="Whether you may change it: its owner, or whoever covers all its life domains."
    )

    def get_owner(self, obj) -> str:
        hidden = obj.owner_professional_id not in self.context["owners_in_view"]
        return "professional" if obj.owner_professional_id and hidden else obj.owner_key

    def get_owner_name(self, obj) -> str:
        return owner_name_for(obj, self.context["owners_in_view"])

    def get_goal_id(self, obj) -> int | None:
        visible = self.context.get("visible_goal_ids")
        if visible is not None and obj.goal_id not in visible:
            return None
        return obj.goal_id

    def get_overdue(self, obj) -> bool:
        return is_overdue(obj, self.context["today"])

    def get_may_change(self, obj) -> bool:
        return may_change_agreement(self.context["grant"], obj)


class CrisisContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    relation = serializers.CharField()
    phone = serializers.CharField()
    availability = serializers.CharField()
    is_trusted_person = serializers.BooleanField(help_text="The 24/7 trusted person.")


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    is_agreed = serializers.BooleanField()
    agreed_at = serializers.DateTimeField(allow_null=True)
    agreed_by = serializers.CharField(help_text="The family members who agreed.")
    method = serializers.CharField(
        source="agreement_method", help_text="How the family agreed; empty while it has not."
    )
    interpreter_language = serializers.CharField()
    note = serializers.CharField(source="agreement_note")


# --- the whole plan ---------------------------------------------------------------


def visible_agreements(page: PlanPage) -> list:
    every = [a for g in page.goals for a in g.agreements] + page.loose_agreements
    return sorted(every, key=lambda a: (a.due_date, a.pk))


def page_context(page: PlanPage) -> dict:
    """What the nested serializers need to know about the reader."""
    return {
        "grant": page.grant,
        "today": page.today,
        "visible_goal_ids": {g.goal.pk for g in page.goals},
        "sees_family_group_plan": page.sees_family_group_plan,
        "owners_in_view": page.owners_in_view,
    }


class PlanSerializer(serializers.Serializer):
    family_id = serializers.IntegerField(source="grant.family.pk")
    revision = serializers.IntegerField(
        source="plan.revision", help_text="Send it back with every change (optimistic locking)."
    )
    visible_domains = serializers.SerializerMethodField(
        help_text="The life domains you see: those of your involvement."
    )
    review_date = serializers.DateField(source="plan.review_date", allow_null=True)
    review_overdue = serializers.BooleanField()
    family_group_plan = FamilyGroupPlanSerializer(source="plan")
    life_domains = LifeDomainSerializer(source="domains", many=True)
    hidden_life_domains = serializers.IntegerField(
        source="hidden_domains", help_text="How many life domains are outside your view."
    )
    safety = serializers.SerializerMethodField(
        help_text="The safety mapping and scale; null unless your involvement covers safety."
    )
    goals = serializers.SerializerMethodField()
    agreements = serializers.SerializerMethodField()
    hidden_agreements = serializers.IntegerField(
        help_text="How many agreements are outside your view."
    )
    crisis_contacts = CrisisContactSerializer(many=True)
    versions = VersionSerializer(many=True, help_text="Newest first.")
    current_version = serializers.SerializerMethodField(
        help_text="The number of the newest version; null when there is no plan yet."
    )

    def get_visible_domains(self, obj) -> list[str]:
        return sorted(obj.grant.domains)

    @extend_schema_field(SafetySerializer(allow_null=True))
    def get_safety(self, obj):
        return SafetySerializer(obj).data if obj.sees_safety else None

    @extend_schema_field(GoalSerializer(many=True))
    def get_goals(self, obj):
        return GoalSerializer([g.goal for g in obj.goals], many=True).data

    @extend_schema_field(AgreementSerializer(many=True))
    def get_agreements(self, obj):
        return AgreementSerializer(visible_agreements(obj), many=True, context=self.context).data

    def get_current_version(self, obj) -> int | None:
        return obj.current_version.number if obj.current_version else None


class AssessmentListSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    assessments = AssessmentSerializer(many=True)


class AgreementListSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    agreements = AgreementSerializer(many=True)
    hidden_agreements = serializers.IntegerField()


class VersionListSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    current_version = serializers.IntegerField(allow_null=True)
    versions = VersionSerializer(many=True, help_text="Newest first.")


class AssessmentCreatedSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The plan's revision after this change.")
    assessment = AssessmentSerializer()


class AgreementChangedSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The plan's revision after this change.")
    agreement = AgreementSerializer()


class VersionAgreedSerializer(serializers.Serializer):
    revision = serializers.IntegerField(help_text="The plan's revision after this change.")
    version = VersionSerializer()


# --- one version, as it was -------------------------------------------------------


class VersionDetailsSerializer(serializers.Serializer):
    review_date = serializers.DateField(allow_null=True)
    family_group_plan_status = serializers.ChoiceField(choices=FamilyGroupPlanStatus.choices)
    family_group_plan_date = serializers.DateField(allow_null=True)
    family_group_plan_text = serializers.CharField(
        allow_null=True, help_text="Null unless you see every life domain (the coordinator)."
    )


class AssessmentLineSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=LifeDomain.choices)
    person_id = serializers.IntegerField(allow_null=True)
    person = serializers.CharField(help_text="The member's name; empty for the household.")
    score = serializers.IntegerField()
    explanation = serializers.CharField()
    assessed_on = serializers.DateField()
    assessed_by = serializers.CharField()


class SafetyItemLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SafetyKind.choices)
    text = serializers.CharField()


class SafetyScoreLineSerializer(serializers.Serializer):
    perspective = serializers.ChoiceField(choices=Perspective.choices)
    name = serializers.CharField()
    score = serializers.IntegerField()
    explanation = serializers.CharField()
    recorded_on = serializers.DateField()


class GoalLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    text = serializers.CharField()
    said_by = serializers.CharField()
    domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices))


class AgreementLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    action = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    owner = serializers.CharField(help_text="The owner's name as it was.")
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=AgreementStatus.choices)
    status_note = serializers.CharField()
    domains = serializers.ListField(child=serializers.ChoiceField(choices=LifeDomain.choices))
    goal_id = serializers.IntegerField(allow_null=True)


class CrisisContactLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField()
    phone = serializers.CharField()
    availability = serializers.CharField()
    is_trusted_person = serializers.BooleanField(source="trusted_person")


class VersionDetailSerializer(serializers.Serializer):
    """A version with what the plan said then, limited to what you may see now."""

    number = serializers.IntegerField(source="version.number")
    created_at = serializers.DateTimeField(source="version.created_at")
    is_current = serializers.BooleanField()
    is_agreed = serializers.BooleanField(source="version.is_agreed")
    agreed_at = serializers.DateTimeField(source="version.agreed_at", allow_null=True)
    agreed_by = serializers.CharField(source="version.agreed_by")
    method = serializers.CharField(source="version.agreement_method")
    interpreter_language = serializers.CharField(source="version.interpreter_language")
    note = serializers.CharField(source="version.agreement_note")
    details = VersionDetailsSerializer()
    assessments = AssessmentLineSerializer(source="lines.assessments", many=True)
    safety_items = SafetyItemLineSerializer(
        source="lines.safety_items", many=True, help_text="Empty unless you see safety."
    )
    safety_scores = SafetyScoreLineSerializer(
        source="lines.safety_scores", many=True, help_text="Empty unless you see safety."
    )
    goals = GoalLineSerializer(source="lines.goals", many=True)
    agreements = AgreementLineSerializer(source="lines.agreements", many=True)
    crisis_contacts = CrisisContactLineSerializer(source="lines.crisis_contacts", many=True)


# --- comparison -------------------------------------------------------------------


class DifferenceSerializer(serializers.Serializer):
    change = serializers.ChoiceField(choices=["added", "removed", "changed"])
    before = serializers.CharField(help_text="The line as it was; empty when added.")
    after = serializers.CharField(help_text="The line as it is; empty when removed.")


class SectionDifferencesSerializer(serializers.Serializer):
    section = serializers.CharField(help_text="e.g. assessments, agreements, crisis_contacts.")
    title = serializers.CharField()
    differences = DifferenceSerializer(many=True)


class ComparisonSerializer(serializers.Serializer):
    older = VersionSerializer()
    newer = VersionSerializer()
    unchanged = serializers.BooleanField()
    sections = SectionDifferencesSerializer(many=True)


# --- bodies of the writes ---------------------------------------------------------


class AssessmentRequestSerializer(serializers.Serializer):
    revision = revision_field()
    domain = serializers.ChoiceField(choices=LifeDomain.choices)
    person_id = id_field("The family member; leave out for the household.")
    score = WholeNumberField(help_text="On the self-sufficiency scale, 1 to 5.")
    explanation = serializers.CharField(allow_blank=True, max_length=5000)
    assessed_on = serializers.DateField(
        required=False, allow_null=True, help_text="ISO 8601; today when left out."
    )


OWNER_HELP = 'Who does it: "professional:<id>", "person:<id>" (a family member) or "network:<id>".'


class AgreementRequestSerializer(serializers.Serializer):
    revision = revision_field()
    action = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="What will be done."
    )
    kind = serializers.ChoiceField(choices=AgreementKind.choices, default=AgreementKind.OTHER)
    owner = serializers.CharField(allow_blank=True, max_length=40, help_text=OWNER_HELP)
    due_date = serializers.DateField(help_text="By when (ISO 8601); today or later.")
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=LifeDomain.choices), allow_empty=True
    )
    goal_id = id_field("The goal it serves, if any.")


class AgreementChangeSerializer(serializers.Serializer):
    """Only the fields sent are changed."""

    revision = revision_field()
    action = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    kind = serializers.ChoiceField(choices=AgreementKind.choices, required=False)
    owner = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=OWNER_HELP
    )
    due_date = serializers.DateField(required=False)
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=LifeDomain.choices), required=False, allow_empty=True
    )
    goal_id = id_field("The goal it serves, if any.")
    status = serializers.ChoiceField(choices=AgreementStatus.choices, required=False)
    status_note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class FamilyAgreementRequestSerializer(serializers.Serializer):
    revision = revision_field()
    agreed_by = serializers.CharField(
        allow_blank=True, max_length=300, help_text="The names of the family members who agreed."
    )
    method = serializers.ChoiceField(choices=RECORDED_AGREEMENT_METHODS)
    interpreter_language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=8,
        help_text="The language, if an interpreter helped (e.g. ti for Tigrinya).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
