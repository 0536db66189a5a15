"""One family, one plan: the life-domain assessment, safety and strengths, goals in the
family's own words, agreements with everyone, the crisis plan and the agreed versions.

The plan's parts are live rows; a ``PlanVersion`` holds a snapshot of them. The family
agrees with a version; the first change after that starts the next version. Every change
raises ``Plan.revision`` so that two people editing at once cannot overwrite each other
(optimistic locking: see ``services.plan_change``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from rits.core.domains import LifeDomain
from rits.core.history import HISTORY_OPTIONS
from rits.core.scoping import FamilyScopedQuerySet
from rits.families.models import Family, NetworkMember, Person
from rits.organisations.models import Professional


class FamilyGroupPlanStatus(models.TextChoices):
    NOT_OFFERED = "not_offered", _("Not offered yet")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Plan(models.Model):
    family = models.OneToOneField(Family, on_delete=models.CASCADE, related_name="plan")
    revision = models.PositiveIntegerField(default=0)
    review_date = models.DateField(
        _("review date"),
        null=True,
        blank=True,
        help_text=_("When the family and everyone involved look at the plan again."),
    )
    family_group_plan_status = models.CharField(
        _("family group plan"),
        max_length=16,
        choices=FamilyGroupPlanStatus.choices,
        default=FamilyGroupPlanStatus.NOT_OFFERED,
    )
    family_group_plan_date = models.DateField(_("date"), null=True, blank=True)
    family_group_plan_text = models.TextField(
        _("the family's own plan"),
        blank=True,
        help_text=_(
            "The plan the family made with its network, as they wrote it. It is the plan: "
            "the rest of this page supports it."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FamilyScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"plan {self.family}"


class PlanPartQuerySet(FamilyScopedQuerySet):
    """The parts of a plan reach their family through the plan."""

    family_lookup = "plan__family"


class AssessmentQuerySet(PlanPartQuerySet):
    domain_field = "domain"
    person_field = "person"


class Assessment(models.Model):
    """A score on one life domain for one member or the household (``person`` empty).
    Assessments are never changed: a new score is a new row, the newest counts."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="assessments")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    domain = models.CharField(_("life domain"), max_length=32, choices=LifeDomain.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    explanation = models.TextField(
        _("explanation"), help_text=_("In plain words: what is going on, and what is going well?")
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_by_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["domain", "-assessed_on", "-id"]
        indexes = [models.Index(fields=["plan", "domain", "-assessed_on"], name="assess_plan_dom")]

    def __str__(self) -> str:
        return f"{self.domain}: {self.score}"


class SafetyKind(models.TextChoices):
    HARM = "harm", _("What happened (harm)")
    DANGER = "danger", _("What we are afraid will happen (danger statement)")
    COMPLICATING = "complicating", _("What makes it harder (complicating factors)")
    WORKING_WELL = "working_well", _("What is working well")
    SAFETY_GOAL = "safety_goal", _("What needs to happen (safety goal)")
    NEXT_STEP = "next_step", _("Next step")


WORRY_KINDS = (SafetyKind.HARM, SafetyKind.DANGER, SafetyKind.COMPLICATING)
NEEDS_KINDS = (SafetyKind.SAFETY_GOAL, SafetyKind.NEXT_STEP)


