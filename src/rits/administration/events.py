"""The events of administration (see ``rits.audit.catalogue``): every change the
functional administrator makes to reference data, and to a professional's login. The
admin's own change history (``LogEntry``) is not the audit log: these are.

Rows are ``admin.<model>`` for reference data (the detail names the changed fields, never
their values) and ``admin.login`` for what happens to a professional's login."""

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction

# model name -> (created, changed)
REFERENCE = {
    "region": (_("added a region"), _("changed a region")),
    "municipality": (_("added a municipality"), _("changed a municipality")),
    "organisation": (_("added an organisation"), _("changed an organisation")),
    "team": (_("added a team"), _("changed a team")),
    "professional": (_("added a professional"), _("changed a professional")),
}

declare(
    *(
        EventType(
            f"admin.{model}_{verb}",
            action,
            f"admin.{model}",
            access_log=sentence,
        )
        for model, sentences in REFERENCE.items()
        for verb, action, sentence in zip(
            ("created", "changed"), (AuditAction.CREATE, AuditAction.UPDATE), sentences, strict=True
        )
    ),
    EventType(
        "admin.professional_invited",
        AuditAction.CREATE,
        "admin.login",
        access_log=_("invited a professional to log in"),
    ),
    EventType(
        "admin.professional_deactivated",
        AuditAction.UPDATE,
        "admin.login",
        access_log=_("changed whether a professional may log in"),
    ),
    EventType(
        "admin.professional_reactivated",
        AuditAction.UPDATE,
        "admin.login",
        access_log=_("changed whether a professional may log in"),
    ),
    EventType(
        "admin.second_factor_reset",
        AuditAction.DELETE,
        "admin.login",
        access_log=_("reset a professional's second factor"),
    ),
    EventType(
        "admin.invitation_accepted",
        AuditAction.UPDATE,
        "admin.invitation",
        access_log=_("accepted an invitation and chose a password"),
    ),
)
