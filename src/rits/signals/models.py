"""Signals: what signal sources (landlords, utilities, insurers, schools, JGZ, Veilig Thuis,
police, professionals) deliver to Rits, and how it came in.

Intake is the first stage of the pipeline
``intake → link → rules → alert → inbox → action``. A delivery is stored as it came
(``SignalBatch`` with its raw bytes in ``SignalBatchPart``) before anything is parsed,
so nothing that was accepted can be lost; each good row becomes one ``Signal``, unique
per source and the source's own reference, so that sending a row again never makes a
second signal. A signal carries its stage in the pipeline in ``status``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rits.core.scoping import FamilyScopedQuerySet
from rits.organisations.models import Organisation
from rits.worklist.models import WorkItem


class SignalType(models.TextChoices):
    RENT_ARREARS = "rent_arrears", _("Rent arrears")
    MORTGAGE_ARREARS = "mortgage_arrears", _("Mortgage arrears")
    ENERGY_ARREARS = "energy_arrears", _("Energy arrears")
    WATER_ARREARS = "water_arrears", _("Water arrears")
    HEALTH_INSURANCE_ARREARS = "health_insurance_arrears", _("Health-insurance arrears")
    SCHOOL_ABSENCE = "school_absence", _("School absence")
    MISSED_CHILD_HEALTH_VISIT = "missed_child_health_visit", _("Missed child-health visit")
    VEILIG_THUIS_REPORT = "veilig_thuis_report", _("Report to Veilig Thuis")
    POLICE_REPORT = "police_report", _("Police report")
    RISK_REGISTRATION = "risk_registration", _("Risk registration (Verwijsindex)")
    SELF_REFERRAL = "self_referral", _("Self-referral")
    OTHER = "other", pgettext_lazy("kind", "Other")


class SignalStatus(models.TextChoices):
    """Where a signal is in the pipeline. Intake leaves every signal ``received``; linking
    to a person and family (a later stage) moves it on."""

    RECEIVED = "received", _("Received")
    LINKED = "linked", _("Linked")
    UNLINKED = "unlinked", _("Not linked")
    REVIEW = "review", _("Link to be reviewed")


class SignalSourceToken(models.Model):
    """A signal source's API key. Only a hash is stored: the key itself is shown once,
    when it is issued. It authenticates as the organisation, never as a user, and opens
    only the signal intake endpoints."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signal_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for."))
    # The start of the key, to recognise it in lists and logs without revealing it.
    prefix = models.CharField(max_length=16, db_index=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Demo keys are derived from a public secret: they only work while demo mode is on.
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.organisation}, {self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class BatchFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class BatchStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    DONE = "done", pgettext_lazy("delivery status", "Done")
    FAILED = "failed", _("Failed")


class SignalBatch(models.Model):
    """One delivery (a file or a JSON array) and its report."""

    source = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signal_batches"
    )
    token = models.ForeignKey(
        SignalSourceToken,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    file_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=8, choices=BatchFormat.choices)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.RECEIVED, db_index=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the file as a whole could not be read (then nothing from it was accepted).
    error = models.TextField(blank=True)
    # Remarks about the file that did not stop it, e.g. columns that were ignored.
    warnings = models.JSONField(default=list, blank=True)
    # Lines in the delivery as received (for a CSV file: the header and the rows), to show
    # how far processing is.
    expected_lines = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Checkpoint: every row up to this line is in the counts above, so processing that
    # was interrupted resumes after it instead of counting rows twice.
    resume_line = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "signal batches"

    def __str__(self) -> str:
        return f"batch {self.pk} from {self.source} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {BatchStatus.DONE, BatchStatus.FAILED}


class SignalBatchPart(models.Model):
    """A piece of a batch's raw content, exactly as received. Stored in pieces so that a
    large file is never held in memory whole, and in the database so that any worker can
    read it."""

    batch = models.ForeignKey(SignalBatch, on_delete=models.CASCADE, related_name="parts")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="signal_batch_part_seq")
        ]

    def __str__(self) -> str:
        return f"part {self.seq} of batch {self.batch_id}"