class SafetyItem(models.Model):
    """One line of the safety mapping (Signs of Safety): a worry, a strength or a need."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="safety_items")
    kind = models.CharField(_("kind"), max_length=16, choices=SafetyKind.choices)
    text = models.TextField(_("text"))
    # Written by the family itself in the portal ("what is working well"), by ``said_by``.
    from_family = models.BooleanField(_("written by the family"), default=False)
    said_by = models.CharField(_("said by"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()
    # a change or removal keeps a copy (who, when, before and after): rits.core.history
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class Perspective(models.TextChoices):
    FAMILY = "family", _("The family")
    PROFESSIONAL = "professional", _("A professional")
    NETWORK = "network", _("The network")


class SafetyScore(models.Model):
    """How safe it is now, 0–10, from one perspective. Kept per perspective and person so
    that differences of view show; the newest per (perspective, name) counts."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="safety_scores")
    perspective = models.CharField(_("whose view"), max_length=16, choices=Perspective.choices)
    name = models.CharField(
        _("who"), max_length=200, help_text=_("e.g. 'mother', 'the GP', 'aunt Lemlem'")
    )
    score = models.PositiveSmallIntegerField(
        _("score"), help_text=_("0: the child cannot stay at home. 10: safe enough to close.")
    )
    explanation = models.TextField(_("why this score"), blank=True)
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = PlanPartQuerySet.as_manager()
    # a change or removal keeps a copy (who, when, before and after): rits.core.history
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["perspective", "name", "-recorded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.score}"


class Goal(models.Model):
    """A goal in the family's own words, quoted as they said it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal in the family's own words"))
    said_by = models.CharField(
        _("said by"), max_length=200, blank=True, help_text=_("e.g. 'Selam (mother)'")
    )
    domains = models.JSONField(_("life domains"), default=list)
    # Written by the family itself in the portal (``said_by`` names who): shown as
    # theirs, and its words are theirs to change (``services.update_goal``).
    from_family = models.BooleanField(_("written by the family"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanPartQuerySet.as_manager()
    # a change or removal keeps a copy (who, when, before and after): rits.core.history
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class AgreementKind(models.TextChoices):
    ACCOMPANY = "accompany", _("Accompany")
    ARRANGE = "arrange", _("Arrange")
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    PAY = "pay", _("Pay or save")
    OTHER = "other", pgettext_lazy("kind", "Other")


class AgreementStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("agreement status", "Open")
    DONE = "done", pgettext_lazy("agreement status", "Done")
    NOT_DONE = "not_done", _("Not done")
    CHANGED = "changed", _("Changed")


class Agreement(models.Model):
    """Who does what by when. The owner is exactly one of: a professional, a family
    member or someone from the family's network."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="agreements")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="agreements"
    )
    action = models.TextField(_("what"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=AgreementKind.choices, default=AgreementKind.OTHER
    )
    owner_professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    owner_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner_network = models.ForeignKey(
        NetworkMember, on_delete=models.CASCADE, null=True, blank=True, related_name="agreements"
    )
    due_date = models.DateField(_("by when"))
    domains = models.JSONField(_("life domains"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    status_note = models.CharField(_("note on the status"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanPartQuerySet.as_manager()
    # a change keeps a copy (who, when, before and after): rits.core.history
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="agreement_has_one_owner",
                condition=(
                    models.Q(
                        owner_professional__isnull=False,
                        owner_person__isnull=True,
                        owner_network__isnull=True,
                    )
                    | models.Q(
                        owner_professional__isnull=True,
                        owner_person__isnull=False,
                        owner_network__isnull=True,
                    )
                    | models.Q(
                        owner_professional__isnull=True,
                        owner_person__isnull=True,
                        owner_network__isnull=False,
                    )
                ),
            )
        ]
        indexes = [
            models.Index(fields=["owner_professional", "status", "due_date"], name="agreement_mine")
        ]

    def __str__(self) -> str:
        return self.action

    @property
    def owner_name(self) -> str:
        if self.owner_professional_id:
            p = self.owner_professional
            return f"{p.name} ({p.organisation.name})"
        if self.owner_person_id:
            return self.owner_person.full_name
        return self.owner_network.name

    @property
    def owner_key(self) -> str:
        """The owner as one value, e.g. ``professional:12`` (forms and the API use it)."""
        if self.owner_professional_id:
            return f"professional:{self.owner_professional_id}"
        if self.owner_person_id:
            return f"person:{self.owner_person_id}"
        return f"network:{self.owner_network_id}"


COMMENT_MAX_LENGTH = 2000


class AgreementCommentQuerySet(FamilyScopedQuerySet):
    family_lookup = "agreement__plan__family"


class AgreementComment(models.Model):
    """A comment on an agreement: by a family member or someone of the network in the
    portal, or by a professional. Never changed, shown under the agreement as its
    author's (``author_name``: their name when they wrote it)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"))
    author_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author_network = models.ForeignKey(
        NetworkMember, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author_professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="agreement_comment_has_one_author",
                condition=(
                    models.Q(
                        author_person__isnull=False,
                        author_network__isnull=True,
                        author_professional__isnull=True,
                    )
                    | models.Q(
                        author_person__isnull=True,
                        author_network__isnull=False,
                        author_professional__isnull=True,
                    )
                    | models.Q(
                        author_person__isnull=True,
                        author_network__isnull=True,
                        author_professional__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def from_family(self) -> bool:
        """Written by the family or its network (not by a professional)."""
        return self.author_professional_id is None


class CrisisContact(models.Model):
    """Who the family can call at any hour; one of them is the 24/7 trusted person."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="crisis_contacts")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(
        _("who is this"), max_length=200, help_text=_("e.g. 'neighbour', 'Veilig Thuis'")
    )
    phone = models.CharField(_("phone"), max_length=40)
    availability = models.CharField(
        _("when to call"), max_length=200, blank=True, help_text=_("e.g. 'day and night'")
    )
    is_trusted_person = models.BooleanField(
        _("24/7 trusted person"),
        default=False,
        help_text=_("The one person the family can always call, day and night."),
    )
    # Someone of the family's network: they see the crisis plan in the family portal.
    network_member = models.ForeignKey(
        NetworkMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from the family's network"),
    )

    objects = PlanPartQuerySet.as_manager()
    # a change or removal keeps a copy (who, when, before and after): rits.core.history
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["-is_trusted_person", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(is_trusted_person=True),
                name="one_trusted_person_per_plan",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgreementMethod(models.TextChoices):
    SIGNED_ON_PAPER = "signed_on_paper", _("Signed on paper")
    IN_PERSON = "in_person", _("Said so in person")
    BY_PHONE = "by_phone", _("Said so by phone")
    IN_WRITING = "in_writing", _("In writing (e-mail or message)")
    # A family member agreed themselves, logged in to the family portal with DigiD.
    ONLINE_DIGID = "online_digid", _("Agreed online via DigiD")


# The ways a coordinator records the family's agreement: "online via DigiD" only the
# family records, itself (``services.family_agrees_online``).
RECORDED_AGREEMENT_METHODS = [
    (value, label) for value, label in AgreementMethod.choices if value != "online_digid"
]


class PlanVersion(models.Model):
    """A numbered version of the plan. The newest is the current one; while the family
    has not agreed with it, it follows every change (its snapshot is kept up to date)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.CharField(
        _("who agreed"), max_length=300, blank=True, help_text=_("Names of the family members.")
    )
    agreement_method = models.CharField(
        _("how"), max_length=16, choices=AgreementMethod.choices, blank=True
    )
    interpreter_language = models.CharField(
        _("with an interpreter for"),
        max_length=8,
        blank=True,
        help_text=_("The language, if an interpreter helped (e.g. ti for Tigrinya)."),
    )
    agreement_note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = PlanPartQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number")
        ]

    def __str__(self) -> str:
        return f"version {self.number}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_at is not None
