"""Families (households), the people in them, who is involved and the network around them.

These models are family data: outside this app's services and selectors, only the
``access`` module may query them (enforced by ``tests/test_access_chokepoint.py``)."""

from datetime import date

from django.conf import settings
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from rits.audit.catalogue import Audience, timeline_codes, timeline_text
from rits.core import history as core_history
from rits.core.domains import LifeDomain
from rits.core.scoping import FamilyScopedQuerySet
from rits.organisations.models import Municipality, Organisation, Professional


class Family(models.Model):
    """A household: the unit around which one plan and one coordinator are organised."""

    reference = models.CharField(
        _("reference"),
        max_length=64,
        unique=True,
        help_text=_("The region's own reference for this family, e.g. from its previous system."),
    )
    name = models.CharField(
        _("name"), max_length=200, help_text=_("How the family is called, e.g. 'Gezin Bakker'.")
    )
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.PositiveIntegerField(_("house number"), null=True, blank=True)
    house_number_suffix = models.CharField(_("house number suffix"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="families"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A closed file stays readable for who is involved, but takes no new members,
    # network or involvements until its coordinator reopens it (families.services).
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    # A database default too: migrations of other apps write families with older states.
    closed_reason = models.CharField(
        _("reason for closing"), max_length=500, blank=True, default="", db_default=""
    )
    # Before and after of every change of the family's own details (issue 11), shown on
    # its history page (``selectors.family_history``).
    history = HistoricalRecords(**core_history.HISTORY_OPTIONS)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def address(self) -> str:
        number = f"{self.house_number or ''}{self.house_number_suffix}"
        return ", ".join(
            p
            for p in [f"{self.street} {number}".strip(), f"{self.postcode} {self.city}".strip()]
            if p
        )


# The family's own details that can be changed after its file started
# (``services.update_family_details``), and that its history page compares. Not its
# reference: other systems and imports know the family by it.
FAMILY_DETAIL_FIELDS = (
    "name",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
    "municipality",
)


class Gender(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    OTHER = "x", _("Other")
    UNKNOWN = "", _("Unknown")


class PersonHistoryExtras(models.Model):
    """What a historical copy of a person holds beyond the tracked fields: whether the
    change replaced the BSN. The copies hold no BSN in any form (not encrypted, not its
    pseudonym: ``excluded_fields``), so that a BSN erased or corrected is gone for good
    and the history cannot be searched by BSN; the history says only that it changed."""

    bsn_changed = models.BooleanField(default=False)

    class Meta:
        abstract = True


# How long a removal can be undone (``services.undo_member_removal`` and the like) and
# the options of every history: see ``rits.core.history``. Bulk writes (the CSV import's
# bulk_create/bulk_update) leave no copy.
UNDO_WINDOW = core_history.UNDO_WINDOW
HISTORY_OPTIONS = core_history.HISTORY_OPTIONS


class Person(models.Model):
    reference = models.CharField(
        _("reference"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The region's own reference for this person (used by imports)."),
    )
    surname = models.CharField(_("surname"), max_length=200)
    prefix = models.CharField(
        _("prefix"), max_length=20, blank=True, help_text=_("e.g. 'van', 'de', 'van der'")
    )
    given_names = models.CharField(_("given names"), max_length=200, blank=True)
    birth_date = models.DateField(
        _("date of birth"),
        null=True,
        blank=True,
        help_text=_("For an unborn child: the expected date of birth."),
    )
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    # Encrypted with rits.core.bsn; matched only through the keyed pseudonym.
    bsn_encrypted = models.TextField(blank=True, editable=False)
    bsn_pseudonym = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    languages = models.JSONField(
        _("languages spoken"),
        default=list,
        blank=True,
        help_text=_("ISO 639-1 codes, e.g. nl, ar, ti."),
    )
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)

    history = HistoricalRecords(
        excluded_fields=["bsn_encrypted", "bsn_pseudonym"],
        bases=[PersonHistoryExtras],
        **HISTORY_OPTIONS,
    )

    class Meta:
        ordering = ["surname", "given_names", "id"]
        indexes = [
            models.Index(fields=["surname", "birth_date"], name="person_surname_dob"),
            # Linking's candidates by date of birth alone (a surname with a typo, or none)
            # and the date-driven rules: without it every such lookup scans the whole
            # (surname, date of birth) index.
            models.Index(fields=["birth_date"], name="person_birth_date"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in [self.given_names, self.prefix, self.surname] if p)

    @property
    def has_bsn(self) -> bool:
        # Also a BSN kept without its pseudonym: one that belongs to a person the one who
        # typed it may not see (see PossibleDuplicate).
        return bool(self.bsn_pseudonym or self.bsn_encrypted)


class MemberRole(models.TextChoices):
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    UNBORN = "unborn", _("Unborn child")
    STEP_PARENT = "step_parent", _("Step-parent")
    GUARDIAN = "guardian", _("Guardian")
    OTHER = "other", _("Other household member")


ADULT_ROLES = {MemberRole.PARENT, MemberRole.STEP_PARENT, MemberRole.GUARDIAN}


class LivingSituation(models.TextChoices):
    """Where a member lives now: a child placed in foster care is still a member of the
    family, but not at home."""

    AT_HOME = "at_home", _("At home")
    FOSTER_FAMILY = "foster_family", _("In a foster family")
    RESIDENTIAL_CARE = "residential_care", _("In residential care")
    FAMILY_HOME = "family_home", _("In a family-style home (gezinshuis)")
    INDEPENDENT = "independent", _("Lives independently")
    ELSEWHERE = "elsewhere", _("Elsewhere")


# How the members panel says where a member lives who does not live at home.
LIVING_SITUATION_PHRASES = {
    LivingSituation.FOSTER_FAMILY: _("lives in a foster family"),
    LivingSituation.RESIDENTIAL_CARE: _("lives in residential care"),
    LivingSituation.FAMILY_HOME: _("lives in a family-style home (gezinshuis)"),
    LivingSituation.INDEPENDENT: _("lives independently"),
    LivingSituation.ELSEWHERE: _("lives elsewhere"),
}


class MembershipQuerySet(FamilyScopedQuerySet):
    person_field = "person"


class Membership(models.Model):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    living_situation = models.CharField(
        _("living situation"),
        max_length=24,
        choices=LivingSituation.choices,
        default=LivingSituation.AT_HOME,
    )

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["family", "person"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"

    @property
    def lives_away(self) -> str:
        """Where the member lives when not at home ("lives in a foster family"), else ""."""
        return str(LIVING_SITUATION_PHRASES.get(self.living_situation, ""))


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent of the family")
    JEUGDWET = "jeugdwet", _("Jeugdwet")
    WMO = "wmo", _("Wmo")
    PARTICIPATIEWET = "participatiewet", _("Participatiewet")
    WGS = "wgs", _("Wgs (debt help, early warning)")
    ZVW = "zvw", _("Zvw")
    WLZ = "wlz", _("Wlz")
    CHILD_PROTECTION = "child_protection", _("Child-protection order (e.g. OTS)")
    VEILIG_THUIS = "veilig_thuis", _("Wmo 2015 Veilig Thuis task")
    LEGAL_OBLIGATION = "legal_obligation", _("Other legal obligation")


class InvolvementApproval(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Waiting for approval")
    REJECTED = "rejected", pgettext_lazy("involvement approval", "Rejected")


def active_on(on: date | None = None, *, prefix: str = "") -> models.Q:
    """The one definition of an active involvement on ``on`` (today by default): approved,
    started, and not ended (an end date is the last day). ``prefix`` is the path to the
    involvement from another model, e.g. ``"involvements__"`` in an annotation."""
    on = on or timezone.localdate()
    return models.Q(
        **{
            f"{prefix}approval": InvolvementApproval.APPROVED,
            f"{prefix}start_date__lte": on,
        }
    ) & (
        models.Q(**{f"{prefix}end_date__isnull": True}) | models.Q(**{f"{prefix}end_date__gte": on})
    )


class InvolvementQuerySet(FamilyScopedQuerySet):
    person_field = "person"

    def active(self, on: date | None = None) -> "InvolvementQuerySet":
        """What gives access on ``on`` is also what every page shows as involved."""
        return self.filter(active_on(on))

    def coordinating(self, on: date | None = None) -> "InvolvementQuerySet":
        return self.active(on).filter(is_coordinator=True)

    def coordinator_of(self, family, on: date | None = None) -> "Involvement | None":
        """The family's coordinator on ``on``: on the day of a hand-over, the one who
        started first (the one handing over)."""
        return (
            self.coordinating(on)
            .filter(family=family)
            .select_related("professional__user", "organisation")
            .order_by("start_date", "id")
            .first()
        )

    def holding_the_coordination(self) -> "InvolvementQuerySet":
        """The coordination without an end date, of which the database allows one per
        family (``one_coordinator_per_family``): not "active" (it may start later, and a
        coordinator handing over is active with an end date), but what an import must
        end before it can add another open-ended coordinator."""
        return self.filter(is_coordinator=True, end_date__isnull=True)


class ApprovedInvolvementManager(models.Manager.from_queryset(InvolvementQuerySet)):
    """Only approved involvements: one waiting for approval, or rejected, gives no access
    and is no part of the family's file anywhere. ``Involvement.all_objects`` has all."""

    def get_queryset(self):
        return super().get_queryset().filter(approval=InvolvementApproval.APPROVED)


class Involvement(models.Model):
    """Which organisation (and professional) is involved with a family, in which role,
    on which legal basis and for which life domains. The involvement is what grants a
    professional access, limited to its domains.

    An import that adds an involvement to a family that already exists waits for the
    approval of the family's coordinator or a privacy officer (``approval``)."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="involvements",
        help_text=_("The family member this involvement is about; empty for the whole family."),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="involvements"
    )
    professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="involvements"
    )
    role = models.CharField(
        _("role"), max_length=200, help_text=_("e.g. 'ambulant parenting support'")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices)
    domains = models.JSONField(
        _("life domains"),
        default=list,
        help_text=_("The life domains this involvement needs to see."),
    )
    start_date = models.DateField(_("since"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    reference = models.CharField(max_length=200, null=True, blank=True, unique=True, editable=False)
    approval = models.CharField(
        _("approval"),
        max_length=16,
        choices=InvolvementApproval.choices,
        default=InvolvementApproval.APPROVED,
    )
    approval_decided_by = models.ForeignKey(
        Professional, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approval_decided_at = models.DateTimeField(null=True, blank=True)

    all_objects = InvolvementQuerySet.as_manager()
    objects = ApprovedInvolvementManager()

    class Meta:
        # The default (also for a family's ``involvements``): approved ones only.
        default_manager_name = "objects"
        ordering = ["-is_coordinator", "start_date", "id"]
        constraints = [
            # One family, one coordinator.
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(is_coordinator=True, end_date__isnull=True),
                name="one_coordinator_per_family",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="involvement_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["professional", "end_date"], name="involvement_prof_active")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.role}"


class ContactKind(models.TextChoices):
    """What a professional writes on the family's timeline themselves."""

    CONVERSATION = "conversation", _("Conversation")
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE_CALL = "phone_call", _("Phone call")
    NOTE = "note", pgettext_lazy("timeline entry", "Note")


class NetworkRelation(models.TextChoices):
    RELATIVE = "relative", _("Relative")
    FRIEND = "friend", _("Friend")
    NEIGHBOUR = "neighbour", _("Neighbour")
    JIM_MENTOR = "jim_mentor", _("Mentor chosen by the young person (JIM)")
    VOLUNTEER = "volunteer", _("Volunteer")
    COMMUNITY = "community", _("Community organisation")
    OTHER = "other", _("Other")


class NetworkMemberQuerySet(FamilyScopedQuerySet):
    person_field = "for_person"


class NetworkMember(models.Model):
    """Someone from the family's own network: first-class part of the help, not an afterthought."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="network")
    name = models.CharField(_("name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=16, choices=NetworkRelation.choices)
    relation_detail = models.CharField(
        _("relation detail"), max_length=200, blank=True, help_text=_("e.g. 'aunt of the mother'")
    )
    for_person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="network_members"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    availability = models.CharField(
        _("how and when to reach"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 'evenings after 18:00, WhatsApp preferred'"),
    )

    objects = NetworkMemberQuerySet.as_manager()
    history = HistoricalRecords(**HISTORY_OPTIONS)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FamilyEventQuerySet(FamilyScopedQuerySet):
    domain_field = "domain"

    def for_audience(self, audience: Audience) -> "FamilyEventQuerySet":
        """The events the catalogue shows to ``audience`` (professionals, later the
        family and its network), on top of what the grant's domains allow."""
        return self.filter(code__in=timeline_codes(audience))


class FamilyEvent(models.Model):
    """The family's timeline: what happened, stored as an event code of the catalogue
    (``rits.audit.catalogue``) and its parameters, and put into words when it is read,
    in the reader's language (:attr:`text`). Written by ``families.services.record`` and
    ``record_timeline`` only; an event tied to a life domain is only shown to who may see
    that domain."""

    # Indexed by (family, occurred_at) below, and the actor only where there is one: the
    # pipeline writes an event for every linked signal (millions), without an actor.
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    occurred_at = models.DateTimeField(db_index=True)
    code = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    domain = models.CharField(max_length=32, choices=LifeDomain.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = FamilyEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["family", "-occurred_at"], name="event_family_time"),
            models.Index(
                fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """What happened, in the active language."""
        return timeline_text(self.code, self.params)


class DuplicateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("possible duplicate, not yet decided", "Open")
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different person")


class PossibleDuplicateQuerySet(FamilyScopedQuerySet):
    person_field = "new_person"


class PossibleDuplicate(models.Model):
    """'Mogelijk dezelfde persoon': someone added a member with the BSN of a person they
    may not see. They were answered as if the BSN were unknown and got a new person
    without it; whether the two are the same is for the known person's own coordinator
    to decide, never for the one who typed the BSN."""

    existing_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="possible_duplicates"
    )
    # Empty once the new person is merged into the existing one (and deleted).
    new_person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the new person was added; never shown to the reviewer (not their family).
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    raised_by = models.ForeignKey(
        Professional, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    decided_by = models.ForeignKey(
        Professional, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    # Scoped by the family the new person was added to; the reviewer reads it through
    # the existing person's family instead (families.selectors._possible_duplicates).
    objects = PossibleDuplicateQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.existing_person_id} ~ {self.new_person_id} ({self.status})"


@receiver(pre_create_historical_record)
def _mark_bsn_change(sender, instance, history_instance, **kwargs) -> None:
    """A person's historical copy says whether the BSN changed, never what it was: the
    writer that replaces a BSN sets ``_bsn_changed`` on the person before saving."""
    if isinstance(instance, Person):
        history_instance.bsn_changed = bool(getattr(instance, "_bsn_changed", False))
