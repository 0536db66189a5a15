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
