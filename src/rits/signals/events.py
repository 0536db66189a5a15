"""The events of signals: deliveries, linking, review, retention, alerts and concern
matches (see ``rits.audit.catalogue``).

New rows are spelled ``signal.<thing>``; the spellings written before the catalogue
(``signal_batch``, ``signal_link``, ``link_review``, ``signal_source_token``) are
aliases, so that the access log names old and new rows alike."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from rits.audit.catalogue import EventType, declare
from rits.audit.models import AuditAction
from rits.core.domains import LifeDomain
from rits.signals.models import SignalType
from rits.worklist.kinds import kind_for, render_reason


def _signal(params: Mapping[str, Any]) -> Mapping[str, Any]:
    signal_type = params.get("signal_type", "")
    kind = str(SignalType(signal_type).label) if signal_type in SignalType.values else signal_type
    return {**params, "kind": kind[:1].lower() + kind[1:]}


def _alert(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """The rule's title and the alert's reason in the reader's language (the reason as
    the worklist renders it from its code and parameters)."""
    shown = {**params, "title": kind_for(params.get("rule", "")).title}
    if "reason_code" in params:
        shown["reason"] = render_reason(params["reason_code"], params.get("reason_params") or {})
    if due := params.get("due"):
        shown["date"] = date.fromisoformat(due).strftime("%d-%m-%Y")
    return shown


ALERT_CHANGED = _("changed an alert about the family")
MATCH_CHANGED = _("followed up a concern match about the family")
REVIEW_DECIDED = _("decided to which family a signal belongs")

declare(
    # Intake.
    EventType(
        "signal.batch_received",
        AuditAction.CREATE,
        "signal.batch",
        access_log=_("received a delivery of signals"),
        aliases=("signal_batch",),
    ),
    EventType(
        "signal.batch_imported",
        AuditAction.IMPORT,
        "signal.batch",
        access_log=_("read a delivery of signals"),
        aliases=("signal_batch",),
    ),
    EventType(
        "signal.batch_changed",
        AuditAction.UPDATE,
        "signal.batch",
        access_log=_("changed a delivery of signals"),
        aliases=("signal_batch",),
    ),
    EventType(
        "signal.received",
        AuditAction.CREATE,
        "signal",
        access_log=_("received a signal"),
    ),
    EventType(
        "signal.source_token_issued",
        AuditAction.CREATE,
        "signal.source_token",
        access_log=_("issued a key for a signal source"),
        aliases=("signal_source_token",),
    ),
    EventType(
        "signal.source_token_revoked",
        AuditAction.UPDATE,
        "signal.source_token",
        access_log=_("revoked a key of a signal source"),
        aliases=("signal_source_token",),
    ),
    # Linking and its review: the timeline shows each signal that reached the family,
    # in the signal's life domain.
    EventType(
        "signal.linked",
        AuditAction.CREATE,
        "signal.link",
        access_log=_("linked signals to the family"),
        template=_("Signal received: %(kind)s (%(source)s)"),
        timeline=True,
        values=_signal,
        aliases=("signal_link",),
    ),
    EventType(
        "signal.link_reviews_viewed",
        AuditAction.VIEW,
        "signal.link_review.list",
        access_log=_("looked at the signals waiting for review"),
        aliases=("link_review.list",),
    ),
    EventType(
        "signal.link_review_viewed",
        AuditAction.VIEW,
        "signal.link_review",
        access_log=_("looked at a signal waiting for review"),
        aliases=("link_review",),
    ),
    EventType(
        "signal.link_reviewed",
        AuditAction.UPDATE,
        "signal.link_review",
        access_log=REVIEW_DECIDED,
        aliases=("link_review",),
    ),
    # A decision taken back: the review is open again (detail: ids only).
    EventType(
        "signal.link_review_reopened",
        AuditAction.UPDATE,
        "signal.link_review",
        access_log=REVIEW_DECIDED,
        aliases=("link_review",),
    ),
    # The link a confirmation made, removed when the confirmation is reopened.
    EventType(
        "signal.link_withdrawn",
        AuditAction.DELETE,
        "signal.link",
        access_log=_("removed a signal that was linked to the family by mistake"),
        template=_("Signal withdrawn: %(kind)s (%(source)s) was linked to this family by mistake"),
        timeline=True,
        values=_signal,
        aliases=("signal_link",),
    ),
    # The linkage model: a version saved (trained) or made the one linking uses.
    EventType(
        "signal.linkage_model_saved",
        AuditAction.CREATE,
        "signal.linkage_model",
        access_log=_("saved a version of the linkage model"),
    ),
    EventType(
        "signal.linkage_model_activated",
        AuditAction.UPDATE,
        "signal.linkage_model",
        access_log=_("chose the version of the linkage model that links signals"),
    ),
    # Retention and re-linking.
    EventType(
        "signal.changed",
        AuditAction.UPDATE,
        "signal",
        access_log=_("archived signals or offered them for linking again"),
    ),
    EventType(
        "signal.deleted",
        AuditAction.DELETE,
        "signal",
        access_log=_("removed signals at the end of their retention period"),
    ),
    EventType(
        "signal.batch_content_deleted",
        AuditAction.DELETE,
        "signal.batch_content",
        access_log=_("removed the contents of a delivery at the end of its retention period"),
        aliases=("signal_batch.content",),
    ),
    # Alerts, in the life domain of their rule (the writer passes it).
    EventType(
        "signal.alert_raised",
        AuditAction.CREATE,
        "signal.alert",
        access_log=_("raised an alert about the family"),
        template=_("Alert: %(title)s. %(reason)s"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_viewed",
        AuditAction.VIEW,
        "signal.alert",
        access_log=_("looked at an alert about the family"),
    ),
    EventType(
        "signal.inbox_viewed",
        AuditAction.VIEW,
        "signal.alert.inbox",
        access_log=_("saw an alert about the family in their inbox"),
    ),
    EventType(
        "signal.team_inbox_viewed",
        AuditAction.VIEW,
        "signal.alert.team_inbox",
        access_log=_("saw an alert about the family in their team's inbox"),
    ),
    EventType(
        "signal.alert_changed",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
    ),
    EventType(
        "signal.alert_acknowledged",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert acknowledged: %(title)s"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_acted_on",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert acted on: %(title)s — %(note)s"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_acted_on_agreement",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert acted on: %(title)s — agreement “%(action)s”"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_dismissed",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert dismissed: %(title)s — %(reason)s"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_reopened",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert reopened: %(title)s — %(reason)s"),
        timeline=True,
        values=_alert,
    ),
    EventType(
        "signal.alert_escalated",
        AuditAction.UPDATE,
        "signal.alert",
        access_log=ALERT_CHANGED,
        template=_("Alert escalated to the team lead: %(title)s (due %(date)s)"),
        timeline=True,
        values=_alert,
    ),
    # Concern matches (the Verwijsindex rule), in the safety domain.
    EventType(
        "signal.concern_match_raised",
        AuditAction.CREATE,
        "signal.concern_match",
        access_log=_("found that several organisations are concerned about the family"),
        template=_(
            "Concern match: %(names)s are concerned about young people of this family and have "
            "been told who the others are."
        ),
        timeline=True,
        domain=LifeDomain.SAFETY,
    ),
    EventType(
        "signal.concern_match_changed",
        AuditAction.UPDATE,
        "signal.concern_match",
        access_log=MATCH_CHANGED,
    ),
    EventType(
        "signal.concern_match_in_touch",
        AuditAction.UPDATE,
        "signal.concern_match",
        access_log=MATCH_CHANGED,
        template=_("Concern match: %(name)s says the organisations have been in touch."),
        timeline=True,
        domain=LifeDomain.SAFETY,
    ),
    EventType(
        "signal.concern_matches_viewed",
        AuditAction.VIEW,
        "signal.concern_match.list",
        access_log=_("looked at the concern matches of their organisation"),
    ),
)
