"""The events of the family's plan: its reads and every change ``plan_change`` records
(see ``rits.audit.catalogue``). Choice values are stored, their labels are shown."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction
from rits.core.domains import LifeDomain
from rits.plans.models import AgreementMethod, AgreementStatus, FamilyGroupPlanStatus, SafetyKind


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _assessment(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {
        **params,
        "domain": _label(LifeDomain, params.get("domain", "")),
        "whom": params.get("whom") or _("the household"),
    }


def _safety_item(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**params, "kind": _label(SafetyKind, params.get("kind", ""))}


def _agreement(params: Mapping[str, Any]) -> Mapping[str, Any]:
    # The timeline shows to everyone who sees the agreement's life domain, also to those
    # who may not know of the owner's involvement: it names no professional.
    due = params.get("due")
    return {
        **params,
        "owner": params.get("owner") or _("a professional"),
        "due": date.fromisoformat(due).strftime("%d-%m-%Y") if due else "",
    }


def _status(choices):
    def values(params: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**params, "status": _label(choices, params.get("status", "")).lower()}

    return values


def _method(params: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**params, "method": _label(AgreementMethod, params.get("method", "")).lower()}


declare(
    # Reads.
    EventType("plan.viewed", AuditAction.VIEW, "plan", access_log=_("looked at the plan")),
    EventType(
        "plan.form_viewed",
        AuditAction.VIEW,
        "plan.form",
        access_log=_("opened a form of the plan"),
    ),
    EventType(
        "plan.comparison_viewed",
        AuditAction.VIEW,
        "plan.comparison",
        access_log=_("compared two versions of the plan"),
    ),
    EventType(
        "plan.version_viewed",
        AuditAction.VIEW,
        "plan.version",
        access_log=_("looked at an earlier version of the plan"),
    ),
    EventType(
        "plan.pdf_exported",
        AuditAction.EXPORT,
        "plan.pdf",
        access_log=_("printed the plan (PDF)"),
    ),
    EventType(
        "plan.reminders_viewed",
        AuditAction.VIEW,
        "plan.reminders",
        access_log=_("saw the plan's agreements among their reminders"),
    ),
    # Changes: each on the timeline, in the domain its writer passes unless fixed here.
    EventType(
        "plan.assessment_added",
        AuditAction.CREATE,
        "plan.assessment",
        access_log=_("assessed a life domain in the plan"),
        template=_("%(domain)s assessed for %(whom)s: %(score)d"),
        timeline=True,
        values=_assessment,
    ),
    EventType(
        "plan.safety_item_added",
        AuditAction.CREATE,
        "plan.safety_item",
        access_log=_("added a line to the safety mapping"),
        template=_("Safety mapping: added to '%(kind)s'"),
        timeline=True,
        domain=LifeDomain.SAFETY,
        values=_safety_item,
    ),
    EventType(
        "plan.safety_score_recorded",
        AuditAction.CREATE,
        "plan.safety_score",
        access_log=_("recorded a safety score"),
        template=_("Safety scale: %(name)s gives %(score)d of 10"),
        timeline=True,
        domain=LifeDomain.SAFETY,
    ),
    EventType(
        "plan.goal_added",
        AuditAction.CREATE,
        "plan.goal",
        access_log=_("added a goal to the plan"),
        template=_("Goal added: “%(text)s”"),
        timeline=True,
    ),
    EventType(
        "plan.agreement_added",
        AuditAction.CREATE,
        "plan.agreement",
        access_log=_("made an agreement in the plan"),
        template=_("Agreement: %(owner)s — %(action)s (by %(due)s)"),
        timeline=True,
        values=_agreement,
    ),
    EventType(
        "plan.agreement_status_changed",
        AuditAction.UPDATE,
        "plan.agreement",
        access_log=_("changed an agreement in the plan"),
        template=_("Agreement “%(action)s”: %(status)s"),
        timeline=True,
        values=_status(AgreementStatus),
    ),
    EventType(
        "plan.agreement_changed",
        AuditAction.UPDATE,
        "plan.agreement",
        access_log=_("changed an agreement in the plan"),
        template=_("Agreement changed: %(action)s"),
        timeline=True,
    ),
    EventType(
        "plan.crisis_contact_added",
        AuditAction.CREATE,
        "plan.crisis_contact",
        access_log=_("added a contact to the crisis plan"),
        template=_("Crisis plan: %(name)s added"),
        timeline=True,
        domain="",
    ),
    EventType(
        "plan.trusted_person_added",
        AuditAction.CREATE,
        "plan.crisis_contact",
        access_log=_("added a contact to the crisis plan"),
        template=_("Crisis plan: %(name)s is the 24/7 trusted person"),
        timeline=True,
        domain="",
    ),
    EventType(
        "plan.family_group_plan_changed",
        AuditAction.UPDATE,
        "plan.details",
        access_log=_("changed the plan's review date or family group plan"),
        template=_("Family group plan: %(status)s"),
        timeline=True,
        domain="",
        values=_status(FamilyGroupPlanStatus),
    ),
    EventType(
        "plan.details_changed",
        AuditAction.UPDATE,
        "plan.details",
        access_log=_("changed the plan's review date or family group plan"),
        template=_("Plan details changed (review date, family group plan)"),
        timeline=True,
        domain="",
    ),
    EventType(
        "plan.agreed",
        AuditAction.UPDATE,
        "plan.version",
        access_log=_("recorded that the family agreed with the plan"),
        template=_("The family agreed with version %(n)d of the plan (%(method)s)"),
        timeline=True,
        domain="",
        values=_method,
    ),
)

# What the family does itself in the portal (issue 13): on the timeline as theirs, by
# name (``who``), and marked for the coordinator (``from_family``). The free text they
# write stays in the plan, shown where its part is; the timeline names what they did.
declare(
    EventType(
        "plan.agreed_online",
        AuditAction.UPDATE,
        "plan.version.online",
        access_log=_("agreed with the plan online, in the family portal"),
        template=_("%(who)s agreed with version %(n)d of the plan online (DigiD)"),
        timeline=True,
        domain="",
        from_family=True,
    ),
    EventType(
        "plan.agreement_done_by_family",
        AuditAction.UPDATE,
        "plan.agreement",
        access_log=_("changed an agreement in the plan"),
        template=_("%(who)s marked the agreement “%(action)s” as done (family portal)"),
        timeline=True,
        from_family=True,
    ),
    EventType(
        "plan.agreement_commented_by_family",
        AuditAction.CREATE,
        "plan.agreement_comment",
        access_log=_("commented on an agreement in the plan"),
        template=_("%(who)s commented on the agreement “%(action)s” (family portal)"),
        timeline=True,
        from_family=True,
    ),
    EventType(
        "plan.agreement_commented",
        AuditAction.CREATE,
        "plan.agreement_comment",
        access_log=_("commented on an agreement in the plan"),
        template=_("%(who)s commented on the agreement “%(action)s”"),
        timeline=True,
    ),
    # A goal the family wrote has no life domain yet: on the timeline for everyone who
    # sees the family, by the writer's name only (its words are in the plan).
    EventType(
        "plan.goal_added_by_family",
        AuditAction.CREATE,
        "plan.goal",
        access_log=_("added a goal to the plan"),
        template=_("%(who)s wrote a goal in their own words (family portal)"),
        timeline=True,
        domain="",
        from_family=True,
    ),
    EventType(
        "plan.strength_added_by_family",
        AuditAction.CREATE,
        "plan.safety_item",
        access_log=_("added a line to the safety mapping"),
        template=_("%(who)s wrote what is working well (family portal)"),
        timeline=True,
        domain=LifeDomain.SAFETY,
        from_family=True,
    ),
)

# Changing, removing and putting back the plan's parts (their history is kept by
# django-simple-history; see ``services.update_goal`` and the like). On the timeline in
# the part's domain like their adding: a goal in its first life domain (passed by the
# writer), the safety mapping and scores in safety, the crisis plan for everyone.
_PARTS = (
    # (part, its object type, its template values, its domain: None = the writer's)
    ("goal", "plan.goal", None, None),
    ("safety_item", "plan.safety_item", _safety_item, LifeDomain.SAFETY),
    ("safety_score", "plan.safety_score", None, LifeDomain.SAFETY),
    ("crisis_contact", "plan.crisis_contact", None, ""),
)
_ACCESS_LOG = {
    "goal": (
        _("changed a goal in the plan"),
        _("removed a goal from the plan"),
        _("undid the removal of a goal from the plan"),
    ),
    "safety_item": (
        _("changed a line of the safety mapping"),
        _("removed a line from the safety mapping"),
        _("undid the removal of a line from the safety mapping"),
    ),
    "safety_score": (
        _("corrected a safety score"),
        _("removed a safety score"),
        _("undid the removal of a safety score"),
    ),
    "crisis_contact": (
        _("changed a contact in the crisis plan"),
        _("removed a contact from the crisis plan"),
        _("undid the removal of a contact from the crisis plan"),
    ),
}
_TEMPLATES = {
    "goal": (
        _("Goal changed: “%(text)s”"),
        _("Goal removed: “%(text)s”"),
        _("Goal back in the plan (removal undone): “%(text)s”"),
    ),
    "safety_item": (
        _("Safety mapping: a line of '%(kind)s' changed"),
        _("Safety mapping: a line of '%(kind)s' removed"),
        _("Safety mapping: a line of '%(kind)s' is back (removal undone)"),
    ),
    "safety_score": (
        _("Safety scale corrected: %(name)s gives %(score)d of 10"),
        _("Safety scale: the score of %(name)s (%(score)d of 10) removed"),
        _("Safety scale: the score of %(name)s (%(score)d of 10) is back (removal undone)"),
    ),
    "crisis_contact": (
        _("Crisis plan: details of %(name)s changed"),
        _("Crisis plan: %(name)s removed"),
        _("Crisis plan: %(name)s is back (removal undone)"),
    ),
}


def _part_events():
    for part, object_type, values, domain in _PARTS:
        logs, templates = _ACCESS_LOG[part], _TEMPLATES[part]
        for (suffix, action, kind), log, template in zip(
            (
                ("changed", AuditAction.UPDATE, object_type),
                ("removed", AuditAction.DELETE, object_type),
                ("restored", AuditAction.CREATE, f"{object_type}.restored"),
            ),
            logs,
            templates,
            strict=True,
        ):
            extra = {"values": values} if values else {}
            if domain is not None:
                extra["domain"] = domain
            yield EventType(
                f"plan.{part}_{suffix}",
                action,
                kind,
                access_log=log,
                template=template,
                timeline=True,
                **extra,
            )


declare(
    *_part_events(),
    EventType(
        "plan.history_viewed",
        AuditAction.VIEW,
        "plan.history",
        access_log=_("looked at the history of a part of the plan"),
    ),
    EventType(
        "plan.removed_viewed",
        AuditAction.VIEW,
        "plan.removed",
        access_log=_("looked at what was recently removed from the plan"),
    ),
)
