"""Alerts: the work items the signal rules raise, and the concern match.

An alert is a work item (``rits.worklist``) whose kind is a rule of the catalogue
(``register_kinds``, from ``SignalsConfig.ready``): the worklist raises, shows,
escalates and closes it; this module adds what only signals knows — the signals behind
an alert (``Signal.work_items``, shown on its inbox line by ``signal_lines``), raising a
chunk's alerts with their signals (``raise_alerts``) and the Verwijsindex concern match
(``record_concern_matches``, ``record_in_touch``, and ``concern_matches_for_source``,
which names organisations only, never a family or a person). Each write is audited; the
system's writes come in chunks of thousands: one audit event per change, listing ids,
never a name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rits.access.principals import Principal
from rits.access.rules import MAX_ID
from rits.audit import catalogue
from rits.audit.services import Actor, log_events
from rits.core.db import among
from rits.families.services import TimelineEntry, record_timeline
from rits.organisations.models import Organisation
from rits.signals.models import ConcernMatch, Signal, SignalType
from rits.signals.rule_catalogue import RULES
from rits.signals.rules.findings import ConcernMatchDraft
from rits.signals.types import ARREARS
from rits.worklist.kinds import WorkItemKind, register_kind
from rits.worklist.selectors import INBOX_LIMIT
from rits.worklist.services import Behind, WorkItemDraft, create_once, join_pairs, raise_items

# An alert's audit object type and timeline kinds (``alert_raised``, ...).
AUDIT_TYPE = "signal.alert"


def rules_actor() -> Actor:
    return Principal.system("rules").actor


# --- the alert kinds ------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalLine:
    """A signal behind an alert as the inbox shows it (never a BSN or a name)."""

    id: int
    signal_type: str
    type_label: str
    signal_date: date
    source: str
    amount_eur: object
    crisis: bool


def signal_lines(items: Sequence) -> dict[int, list[SignalLine]]:
    """The signals behind each of ``items`` (not archived), oldest first: one query."""
    through = Signal.work_items.through
    rows = (
        through.objects.filter(among("workitem_id", [i.pk for i in items]))
        .filter(signal__archived_at=None)
        .order_by("signal__signal_date", "signal_id")
        .values_list(
            "workitem_id",
            "signal_id",
            "signal__signal_type",
            "signal__signal_date",
            "signal__source__name",
            "signal__amount_eur",
            "signal__crisis",
        )
    )
    found: dict[int, list[SignalLine]] = {}
    for item_id, pk, kind, day, source, amount, crisis in rows:
        line = SignalLine(pk, kind, str(SignalType(kind).label), day, source, amount, crisis)
        found.setdefault(item_id, []).append(line)
    return found


def suggested_action(line) -> str:
    """What the agreement made from an alert could say (the worklist's act page), from
    the signals behind it (``line.details``, its signal lines): for arrears, debt help;
    otherwise nothing, and the worklist suggests a follow-up."""
    arrears = [s for s in line.details if s.signal_type in ARREARS]
    if not arrears:
        return ""
    what = ", ".join(
        _("%(type)s (%(source)s)") % {"type": s.type_label.lower(), "source": s.source}
        for s in arrears
    )
    return _("Look at the payment arrears with the family and arrange debt help: %(what)s.") % {
        "what": what
    }


def register_kinds() -> None:
    """One work-item kind per rule of the catalogue, its reason rendered by the rule."""
    for rule in RULES:
        register_kind(
            WorkItemKind(
                code=rule.code,
                title=rule.title,
                domains=rule.domains,
                reason_names_no_one=rule.anonymous_reason,
                audit_type=AUDIT_TYPE,
                event_prefix="signal.alert",
                details=signal_lines,
                details_template="signals/alert_signals.html",
                summary_template="signals/alert_signals_summary.html",
                suggest_action=suggested_action,
            ),
            reasons={rule.code: rule.reason},
        )


# --- raising ------------------------------------------------------------------------------

SIGNALS_BEHIND = Behind(
    through=Signal.work_items.through,
    item_column="workitem_id",
    other_column="signal_id",
    audit_name="signal_ids",
)


def raise_alerts(
    drafts: Sequence[WorkItemDraft], *, actor: Actor | None = None
) -> list[tuple[int, str]]:
    """Raise the rules' alerts (``behind``: the signal ids), with their signals: see
    ``worklist.services.raise_items``."""
    return raise_items(drafts, actor=actor or rules_actor(), behind=SIGNALS_BEHIND)


# --- the concern match ----------------------------------------------------------------------


def _merged_matches(
    drafts: Iterable[ConcernMatchDraft],
) -> dict[tuple[int, str], ConcernMatchDraft]:
    merged: dict[tuple[int, str], ConcernMatchDraft] = {}
    for draft in drafts:
        seen = merged.get(draft.identity)
        signal_ids = {*draft.signal_ids, *(seen.signal_ids if seen else ())}
        merged[draft.identity] = replace(seen or draft, signal_ids=sorted(signal_ids))
    return merged


def _existing_matches(merged: dict) -> dict[tuple[int, str], int]:
    rows = ConcernMatch.objects.filter(
        among("family_id", {family_id for family_id, _k in merged}),
        among("key", {key for _f, key in merged}),
    ).values_list("pk", "family_id", "key")
    return {(f, k): pk for pk, f, k in rows if (f, k) in merged}


def _match_columns(drafts: list[ConcernMatchDraft]) -> dict[str, list]:
    return {"family_id": [d.family_id for d in drafts], "key": [d.key for d in drafts]}


def record_concern_matches(
    drafts: Sequence[ConcernMatchDraft], *, actor: Actor | None = None
) -> list[tuple[int, bool]]:
    """Record that the organisations of each draft are concerned about young people of
    its family (the Verwijsindex match), once per family and key, in a constant number
    of queries however many. Each of the organisations reads the others' contact details
    through the API and says when they have been in touch; later signals of the same
    organisations join the match. Returns per draft the match's id and whether it is
    new. Audited: one event for the new matches, one for the matches joined."""
    if not drafts:
        return []
    actor = actor or rules_actor()
    merged = _merged_matches(drafts)
    signals_through = ConcernMatch.signals.through
    with transaction.atomic():
        existing, created = create_once(
            ConcernMatch, merged, _existing_matches, _match_columns, ("family_id", "key")
        )
        join_pairs(
            ConcernMatch.organisations.through,
            "concernmatch_id",
            [(pk, o.pk) for draft, pk in created for o in draft.organisations],
            "organisation_id",
        )
        pairs = [(pk, s) for draft, pk in created for s in draft.signal_ids]
        known = set(
            signals_through.objects.filter(
                among("concernmatch_id", existing.values()),
                among("signal_id", {s for i in existing for s in merged[i].signal_ids}),
            ).values_list("concernmatch_id", "signal_id")
            if existing
            else ()
        )
        joined = []
        for identity, pk in existing.items():
            added = [s for s in merged[identity].signal_ids if (pk, s) not in known]
            if added:
                pairs.extend((pk, s) for s in added)
                joined.append((pk, *identity, added))
        join_pairs(signals_through, "concernmatch_id", pairs, "signal_id")
        if created:
            _matches_recorded(created, actor)
        log_events(
            actor=actor,
            entries=[
                catalogue.entry(
                    "signal.concern_match_changed",
                    object_id=pk,
                    family_id=family_id,
                    detail={"key": key, "signal_ids_added": added},
                )
                for pk, family_id, key, added in joined
            ],
        )
    ids = {draft.identity: (pk, True) for draft, pk in created}
    ids.update({identity: (pk, False) for identity, pk in existing.items()})
    return [ids[draft.identity] for draft in drafts]


def _matches_recorded(created: list[tuple[ConcernMatchDraft, int]], actor: Actor) -> None:
    record_timeline(
        TimelineEntry(
            family_id=d.family_id,
            code="signal.concern_match_raised",
            params={"names": ", ".join(sorted(o.name for o in d.organisations))},
        )
        for d, _pk in created
    )
    log_events(
        actor=actor,
        entries=[
            catalogue.entry(
                "signal.concern_match_raised",
                object_id=pk,
                family_id=d.family_id,
                detail={
                    "key": d.key,
                    "organisations": [o.pk for o in d.organisations],
                    "signal_ids": list(d.signal_ids),
                },
            )
            for d, pk in created
        ],
    )


# --- the concern match, as a signal source sees it -------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str
    kind: str
    phone: str
    email: str


@dataclass
class ConcernMatchView:
    """A concern match for one of its organisations: who the others are (contact details
    only) and which of its own signals it is about (by the organisation's own
    reference). Nothing about the family or the young person."""

    id: int
    notified_at: datetime
    in_touch_at: datetime | None
    in_touch_note: str
    others: list[Contact]
    references: list[str]


def _source_matches(organisation: Organisation):
    return (
        ConcernMatch.objects.filter(organisations=organisation)
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
            Prefetch(
                "signals",
                queryset=Signal.objects.filter(source=organisation).only("id", "reference"),
                to_attr="own_signals",
            ),
        )
        .order_by("-notified_at", "-id")
    )


def _match_view(match: ConcernMatch, organisation: Organisation) -> ConcernMatchView:
    return ConcernMatchView(
        id=match.pk,
        notified_at=match.notified_at,
        in_touch_at=match.in_touch_at,
        in_touch_note=match.in_touch_note,
        others=[
            Contact(o.name, o.get_kind_display(), o.phone, o.email)
            for o in match.organisations.all()
            if o.pk != organisation.pk
        ],
        references=sorted(s.reference for s in match.own_signals),
    )


def concern_matches_for_source(
    *, organisation: Organisation, actor: Actor, limit: int = INBOX_LIMIT
) -> list[ConcernMatchView]:
    """The concern matches ``organisation`` is part of, newest first. Audited."""
    matches = [_match_view(m, organisation) for m in _source_matches(organisation)[:limit]]
    if matches:
        catalogue.log(
            "signal.concern_matches_viewed",
            actor=actor,
            detail={"match_ids": [m.id for m in matches]},
        )
    return matches


def record_in_touch(
    *, organisation: Organisation, match_id: int, note: str = "", actor: Actor
) -> ConcernMatchView:
    """One of the organisations says they have been in touch with the others: the match
    is no longer waiting. Saying so again changes nothing."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep this under %(n)d characters.") % {"n": 500}})
    if not 0 < int(match_id) <= MAX_ID:
        raise Http404(_("Not found."))
    with transaction.atomic():
        match = (
            ConcernMatch.objects.select_for_update()
            .filter(pk=match_id, organisations=organisation)
            .select_related("family")
            .first()
        )
        if match is None:
            raise Http404(_("Not found."))
        if match.in_touch_at is None:
            match.in_touch_at = timezone.now()
            match.in_touch_note = note
            match.save(update_fields=["in_touch_at", "in_touch_note"])
            record_timeline(
                [
                    TimelineEntry(
                        family_id=match.family_id,
                        code="signal.concern_match_in_touch",
                        params={"name": organisation.name},
                    )
                ]
            )
            catalogue.log(
                "signal.concern_match_in_touch",
                actor=actor,
                object_id=match.pk,
                family_id=match.family_id,
                detail={"in_touch": True, "by": organisation.pk},
            )
    return _match_view(_source_matches(organisation).get(pk=match.pk), organisation)
