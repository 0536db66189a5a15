"""The plan's forms. They only parse what was typed; what the plan accepts (scores on
the scale, an owner for every agreement, dates that are not past, …) is checked by the
services, so that the pages and the API give the same messages. Choices that depend on
the family and on the reader (members, owners, life domains, goals) are passed in.

Public for other apps: ``AgreementForm`` (its ``agreement_data`` is what
``services.add_agreement`` takes) and the template ``plans/conflict.html``, for another
app's page that adds an agreement to the plan (the worklist's act page), which may add
fields of its own to the form. The other forms are the plan pages' own."""

from django import forms
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from rits.core.domains import LifeDomain
from rits.plans.models import (
    RECORDED_AGREEMENT_METHODS,
    AgreementKind,
    AgreementStatus,
    FamilyGroupPlanStatus,
    Perspective,
    SafetyKind,
)
from rits.plans.numbers import MAX_REVISION, WholeNumberFormField, whole_number
from rits.plans.scale import SAFETY_SCALE, assessment_scale
from rits.plans.services import AgreementData

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
OWNER_GROUPS = {
    "professional": _("Professionals"),
    "person": _("Family"),
    "network": _("Network"),
}


def domain_choices(domains) -> list[tuple[str, str]]:
    """Life domains in their usual order, limited to ``domains``."""
    return [(value, label) for value, label in LifeDomain.choices if value in domains]


