"""Citizens' logins: a login of a family member (``Person``) or of someone in the
family's network (``NetworkMember``).

A family member's account is made when they first log in with DigiD, matched through
the BSN pseudonym (never the plain number). A network member's account is made when
they accept the coordinator's invitation. A login is a citizen's or a professional's,
never both (the portal refuses a professional's login, the professional pages a
citizen's)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CitizenAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_account"
    )
    person = models.OneToOneField(
        "families.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citizen_account",
    )
    network_member = models.OneToOneField(
        "families.NetworkMember",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citizen_account",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("citizen account")
        constraints = [
            # Exactly one of the two: a family member or a network member.
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, network_member__isnull=True)
                    | models.Q(person__isnull=True, network_member__isnull=False)
                ),
                name="citizen_account_one_kind",
            )
        ]

    def __str__(self) -> str:
        return str(self.person or self.network_member)


class NetworkInvitation(models.Model):
    """A coordinator's invitation to someone of the family's network to log in to the
    portal: a one-time link by e-mail, then a six-digit code by e-mail. Only hashes of
    the link's token and of the code are stored. A new invitation revokes the previous
    one; a used, revoked, expired or spent invitation opens nothing."""

    network_member = models.ForeignKey(
        "families.NetworkMember", on_delete=models.CASCADE, related_name="portal_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it stopped opening anything, and why.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(
        max_length=16,
        blank=True,
        choices=[
            ("accepted", _("accepted")),
            ("revoked", _("replaced by a new invitation")),
            ("spent", _("too many wrong codes")),
        ],
    )

    class Meta:
        verbose_name = _("network invitation")
        indexes = [models.Index(fields=["network_member", "ended_at"])]

    def __str__(self) -> str:
        return f"invitation {self.pk}"
