"""The worklist on its own, with a kind of its own (no signals): raising once, the
reason rendered in the reader's language, the states, escalation to the team lead and
the hand-on after commit, the inboxes over every kind, and who sees what."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from rits.access.models import EmergencyAccess
from rits.audit import catalogue
from rits.audit.models import AuditEvent
from rits.audit.services import Actor
from rits.families.models import FamilyEvent
from rits.plans.models import Agreement
from rits.plans.services import AgreementData
from rits.worklist import handoff, kinds, selectors, services
from rits.worklist.models import WorkItem, WorkItemStatus
from rits.worklist.working_days import add_working_days
from tests import factories

pytestmark = pytest.mark.django_db

KIND = "test.follow_up"
TIMELINE_EVENTS = (
    "raised",
    "acknowledged",
    "acted_on",
    "acted_on_agreement",
    "dismissed",
    "reopened",
    "escalated",
)
TODAY = timezone.localdate()


def _reason(params: dict) -> str:
    # A kind renders its reason from its parameters, in the active language.
    if translation.get_language().startswith("nl"):
        return f"Bespreek {params['topic']} vóór {params['by']}."
    return f"Discuss {params['topic']} before {params['by']}."


@pytest.fixture(autouse=True)
def test_kind():
    kind = kinds.WorkItemKind(
        code=KIND,
        title=gettext_lazy("Follow-up"),
        domains=("finances",),
        audit_type="test.item",
        event_prefix="test_item",
    )
    kinds.register_kind(kind, reasons={KIND: _reason})
    # Its timeline events and the audit rows of its object type, declared as an app
    # declares them in its events.py.
    codes = [f"test_item_{what}" for what in TIMELINE_EVENTS]
    catalogue.declare(
        *(
            catalogue.EventType(code, "", "", template=gettext_lazy("Follow-up"), timeline=True)
            for code in codes
        )
    )
    audited = {"created": "create", "changed": "update", "viewed": "view"}
    catalogue.declare(
        *(
            catalogue.EventType(f"test.item_{what}", action, "test.item", access_log=what)
            for what, action in audited.items()
        )
    )
    codes += [f"test.item_{what}" for what in audited]
    yield kind
    catalogue.forget(*codes)
    kinds._KINDS.pop(KIND)
    kinds._REASONS.pop(KIND)


@pytest.fixture
def team(family_setup):
    team = factories.TeamFactory()
    coordinator = family_setup["coordinator"]
    coordinator.team = team
    coordinator.save()
    lead = factories.ProfessionalFactory(role="team_lead", team=team)
    return {"team": team, "lead": lead}


def draft(family, key="k1", *, due=None, **kw) -> services.WorkItemDraft:
    return services.WorkItemDraft(
        kind=KIND,
        family_id=family.pk,
        key=key,
        reason_code=KIND,
        reason_params={"topic": "the budget", "by": "2026-12-18"},
        due_date=due or add_working_days(TODAY, 10),
        **kw,
    )


def raise_one(family_setup, **kw) -> WorkItem:
    drafts = [draft(family_setup["family"], **kw)]
    [(pk, outcome)] = services.raise_items(drafts, actor=Actor.system("test"))
    assert outcome == services.RAISED
    return WorkItem.objects.get(pk=pk)


def test_an_item_is_raised_once_per_kind_family_and_key(family_setup):
    family = family_setup["family"]
    actor = Actor.system("test")
    first = services.raise_items([draft(family), draft(family, "k2")], actor=actor)
    assert [outcome for _pk, outcome in first] == [services.RAISED, services.RAISED]
    again = services.raise_items([draft(family), draft(family, "k2")], actor=actor)
    assert again == [(pk, services.UNCHANGED) for pk, _o in first]
    assert WorkItem.objects.count() == 2
    # Sooner due: the open item moves forward, and says so in the audit log.
    sooner = draft(family, due=TODAY)
    assert services.raise_items([sooner], actor=actor) == [(first[0][0], services.UPDATED)]
    assert WorkItem.objects.get(pk=first[0][0]).due_date == TODAY
    # The kind's names in the audit log and on the timeline, in the kind's domain.
    assert AuditEvent.objects.filter(object_type="test.item", action="create").count() == 2
    assert AuditEvent.objects.filter(object_type="test.item", action="update").count() == 1
    events = FamilyEvent.objects.filter(family=family, code="test_item_raised")
    assert set(events.values_list("domain", flat=True)) == {"finances"}


def test_raising_many_takes_as_many_statements_as_raising_one(family_setup, settings):
    settings.AUDIT_CHAINS = 1
    families = [factories.FamilyFactory() for _ in range(6)]
    actor = Actor.system("test")
    services.raise_items([draft(family_setup["family"])], actor=actor)  # the chain exists
    with CaptureQueriesContext(connection) as one:
        services.raise_items([draft(families[0])], actor=actor)
    with CaptureQueriesContext(connection) as many:
        services.raise_items([draft(f, key) for f in families[1:] for key in "abc"], actor=actor)
    assert len(many) == len(one)


def test_the_reason_is_rendered_when_read_in_the_readers_language(family_setup):
    item = raise_one(family_setup)
    assert item.reason_params == {"topic": "the budget", "by": "2026-12-18"}
    with translation.override("nl"):
        assert item.reason == "Bespreek the budget vóór 2026-12-18."
    with translation.override("en"):
        assert item.reason == "Discuss the budget before 2026-12-18."


def test_an_unknown_reason_code_renders_nothing_rather_than_a_code():
    assert kinds.render_reason("gone.kind", {"x": 1}) == ""
    assert kinds.kind_for("gone.kind").domains == ()
    with translation.override("en"):
        assert kinds.render_reason(kinds.LEGACY_TEXT, {"nl": "Tekst", "en": "Text"}) == "Text"
    with translation.override("de"):
        assert kinds.render_reason(kinds.LEGACY_TEXT, {"nl": "Tekst", "en": "Text"}) == "Tekst"


def test_the_coordinator_acknowledges_acts_on_and_another_dismisses(family_setup):
    user = family_setup["coordinator"].user
    item = raise_one(family_setup)
    services.acknowledge(user=user, item_id=item.pk)
    services.acknowledge(user=user, item_id=item.pk)  # again: nothing changes
    item.refresh_from_db()
    assert item.status == WorkItemStatus.ACKNOWLEDGED and item.acknowledged_by == user
    services.act_on(user=user, item_id=item.pk, note="Besproken met het gezin.")
    item.refresh_from_db()
    assert item.status == WorkItemStatus.ACTED_ON and item.action_note
    with pytest.raises(ValidationError):
        services.dismiss(user=user, item_id=item.pk, reason="te laat")
    other = raise_one(family_setup, key="k2")
    with pytest.raises(ValidationError):
        services.dismiss(user=user, item_id=other.pk, reason="  ")
    services.dismiss(user=user, item_id=other.pk, reason="Niet meer nodig.")
    assert WorkItem.objects.get(pk=other.pk).dismissed_reason == "Niet meer nodig."
    kinds_written = set(FamilyEvent.objects.values_list("code", flat=True))
    assert {"test_item_acknowledged", "test_item_acted_on", "test_item_dismissed"} <= kinds_written


def test_a_finance_worker_reads_but_does_not_change_anothers_item(family_setup):
    finance = factories.ProfessionalFactory()
    factories.InvolvementFactory(
        family=family_setup["family"], professional=finance, domains=["finances"]
    )
    item = raise_one(family_setup, assigned_to_id=family_setup["coordinator"].pk)
    line = selectors.item_for_user(user=finance.user, item_id=item.pk)
    assert line.visible and not line.can_change
    with pytest.raises(PermissionDenied):
        services.acknowledge(user=finance.user, item_id=item.pk)


def test_an_overdue_item_escalates_to_the_team_lead_and_is_handed_on(
    family_setup, team, django_capture_on_commit_callbacks
):
    handed = []

    def receiver(sender, ids, **kw):
        handed.append(ids)

    handoff.escalated.connect(receiver)
    try:
        item = raise_one(
            family_setup,
            due=TODAY - datetime.timedelta(days=3),
            assigned_to_id=family_setup["coordinator"].pk,
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert services.escalate_overdue(today=TODAY) == 1
        assert services.escalate_overdue(today=TODAY) == 0  # once
    finally:
        handoff.escalated.disconnect(receiver)
    assert handed == [[item.pk]]
    item.refresh_from_db()
    assert item.escalated_at and item.team == team["team"]
    [event] = AuditEvent.objects.filter(object_type="test.item", detail__escalated=True)
    assert event.detail["team_leads"] == [team["lead"].pk]
    # First in the lead's inbox, without family data (the lead is not involved).
    [line] = selectors.my_inbox(user=team["lead"].user).lines
    assert line.id == item.pk and line.escalated and not line.visible
    assert line.family is None and line.reason == "" and line.details == []


def test_raised_items_are_handed_on_after_commit_only(
    family_setup, django_capture_on_commit_callbacks
):
    handed = []

    def receiver(sender, ids, **kw):
        handed.append(ids)

    handoff.raised.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            item = raise_one(family_setup)
        assert handed == [] and len(callbacks) == 1
        callbacks[0]()
    finally:
        handoff.raised.disconnect(receiver)
    assert handed == [[item.pk]]


def test_the_inbox_lists_every_kind_with_its_reason(family_setup, as_user):
    item = raise_one(family_setup)
    with translation.override("en"):
        [line] = selectors.my_inbox(user=family_setup["coordinator"].user).lines
    assert line.id == item.pk and line.visible and line.can_change
    assert line.reason == "Discuss the budget before 2026-12-18."
    assert str(line.title) == "Follow-up"
    audit = AuditEvent.objects.get(object_type="work_item.inbox")
    assert audit.detail == {"family_ids": [family_setup["family"].pk], "work_item_ids": [item.pk]}
    client = as_user(family_setup["coordinator"])
    html = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Follow-up" in html and "Discuss the budget before 2026-12-18." in html


def test_the_family_page_lists_the_open_items_the_reader_may_see(family_setup):
    from rits.access.rules import grant_for

    raise_one(family_setup)
    family = family_setup["family"]
    coordinator = grant_for(family_setup["coordinator"].user, family.pk)
    worker = grant_for(family_setup["worker"].user, family.pk)
    assert [i.title for i in selectors.open_items_of_family(grant=coordinator)] == ["Follow-up"]
    assert selectors.open_items_of_family(grant=worker) == []


def test_a_status_filter_that_does_not_exist_is_a_clear_error(family_setup):
    with pytest.raises(ValidationError):
        selectors.my_inbox(user=family_setup["coordinator"].user, status="bogus")


def test_visible_to_keeps_only_the_items_of_the_grants_family(family_setup):
    from rits.access.rules import grant_for

    mine = raise_one(family_setup)
    other = factories.FamilyFactory()
    services.raise_items([draft(other)], actor=Actor.system("test"))
    grant = grant_for(family_setup["coordinator"].user, family_setup["family"].pk)
    assert list(WorkItem.objects.visible_to(grant)) == [mine]


# --- moved from the signals' alert tests: what holds for every kind ------------------------


def test_a_failing_agreement_leaves_the_item_as_it_was(family_setup):
    item = raise_one(family_setup)
    with pytest.raises(ValidationError) as exc:
        services.act_on(
            user=family_setup["coordinator"].user,
            item_id=item.pk,
            revision=0,
            data=AgreementData(action="", owner="", due_date=None, domains=[]),
        )
    assert {"action", "owner", "due_date", "domains"} <= set(exc.value.message_dict)
    item.refresh_from_db()
    assert item.status == WorkItemStatus.OPEN and not Agreement.objects.exists()


def test_dismiss_requires_a_reason_and_a_closed_item_stays_closed(family_setup):
    coordinator = family_setup["coordinator"].user
    item = raise_one(family_setup)
    with pytest.raises(ValidationError) as exc:
        services.dismiss(user=coordinator, item_id=item.pk, reason="   ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.dismiss(user=coordinator, item_id=item.pk, reason="x" * 501)
    assert "reason" in exc.value.message_dict
    services.dismiss(user=coordinator, item_id=item.pk, reason="Schuld is al afgelost")
    item.refresh_from_db()
    assert item.status == WorkItemStatus.DISMISSED
    assert item.dismissed_reason == "Schuld is al afgelost"
    assert FamilyEvent.objects.filter(code="test_item_dismissed", domain="finances").exists()
    with pytest.raises(ValidationError):
        services.acknowledge(user=coordinator, item_id=item.pk)
    with pytest.raises(ValidationError):
        services.dismiss(user=coordinator, item_id=item.pk, reason="again")


def test_someone_who_may_not_see_the_family_gets_not_found(family_setup, team):
    item = raise_one(family_setup)
    for who in (family_setup["outsider"], team["lead"]):
        for call in (
            lambda u: services.acknowledge(user=u, item_id=item.pk),
            lambda u: services.dismiss(user=u, item_id=item.pk, reason="x"),
            lambda u: services.act_on(user=u, item_id=item.pk, note="x"),
            lambda u: selectors.item_for_user(user=u, item_id=item.pk),
        ):
            with pytest.raises(Http404):
                call(who.user)
    # The parenting worker sees the family, but not the kind's life domain (finances).
    with pytest.raises(Http404):
        selectors.item_for_user(user=family_setup["worker"].user, item_id=item.pk)
    for odd in (0, -1, 2**63, 2**70, "x", item.pk + 1000):
        with pytest.raises(Http404):
            selectors.item_for_user(user=family_setup["coordinator"].user, item_id=odd)
    item.refresh_from_db()
    assert item.status == WorkItemStatus.OPEN


def test_emergency_access_reads_but_does_not_change_an_item(family_setup):
    item = raise_one(family_setup)
    outsider = family_setup["outsider"]
    EmergencyAccess.objects.create(
        professional=outsider,
        family=family_setup["family"],
        reason="crisis at night",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert selectors.item_for_user(user=outsider.user, item_id=item.pk).visible
    with pytest.raises(PermissionDenied):
        services.acknowledge(user=outsider.user, item_id=item.pk)


def test_acknowledged_items_do_not_escalate_and_the_wait_is_configurable(family_setup, settings):
    item = raise_one(family_setup, assigned_to_id=family_setup["coordinator"].pk)
    settings.ALERT_ESCALATE_AFTER_DAYS = 2
    assert services.escalate_overdue(today=item.due_date + datetime.timedelta(days=2)) == 0
    assert services.escalate_overdue(today=item.due_date + datetime.timedelta(days=3)) == 1
    WorkItem.objects.update(escalated_at=None, status=WorkItemStatus.ACKNOWLEDGED)
    assert services.escalate_overdue(today=item.due_date + datetime.timedelta(days=30)) == 0