class PlanForm(forms.Form):
    """A form that changes the plan. It carries the plan revision it was loaded with, so
    that a change made by someone else in the meantime is noticed (optimistic locking)."""

    revision = forms.CharField(widget=forms.HiddenInput, required=False)

    # Fields the service checks (with its own plain-words message): not required here,
    # but not marked "optional" either.
    checked_by_service: tuple[str, ...] = ()

    def __init__(self, *args, revision: int = 0, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("revision", revision)
        super().__init__(*args, **kwargs)
        for name in self.checked_by_service:
            field = self.fields[name]
            field.required = False
            field.conditionally_required = True
            if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-required"] = "true"

    def clean_revision(self) -> int | None:
        # A missing or mangled revision is treated as a conflict by the service.
        return whole_number(self.cleaned_data.get("revision") or "", maximum=MAX_REVISION)

    def set_revision(self, revision: int) -> None:
        """Point the form at the plan's current revision, keeping everything typed."""
        data = self.data.copy()
        data["revision"] = str(revision)
        self.data = data

    def service_field(self, name: str) -> str | None:
        """The form field where a service's error for ``name`` belongs (None: on top)."""
        name = getattr(self, "service_fields", {}).get(name, name)
        return name if name in self.fields else None


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AssessmentForm(PlanForm):
    domain = forms.ChoiceField(label=_("Life domain"))
    person = forms.ChoiceField(
        label=_("For whom"),
        required=False,
        help_text=_("A family member, or the household as a whole."),
    )
    score = WholeNumberFormField(label=_("Score"), widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Explanation"),
        widget=_textarea(),
        max_length=5000,
        help_text=_("In plain words: what is going on, and what is going well?"),
    )
    assessed_on = forms.DateField(
        label=_("Assessed on"),
        widget=forms.DateInput(**DATE_WIDGET),
        required=False,
        help_text=_("Leave empty for today."),
    )
    checked_by_service = ("score", "explanation")

    def __init__(self, *args, domains, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = domain_choices(domains)
        self.fields["person"].choices = [("", _("The household as a whole"))] + [
            (str(m.person_id), f"{m.person.full_name} ({m.get_role_display().lower()})")
            for m in members
        ]
        self.fields["score"].widget.choices = [(s.score, s.label) for s in assessment_scale()]
        self.fields["assessed_on"].initial = timezone.localdate()

    @property
    def scale(self):
        """The scale's steps with the radio button for each (label and description)."""
        radios = {str(r.data["value"]): r for r in self["score"]}
        return [(step, radios[str(step.score)]) for step in assessment_scale()]


class SafetyItemForm(PlanForm):
    kind = forms.ChoiceField(label=_("What kind of line is this?"), choices=SafetyKind.choices)
    text = forms.CharField(label=_("Text"), widget=_textarea(4), max_length=5000)
    checked_by_service = ("text",)


class SafetyScoreForm(PlanForm):
    perspective = forms.ChoiceField(
        label=_("Whose view"), choices=Perspective.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=_("Who"), max_length=200, help_text=_("e.g. 'mother', 'the GP', 'aunt Lemlem'")
    )
    score = WholeNumberFormField(
        label=_("How safe is it now, from 0 to 10?"),
        widget=forms.RadioSelect(choices=[(n, str(n)) for n in SAFETY_SCALE]),
        help_text=_("0: the child cannot stay at home. 10: safe enough to close."),
    )
    explanation = forms.CharField(
        label=_("Why this score"), widget=_textarea(), required=False, max_length=5000
    )
    checked_by_service = ("perspective", "name", "score")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].inline = True


class GoalForm(PlanForm):
    text = forms.CharField(
        label=_("The goal in the family's own words"),
        widget=_textarea(),
        max_length=2000,
        help_text=_("Write it down as they said it; it is shown as a quote."),
    )
    said_by = forms.CharField(
        label=_("Said by"),
        max_length=200,
        required=False,
        help_text=_("e.g. 'Selam (mother)'"),
    )
    domains = forms.MultipleChoiceField(
        label=_("Life domains"), widget=forms.CheckboxSelectMultiple
    )
    checked_by_service = ("text", "domains")

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domains"].choices = domain_choices(domains)


def owner_choices(owners) -> list:
    """``services.agreement_owner_choices`` as a select with one group per kind."""
    groups: dict[str, list] = {}
    for group, key, name in owners:
        groups.setdefault(group, []).append((key, name))
    return [("", _("Choose who does this"))] + [
        (OWNER_GROUPS[group], groups[group]) for group in OWNER_GROUPS if group in groups
    ]


class AgreementForm(PlanForm):
    """An agreement in the plan (public: see the module's docstring)."""

    action = forms.CharField(
        label=_("What will be done"),
        widget=_textarea(),
        max_length=2000,
        help_text=_("e.g. 'Goes with Selam to the GP'"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AgreementKind.choices, initial=AgreementKind.OTHER
    )
    owner = forms.ChoiceField(label=_("Who does it"))
    due_date = forms.DateField(label=_("By when"), widget=forms.DateInput(**DATE_WIDGET))
    domains = forms.MultipleChoiceField(
        label=_("Life domains"), widget=forms.CheckboxSelectMultiple
    )
    goal = forms.TypedChoiceField(
        label=_("Goal"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("The goal of the family this agreement helps with, if any."),
    )
    checked_by_service = ("action", "owner", "due_date", "domains")

    def __init__(
        self, *args, owners, domains, goals, hidden_goal_id=None, current_owner=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if current_owner and current_owner[0] not in {key for _g, key, _n in owners}:
            # The agreement's own owner stays choosable, so that saving never drops it:
            # one whose involvement ended, or one the reader may not know of (unnamed).
            kind = current_owner[0].partition(":")[0]
            owners = [*owners, (kind, *current_owner)]
        self.fields["owner"].choices = owner_choices(owners)
        self.fields["domains"].choices = domain_choices(domains)
        goal_choices = [("", _("Not tied to a goal"))] + [
            (str(g.pk), Truncator(f"“{g.text}”").chars(90)) for g in goals
        ]
        if hidden_goal_id:
            # The agreement belongs to a goal the reader does not see: keep it there
            # without showing what the goal says.
            goal_choices.append((str(hidden_goal_id), _("A goal outside your involvement")))
        self.fields["goal"].choices = goal_choices

    def agreement_data(self, **extra) -> AgreementData:
        """What was typed, as ``services.add_agreement`` (or ``change_agreement``, with
        ``extra``) takes it; for a valid form."""
        d = self.cleaned_data
        return AgreementData(
            action=d["action"],
            owner=d["owner"],
            due_date=d["due_date"],
            domains=d["domains"],
            kind=d["kind"],
            goal_id=d["goal"],
            **extra,
        )


class AgreementChangeForm(AgreementForm):
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    status_note = forms.CharField(
        label=_("Note on the status"),
        max_length=500,
        required=False,
        help_text=_("e.g. why it was not done, or what changed"),
    )


class CrisisContactForm(PlanForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.CharField(
        label=_("Who is this"),
        max_length=200,
        help_text=_("e.g. 'neighbour', 'Veilig Thuis'"),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    availability = forms.CharField(
        label=_("When to call"),
        max_length=200,
        required=False,
        help_text=_("e.g. 'day and night'"),
    )
    is_trusted_person = forms.BooleanField(
        label=_("This is the 24/7 trusted person"),
        required=False,
        help_text=_(
            "The one person the family can always call, day and night. "
            "It replaces the previous trusted person."
        ),
    )
    network_member = forms.TypedChoiceField(
        label=_("Someone of the family's network"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Then they can see the crisis plan in the family portal."),
    )
    checked_by_service = ("name", "relation", "phone")

    def __init__(self, *args, network=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network_member"].choices = [("", _("Not from the network")), *network]


class PlanDetailsForm(PlanForm):
    review_date = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        help_text=_("When the family and everyone involved look at the plan again."),
    )
    family_group_plan_status = forms.ChoiceField(
        label=_("Family group plan"),
        choices=FamilyGroupPlanStatus.choices,
        widget=forms.RadioSelect,
    )
    family_group_plan_date = forms.DateField(
        label=_("When was it offered, accepted or declined?"),
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
    )
    family_group_plan_text = forms.CharField(
        label=_("The family's own plan"),
        required=False,
        widget=_textarea(8),
        help_text=_(
            "The plan the family made with its network, as they wrote it "
            "(only when they accepted to make one)."
        ),
    )
    checked_by_service = ("family_group_plan_status",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["family_group_plan_date"].conditionally_required = True


class FamilyAgreementForm(PlanForm):
    members = forms.MultipleChoiceField(
        label=_("Who of the family agreed"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick everyone who agreed; name anyone else below."),
    )
    others = forms.CharField(
        label=_("Someone else"),
        max_length=200,
        required=False,
        help_text=_("Names of others who agreed, e.g. a young person or a relative."),
    )
    method = forms.ChoiceField(
        label=_("How did the family agree?"),
        choices=RECORDED_AGREEMENT_METHODS,
        widget=forms.RadioSelect,
    )
    interpreter_language = forms.CharField(
        label=_("With an interpreter for"),
        max_length=8,
        required=False,
        help_text=_("The language, if an interpreter helped (e.g. ti for Tigrinya)."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    checked_by_service = ("method",)
    service_fields = {"agreed_by": "members"}

    def __init__(self, *args, names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(name, name) for name in names]
        # Someone must have agreed: ticked here, or named under "someone else".
        self.fields["members"].conditionally_required = True

    @property
    def agreed_by(self) -> str:
        names = [*self.cleaned_data["members"], self.cleaned_data["others"].strip()]
        return ", ".join(n for n in names if n)


class CompareForm(forms.Form):
    older = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    newer = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args, numbers, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(n), str(n)) for n in numbers]
        self.fields["older"].choices = choices
        self.fields["newer"].choices = choices
