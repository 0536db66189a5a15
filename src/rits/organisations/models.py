from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A youth-care region: municipalities that organise youth care together."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    code = models.CharField(
        _("gemeentecode"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{4}$", _("A gemeentecode is four digits."))],
        help_text=_("The 4-digit CBS code of the municipality, e.g. 0344 for Utrecht."),
    )
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrganisationKind(models.TextChoices):
    WIJKTEAM = "wijkteam", _("Neighbourhood team")
    GI = "gi", _("Certified institution (GI)")
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    CARE_PROVIDER = "care_provider", _("Care provider")
    WONINGCORPORATIE = "woningcorporatie", _("Housing corporation")
    ENERGY_COMPANY = "energy_company", _("Energy company")
    WATER_COMPANY = "water_company", _("Water company")
    HEALTH_INSURER = "health_insurer", _("Health insurer")
    SCHOOL = "school", _("School")
    JGZ = "jgz", _("Youth health care (JGZ)")
    DEBT_HELP = "debt_help", _("Debt help")
    COMMUNITY = "community", _("Community organisation")
    POLICE = "police", _("Police")
    MUNICIPALITY = "municipality", _("Municipality")


# The kinds of organisation that deliver signals (``rits.signals``): those that see early
# signs of trouble in a household from outside care. Only their staff may upload signals,
# only they get an API key; neighbourhood teams, care providers and the like act on
# signals, they do not deliver them. The one list: the upload page, the menu, the API
# and the key commands all ask ``Organisation.is_signal_source``. In this order in the
# demo's key table.
SIGNAL_SOURCE_KINDS = (
    OrganisationKind.WONINGCORPORATIE,
    OrganisationKind.ENERGY_COMPANY,
    OrganisationKind.WATER_COMPANY,
    OrganisationKind.HEALTH_INSURER,
    OrganisationKind.SCHOOL,
    OrganisationKind.JGZ,
    OrganisationKind.VEILIG_THUIS,
    OrganisationKind.POLICE,
)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    agb_code = models.CharField(
        _("AGB code"),
        max_length=8,
        blank=True,
        # [0-9], not \d: \d also matches other scripts' digits, which no register knows.
        validators=[RegexValidator(r"^[0-9]{8}$", _("An AGB code is eight digits."))],
        help_text=_("National identifier of a care provider (8 digits)."),
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="organisations"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The organisation's policy: when on, colleagues in the same team see the families
    # that one of them is involved with (e.g. a neighbourhood team sharing a caseload).
    team_shares_caseload = models.BooleanField(_("team shares caseload"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_signal_source(self) -> bool:
        return self.kind in SIGNAL_SOURCE_KINDS


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class UserAccountManager(UserManager):
    def create_user(self, email, password=None, **extra):
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("username", email)
        return super().create_superuser(email=email, password=password, **extra)


class User(AbstractUser):
    """A login. Professionals log in with their work email address."""

    email = models.EmailField(_("email address"), unique=True)
    # Demo logins may skip the second factor, only while RITS_DEMO is on.
    is_demo = models.BooleanField(default=False, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = UserAccountManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class ProfessionalRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator (gezinsregisseur)")
    PROFESSIONAL = "professional", _("Professional")
    TEAM_LEAD = "team_lead", _("Team lead")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    ADMINISTRATOR = "administrator", _("Administrator")
    # The staff of a signal source who deliver its signals and work with no family:
    # Rits shows them only delivering (a signal source's caseworker, such as a housing
    # corporation's consultant involved with tenants, has a casework role instead).
    SIGNAL_DELIVERY = "signal_delivery", _("Delivers signals")


class Professional(models.Model):
    """A person who works for an organisation and uses Rits on its behalf."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="professional")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="professionals"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    role = models.CharField(
        _("role"),
        max_length=32,
        choices=ProfessionalRole.choices,
        default=ProfessionalRole.PROFESSIONAL,
    )
    # A person may hold more than one role (a team lead who also sits at the regional
    # table): the main role above, which the audit log records, and these besides.
    other_roles = models.JSONField(
        _("other roles"),
        default=list,
        blank=True,
        help_text=_("Roles this person holds besides the main one."),
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"

    @property
    def name(self) -> str:
        return str(self.user)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset([self.role, *self.other_roles])

    def has_role(self, *roles: str) -> bool:
        """Whether the person holds any of ``roles``, as main role or besides it: every
        check of a role asks this, never ``role ==``."""
        return not self.roles.isdisjoint(roles)

    def clean(self) -> None:
        super().clean()
        unknown = set(self.other_roles or []) - set(ProfessionalRole.values)
        if not isinstance(self.other_roles, list) or unknown:
            raise ValidationError({"other_roles": _("Choose roles from the list.")})
        self.other_roles = sorted(set(self.other_roles) - {self.role})

    @property
    def email(self) -> str:
        return self.user.email
