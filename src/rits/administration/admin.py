"""The reference data in the admin (registered on Rits's site, ``site.py``), its audit,
the invitation as the professional's add form, the actions on logins, and the pages of
an organisation's signal-source keys."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from rits.administration import services
from rits.audit.services import Actor
from rits.organisations.models import (
    Municipality,
    Organisation,
    Professional,
    ProfessionalRole,
    Region,
    Team,
    User,
)
from rits.signals.intake import clients


class ReferenceAdmin(admin.ModelAdmin):
    """What every model here shares: the administrator may view, add and change (the
    site already let only administrators in); nothing is deleted from the admin, since
    families' history points at these rows; every change is audited."""

    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.record_reference_change(
            obj=obj,
            created=not change,
            fields=list(form.changed_data),
            actor=Actor.for_user(request.user),
        )


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    search_fields = ["name"]


@admin.register(Municipality)
class MunicipalityAdmin(ReferenceAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    has_add_permission = has_change_permission = lambda self, request, obj=None: (
        self.admin_site.has_permission(request)
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A tabular inline names its columns in the table head, not with a <label> per
        # field: without a name of its own a screen reader announces "edit text" (axe: label).
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", str(db_field.verbose_name).capitalize())
        return field


@admin.register(Organisation)
class OrganisationAdmin(ReferenceAdmin):
    list_display = ["name", "kind", "municipality", "region", "team_shares_caseload"]
    list_filter = ["kind", "region", "team_shares_caseload"]
    search_fields = ["name", "agb_code"]
    # No autocomplete (select2): its box has no accessible name (axe: aria-input-field-name),
    # a plain list with its label works with a screen reader and the keyboard.
    change_form_template = "admin/organisations/organisation/change_form.html"

    def save_formset(self, request, form, formset, change):
        instances = formset.save()
        for team in instances:
            created = team in formset.new_objects
            services.record_reference_change(
                obj=team,
                created=created,
                fields=["organisation", "name"] if created else ["name"],
                actor=Actor.for_user(request.user),
            )

    def get_inlines(self, request, obj):
        return [TeamInline]

    def get_urls(self):
        keys = self.admin_site.admin_view(self.signal_keys)
        return [
            path("<int:organisation_id>/keys/", keys, name="organisations_organisation_keys"),
            *super().get_urls(),
        ]

    def signal_keys(self, request, organisation_id):
        """An organisation's API keys: the list (prefixes only), issuing a key (its
        plaintext shown on this answer only, never stored) and revoking one."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        actor = Actor.for_user(request.user)
        issued = None
        form = KeyForm(request.POST if request.POST.get("action") == "issue" else None)
        if request.method == "POST" and request.POST.get("action") == "revoke":
            token = clients.key_of(organisation, request.POST.get("key", ""))
            if token is None:
                raise PermissionDenied
            clients.revoke_token(token=token, actor=actor)
            messages.success(
                request, gettext("The key %(prefix)s… no longer works.") % {"prefix": token.prefix}
            )
            return redirect(request.path)
        if request.method == "POST" and form.is_valid():
            try:
                token, issued = clients.issue_token(
                    organisation=organisation, name=form.cleaned_data["name"], actor=actor
                )
            except clients.NotASignalSource as exc:
                form.add_error(None, exc.reason)
            else:
                form = KeyForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Keys of %(organisation)s") % {"organisation": organisation},
            "organisation": organisation,
            "opts": self.opts,
            "keys": clients.keys_of(organisation),
            "form": form,
            "issued": issued,
        }
        return TemplateResponse(request, "administration/signal_keys.html", context)


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("What the key is for"),
        max_length=100,
        help_text=_("For example: the monthly delivery from our system."),
    )


class InvitationForm(forms.ModelForm):
    """Adding a professional is inviting them: a login without a password, and an
    e-mail with a one-time link to choose one."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Work email address"))

    class Meta:
        model = Professional
        fields = ["organisation", "team", "role", "job_title", "phone"]

    def clean(self):
        data = super().clean()
        if data.get("email") and User.objects.filter(email__iexact=data["email"]).exists():
            self.add_error("email", _("Someone already has a login with this address."))
        team, organisation = data.get("team"), data.get("organisation")
        if (
            team is not None
            and organisation is not None
            and team.organisation_id != organisation.pk
        ):
            self.add_error("team", _("This team belongs to another organisation."))
        return data


