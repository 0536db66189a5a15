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
