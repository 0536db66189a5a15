"""The administrator's writes on logins: invite, deactivate, reactivate, reset the second
factor. Each is audited (``events.py``). A professional is never deleted: deactivating
keeps the person, their history and everything they wrote, and closes their login (and
any session they have open: Django refuses inactive users)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from rits.audit import catalogue
from rits.audit.services import Actor
from rits.core import durations
from rits.organisations.models import Organisation, Professional, Team, User


@dataclass(frozen=True)
class Invitation:
    first_name: str
    last_name: str
    email: str
    organisation: Organisation
    role: str
    team: Team | None = None
    job_title: str = ""
    phone: str = ""


def invitation_link(user: User) -> str:
    """The one-time link of an invitation: Django's password-reset token, which stops
    working once a password is chosen (it hashes the password and the last login) or
    after ``PASSWORD_RESET_TIMEOUT``."""
    path = reverse(
        "administration:welcome",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.RITS_BASE_URL.rstrip("/") + path


def _invitation_mail(user: User) -> EmailMessage:
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your login for Rits")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": user.first_name or user.email},
                _("You have been given a login for Rits. Choose your password here:"),
                invitation_link(user),
                _(
                    "The link works once, for %(period)s. After your password you link an "
                    "authenticator app on your phone: you need it every time you log in."
                )
                % {"period": durations.in_words(days)},
                _("Did you not expect this e-mail? Then you do not need to do anything."),
            ]
        )
    return EmailMessage(
        subject=subject, body=body + "\n", from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )


def invite(*, invitation: Invitation, actor: Actor) -> Professional:
    """A new professional with a login that has no password yet, and the e-mail with the
    one-time link to choose one. The second factor is linked at the first login."""
    email = User.objects.normalize_email(invitation.email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already has a login with this address.")})
    if (
        invitation.team is not None
        and invitation.team.organisation_id != invitation.organisation.pk
    ):
        raise ValidationError({"team": _("This team belongs to another organisation.")})
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=None,  # unusable until the invited person chooses one
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
        professional = Professional.objects.create(
            user=user,
            organisation=invitation.organisation,
            team=invitation.team,
            role=invitation.role,
            job_title=invitation.job_title,
            phone=invitation.phone,
        )
        catalogue.log(
            "admin.professional_invited",
            actor=actor,
            object_id=professional.pk,
            detail={"organisation": invitation.organisation.pk, "role": invitation.role},
        )
        transaction.on_commit(lambda: _invitation_mail(user).send())
    return professional


def send_invitation_again(*, professional: Professional, actor: Actor) -> None:
    """A new link for someone who has not chosen a password yet (the old one still works
    until it expires)."""
    if professional.user.has_usable_password():
        raise ValidationError(_("%(name)s has already chosen a password.") % {"name": professional})
    catalogue.log(
        "admin.professional_invited", actor=actor, object_id=professional.pk, detail={"again": True}
    )
    _invitation_mail(professional.user).send()


def set_active(*, professional: Professional, active: bool, actor: Actor) -> bool:
    """Open or close a professional's login. Returns whether anything changed."""
    user = professional.user
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        catalogue.log(
            "admin.professional_reactivated" if active else "admin.professional_deactivated",
            actor=actor,
            object_id=professional.pk,
            detail={"active": active},
        )
    return True


def reset_second_factor(*, professional: Professional, actor: Actor) -> int:
    """Remove a professional's authenticator app(s): at their next login they link one
    again (``core:login-setup``). Their open sessions were verified with the removed
    device and so need the second factor again. Returns how many were removed."""
    with transaction.atomic():
        removed, _by_model = TOTPDevice.objects.filter(user=professional.user).delete()
        catalogue.log(
            "admin.second_factor_reset",
            actor=actor,
            object_id=professional.pk,
            detail={"devices": removed},
        )
    return removed


def record_reference_change(*, obj, created: bool, fields: list[str], actor: Actor) -> None:
    """The audit event of a change to reference data made in the admin: which fields,
    never their values."""
    model = obj._meta.model_name
    catalogue.log(
        f"admin.{model}_{'created' if created else 'changed'}",
        actor=actor,
        object_id=obj.pk,
        detail={"fields": sorted(fields)},
    )


def accepted_invitation(user: User) -> None:
    catalogue.log("admin.invitation_accepted", actor=Actor.for_user(user), object_id=user.pk)