class ProfessionalForm(forms.ModelForm):
    """A professional's details, with the names and address of their login."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Work email address"))
    other_roles = forms.MultipleChoiceField(
        label=_("Other roles"),
        choices=ProfessionalRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Roles this person holds besides the main one, e.g. a team lead's."),
    )

    class Meta:
        model = Professional
        fields = ["organisation", "team", "role", "other_roles", "job_title", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user
        for name in ("first_name", "last_name", "email"):
            self.initial.setdefault(name, getattr(user, name))

    def clean_email(self):
        email = self.cleaned_data["email"]
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.user_id)
        if taken.exists():
            raise ValidationError(_("Someone already has a login with this address."))
        return email

    def clean(self):
        data = super().clean()
        team, organisation = data.get("team"), data.get("organisation")
        if (
            team is not None
            and organisation is not None
            and team.organisation_id != organisation.pk
        ):
            self.add_error("team", _("This team belongs to another organisation."))
        return data

    def save(self, commit=True):
        professional = super().save(commit=False)
        user = professional.user
        for name in ("first_name", "last_name", "email"):
            setattr(user, name, self.cleaned_data[name])
        user.username = user.email
        if commit:
            user.save()
            professional.save()
        return professional


@admin.register(Professional)
class ProfessionalAdmin(ReferenceAdmin):
    list_display = ["name", "email", "organisation", "team", "role", "can_log_in", "second_factor"]
    list_filter = ["role", "organisation", "user__is_active"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "job_title"]
    list_select_related = ["user", "organisation", "team"]
    # No autocomplete (select2): its box has no accessible name (axe: aria-input-field-name),
    # a plain list with its label works with a screen reader and the keyboard.
    actions = ["deactivate", "reactivate", "reset_second_factor", "invite_again"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ProfessionalForm if obj is not None else InvitationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        # Other roles once the person exists (the invitation gives the main one).
        work = ["organisation", "team", "role", *(["other_roles"] if obj else []), "job_title"]
        return [
            (None, {"fields": ["first_name", "last_name", "email"]}),
            (_("Work"), {"fields": [*work, "phone"]}),
        ]

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if change:
            form.save()
            services.record_reference_change(
                obj=obj, created=False, fields=list(form.changed_data), actor=actor
            )
            return
        data = form.cleaned_data
        invited = services.invite(
            invitation=services.Invitation(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                organisation=data["organisation"],
                role=data["role"],
                team=data.get("team"),
                job_title=data.get("job_title", ""),
                phone=data.get("phone", ""),
            ),
            actor=actor,
        )
        obj.pk, obj.user = invited.pk, invited.user
        messages.info(
            request,
            gettext("An e-mail with a link to choose a password went to %(email)s.")
            % {"email": invited.user.email},
        )

    @admin.display(description=_("may log in"), boolean=True, ordering="user__is_active")
    def can_log_in(self, professional):
        return professional.user.is_active

    def get_queryset(self, request):
        linked = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(linked))

    @admin.display(description=_("second factor"), boolean=True, ordering="has_second_factor")
    def second_factor(self, professional):
        return professional.has_second_factor

    @admin.action(description=_("Close the login of the selected professionals"))
    def deactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p, actor: services.set_active(professional=p, active=False, actor=actor),
            ngettext_lazy(
                "Closed the login of %(count)d professional.",
                "Closed the logins of %(count)d professionals.",
                "count",
            ),
        )

    @admin.action(description=_("Open the login of the selected professionals again"))
    def reactivate(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p, actor: services.set_active(professional=p, active=True, actor=actor),
            ngettext_lazy(
                "Opened the login of %(count)d professional again.",
                "Opened the logins of %(count)d professionals again.",
                "count",
            ),
        )

    @admin.action(description=_("Reset the second factor (link the app again at next login)"))
    def reset_second_factor(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p, actor: services.reset_second_factor(professional=p, actor=actor) or True,
            ngettext_lazy(
                "Reset the second factor of %(count)d professional.",
                "Reset the second factor of %(count)d professionals.",
                "count",
            ),
        )

    @admin.action(description=_("Send the invitation again (only without a password yet)"))
    def invite_again(self, request, queryset):
        def again(professional, actor):
            try:
                services.send_invitation_again(professional=professional, actor=actor)
            except ValidationError as exc:
                messages.warning(request, exc.messages[0])
                return False
            return True

        self._each(
            request,
            queryset,
            again,
            ngettext_lazy(
                "Sent %(count)d invitation again.", "Sent %(count)d invitations again.", "count"
            ),
        )

    def _each(self, request, queryset, act, message):
        actor = Actor.for_user(request.user)
        done = sum(
            1 for professional in queryset.select_related("user") if act(professional, actor)
        )
        messages.success(request, message % {"count": done})


@admin.register(Team)
class TeamAdmin(ReferenceAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name", "organisation__name"]
    # No autocomplete (select2): its box has no accessible name (axe: aria-input-field-name),
    # a plain list with its label works with a screen reader and the keyboard.