class SignalBatchProblem(models.Model):
    """One line of a batch's report: a rejected row and why. A reason never contains the
    content of a cell."""

    batch = models.ForeignKey(SignalBatch, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["batch", "line", "id"]
        indexes = [models.Index(fields=["batch", "line"], name="signal_problem_batch_line")]

    def __str__(self) -> str:
        return f"batch {self.batch_id} line {self.line}: {self.field or '-'}"


class Signal(models.Model):
    """One signal about one person, as the source delivered it.

    Of the BSN only its keyed pseudonym is kept (data minimisation): later stages match
    on the pseudonym and nothing ever needs the number itself, so it is not stored, not
    even encrypted. A source may deliver several signals about one person, so the
    pseudonym is not unique here."""

    # No single-column indexes on source and batch: the unique (source, reference) and the
    # (batch, batch_line) indexes below serve those lookups, and every index costs time on
    # each of the millions of rows intake writes.
    source = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signals", db_index=False
    )
    reference = models.CharField(
        _("reference"), max_length=100, help_text=_("The source's own unique id.")
    )
    batch = models.ForeignKey(
        SignalBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        db_index=False,
    )
    # The line of the batch this signal came from (for JSON: the position in the array).
    batch_line = models.PositiveBigIntegerField(null=True, blank=True)
    signal_type = models.CharField(_("type"), max_length=32, choices=SignalType.choices)
    signal_date = models.DateField(_("signal date"))
    since = models.DateField(_("since"), null=True, blank=True)
    amount_eur = models.DecimalField(
        _("amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    crisis = models.BooleanField(
        _("crisis"),
        default=False,
        help_text=_("Eviction, cut-off or loss of insurance is threatened."),
    )
    # Not indexed: linking looks up persons by pseudonym, never signals.
    bsn_pseudonym = models.CharField(max_length=64, null=True, blank=True, editable=False)
    surname = models.CharField(_("surname"), max_length=200, blank=True)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    given_names = models.CharField(_("given names"), max_length=200, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    house_number = models.PositiveIntegerField(_("house number"), null=True, blank=True)
    house_number_suffix = models.CharField(_("house number suffix"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    risk_code = models.CharField(_("risk category"), max_length=1, blank=True)
    note = models.TextField(_("note"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=SignalStatus.choices, default=SignalStatus.RECEIVED
    )
    # When linking last looked at this signal, and when the rules did (the pipeline's
    # checkpoints: each stage picks up what the previous stage finished).
    linked_at = models.DateTimeField(null=True, blank=True)
    rules_run_at = models.DateTimeField(null=True, blank=True)
    # A risk registration past its term (two years) is archived, not shown: it is kept
    # (five years) only to be found again when a new registration about the same young
    # person comes in (see ``retention``).
    archived_at = models.DateTimeField(null=True, blank=True)
    # The work items (alerts) it is behind.
    work_items = models.ManyToManyField("worklist.WorkItem", related_name="signals", blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"], name="signal_unique_reference_per_source"
            )
        ]
        indexes = [
            # The next stage picks up what is waiting for it.
            models.Index(fields=["status", "received_at"], name="signal_status_received"),
            models.Index(fields=["batch", "batch_line"], name="signal_batch_line"),
            # Retention finds archived risk registrations; the rest is never in it.
            models.Index(
                fields=["archived_at"],
                name="signal_archived",
                condition=models.Q(archived_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_signal_type_display()} {self.reference} ({self.source})"

    @property
    def has_bsn(self) -> bool:
        return bool(self.bsn_pseudonym)


# --- linking: the right person, the right household ---------------------------------------


class RemovedSignalReference(models.Model):
    """The reference of a signal that retention removed, and the id it had. A reference a
    source sent once is never taken as new again: sending it after the signal was removed
    is answered as any resend ("duplicate", with that id). Otherwise the answer would tell
    the source whether its first signal was kept, and retention keeps the signals that
    were linked to a family: the source could learn whether a person is known. Holds the
    source's own reference only (never a BSN: intake refuses one), nothing about a person."""

    source = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reference = models.CharField(max_length=100)
    signal_id = models.PositiveBigIntegerField()
    removed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reference"], name="removed_signal_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"removed reference of signal {self.signal_id}"


class LinkMethod(models.TextChoices):
    BSN = "bsn", _("BSN (exact)")
    PROBABILISTIC = "probabilistic", _("Name, date of birth and address")
    REVIEWED = "reviewed", _("Confirmed by a professional")
    # Since issue 12 only a coordinator's confirmation of a family-level review makes one
    # ("this signal about someone at our address is about our household"); older rows
    # are the linking stage's own, from when it linked by address.
    HOUSEHOLD = "household", _("Same address as the family")


class AboutPersonQuerySet(FamilyScopedQuerySet):
    """Rows about one family, and (where set) one of its members."""

    person_field = "person"


class SignalLink(models.Model):
    """A signal linked to a family: through one of its members (``person``), or through
    the household (no person) when that family's coordinator confirmed that a signal
    about someone at its address, who is not a member, is about the household. A signal
    may be linked to more than one family."""

    # Served by the unique (signal, family) and the (family, created_at) indexes below.
    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="signal_links", db_index=False
    )
    person = models.ForeignKey(
        "families.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    # The linkage model's probability that signal and person are the same (None for BSN).
    match_probability = models.FloatField(null=True, blank=True)
    # The version of the linkage model that decided it (``LinkageModel.version``); blank
    # for links the model did not decide (BSN, household) and for links made before.
    model_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AboutPersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["signal", "family"], name="signal_link_unique")
        ]
        indexes = [models.Index(fields=["family", "-created_at"], name="signal_link_family")]

    def __str__(self) -> str:
        return f"signal {self.signal_id} → family {self.family_id} ({self.method})"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("To be reviewed")
    CONFIRMED = "confirmed", _("Confirmed: same person")
    REJECTED = "rejected", _("Rejected: not this person")
    NEW_PERSON = "new_person", _("A person not known yet")


class LinkReview(models.Model):
    """A possible link for the coordinator of ``family`` to decide. Either about a person
    (the model is not sure enough to link, and not sure enough to let go: is the signal
    about this member?), or, without a person, about the household: the signal is linked
    to an adult who is not a member of this family but lives at its address (is the
    signal about this household?)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="reviews")
    # None: a family-level review (see above).
    person = models.ForeignKey(
        "families.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    family = models.ForeignKey("families.Family", on_delete=models.CASCADE, related_name="+")
    # None for a family-level review: no member was compared.
    match_probability = models.FloatField(null=True, blank=True)
    # Per compared field: "agree", "close" or "disagree" (or "missing"), for the reviewer.
    field_agreement = models.JSONField(default=dict)
    # The version of the linkage model that put the pair up for review (blank before).
    model_version = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the decision did, so that reopening the review undoes exactly that (see
    # ``linking.review.reopen_review``): the signal's status and rules checkpoint before,
    # the links it created, the household links it named a person in (with their old
    # probability), the other reviews it closed; or, on a review closed by another's
    # confirmation, ``{"closed_by": <that review's id>}``. None on an open review and on
    # decisions recorded before this was kept (those cannot be reopened).
    effects = models.JSONField(null=True, blank=True)
    # Earlier decisions that were reopened: who decided what when, who reopened it and why.
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AboutPersonQuerySet.as_manager()

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["signal", "person"], name="link_review_unique"),
            # One family-level review per signal and family (NULL persons are distinct
            # in the constraint above).
            models.UniqueConstraint(
                fields=["signal", "family"],
                condition=models.Q(person__isnull=True),
                name="link_review_household_unique",
            ),
        ]

    def __str__(self) -> str:
        if self.person_id is None:
            return f"review signal {self.signal_id} ~ household of family {self.family_id}"
        return f"review signal {self.signal_id} ~ person {self.person_id}"

    @property
    def is_household(self) -> bool:
        """A family-level review: is the signal about this household?"""
        return self.person_id is None


class LinkageModelOrigin(models.TextChoices):
    DEFAULT = "default", _("The committed default")
    TRAINED = "trained", _("Trained on the region's data")


class LinkageModel(models.Model):
    """A version of the linkage model: a Splink settings document (comparisons with their
    m and u probabilities, the prior, the blocking rules), the committed default or one
    trained on the region's own caseload and signals (``manage.py train_linkage_model``).
    Linking uses the one active model and records its version on every link and review
    it decides; it never trains. Ids and figures only: no person's data (the term
    frequencies keep only values shared by several people, see ``linking.training``)."""

    version = models.CharField(max_length=64, unique=True)
    # Rits's model format and the Splink major version it was made for, e.g.
    # "rits-1/splink-5": linking refuses a model of another format.
    format = models.CharField(max_length=32)
    origin = models.CharField(max_length=16, choices=LinkageModelOrigin.choices)
    document = models.JSONField()
    # Per column with term-frequency adjustments: {value: frequency among the members}.
    term_frequencies = models.JSONField(default=dict, blank=True)
    # How it was trained: people, signals, pairs sampled for u, EM rounds and iterations,
    # whether EM converged, the prior (empty for the default).
    training = models.JSONField(default=dict, blank=True)
    trained_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="linkage_model_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"linkage model {self.version}{' (active)' if self.active else ''}"


# --- rules and alerts ---------------------------------------------------------------------


class Alert(WorkItem):
    """What a rule concluded about a family, for its coordinator (or, without one, the
    team): a work item whose kind is the rule's code, with the signals behind it
    (``Signal.work_items``). A proxy, not a table: the worklist owns the rows (their
    status, due date, assignee and escalation), and ``Alert.objects`` reads them all —
    filter on ``kind`` (a rule's code) where another domain's items could be among
    them."""

    class Meta:
        proxy = True


class ConcernMatch(models.Model):
    """The Verwijsindex match rule: two or more organisations with concern about the same
    youth (or youths at one address, or with one parent) and no coordinator yet. Every
    reporter is told who the others are; the match is tracked until they have been in
    touch."""

    family = models.ForeignKey(
        "families.Family", on_delete=models.CASCADE, related_name="concern_matches"
    )
    key = models.CharField(max_length=200)
    organisations = models.ManyToManyField(Organisation, related_name="concern_matches")
    signals = models.ManyToManyField(Signal, related_name="concern_matches")
    notified_at = models.DateTimeField(default=timezone.now)
    in_touch_at = models.DateTimeField(null=True, blank=True)
    in_touch_note = models.CharField(max_length=500, blank=True)

    objects = FamilyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-notified_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["family", "key"], name="concern_match_unique")
        ]

    def __str__(self) -> str:
        return f"concern match for family {self.family_id}"
