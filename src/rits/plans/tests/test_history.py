"""Changing and removing the plan's parts (goals, the safety mapping, safety scores,
crisis contacts): the history keeps who, when, before and after, a removal can be undone
for ``UNDO_WINDOW`` with the same id, every write goes through the plan revision, and
only those who may write the part can do either."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access import services as access_services
from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.core.history import UNDO_WINDOW
from rits.families.models import FamilyEvent
from rits.plans import services
from rits.plans.models import CrisisContact, Goal, Plan, SafetyItem, SafetyScore
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _client(professional) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(client, professional.user)
    return client


def _revision(family) -> int:
    return Plan.objects.get(family=family).revision


@pytest.fixture
def w(plan_setup):
    family, coordinator = plan_setup["family"], plan_setup["coordinator"]
    grant = grant_for(coordinator.user, family.pk)
    user = coordinator.user
    goal = services.add_goal(
        user=user, grant=grant, revision=0, text="Een eigen huis", said_by="", domains=["housing"]
    )
    item = services.add_safety_item(
        user=user, grant=grant, revision=1, kind="danger", text="Zorgen om Yonas"
    )
    score = services.record_safety_score(
        user=user, grant=grant, revision=2, perspective="family", name="Selam", score=4
    )
    contact = services.add_crisis_contact(
        user=user, grant=grant, revision=3, name="Lemlem", relation="tante", phone="06 1234567"
    )
    return {
        **plan_setup,
        "grant": grant,
        "goal": goal,
        "item": item,
        "score": score,
        "contact": contact,
    }


# kind -> (model, fixture key, a valid change body)
PARTS = {
    "goal": (Goal, "goal", {"text": "Een eigen huis met een tuin", "domains": ["housing"]}),
    "safety-item": (SafetyItem, "item", {"kind": "harm", "text": "Yonas werd geslagen"}),
    "safety-score": (
        SafetyScore,
        "score",
        {"perspective": "family", "name": "Selam", "score": 6, "explanation": "Beter"},
    ),
    "crisis-contact": (
        CrisisContact,
        "contact",
        {"name": "Lemlem", "relation": "tante", "phone": "06 7654321"},
    ),
}


def _url(name, w, kind):
    return reverse(name, args=[w["family"].pk, w[PARTS[kind][1]].pk])


@pytest.mark.parametrize("kind", PARTS)
def test_a_change_keeps_who_when_before_and_after(w, kind):
    model, key, body = PARTS[kind]
    coordinator, family = w["coordinator"], w["family"]
    client = _client(coordinator)
    url = _url(f"plans:change-{kind}", w, kind)
    assert client.get(url).status_code == 200
    before_revision = _revision(family)
    before_audit = AuditEvent.objects.order_by("id").last().pk
    response = client.post(url, {"revision": before_revision, **body})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _revision(family) == before_revision + 1
    part = model.objects.get(pk=w[key].pk)
    last = part.history.latest()
    assert (last.history_type, last.history_user) == ("~", coordinator.user)
    old = w[key]
    changed = [f for f in body if f != "domains" and getattr(old, f) != getattr(last, f)]
    assert changed, "the body changes something"
    for name in changed:
        assert getattr(last.prev_record, name) == getattr(old, name)
        assert getattr(last, name) == body[name]
    event = AuditEvent.objects.filter(pk__gt=before_audit, action="update").get()
    assert event.family_id == family.pk
    code = f"plan.{kind.replace('-', '_')}_changed"
    assert FamilyEvent.objects.filter(family=family, code=code).exists()
    page = client.get(_url(f"plans:{kind}-history", w, kind)).content.decode()
    assert "changed" in page and str(coordinator.user) in page
    assert "→" in page


def test_a_change_that_changes_nothing_writes_nothing(w):
    client = _client(w["coordinator"])
    family = w["family"]
    revision = _revision(family)
    response = client.post(
        _url("plans:change-goal", w, "goal"),
        {"revision": revision, "text": "Een eigen huis", "domains": ["housing"]},
    )
    assert response.status_code == 302
    assert _revision(family) == revision
    assert Goal.history.filter(id=w["goal"].pk).count() == 1


def test_the_goal_history_names_its_life_domains(w):
    client = _client(w["coordinator"])
    client.post(
        _url("plans:change-goal", w, "goal"),
        {"revision": _revision(w["family"]), "text": "Een eigen huis", "domains": ["finances"]},
    )
    page = client.get(_url("plans:goal-history", w, "goal")).content.decode()
    assert "Housing → Finances" in page or "Housing</bdi> → <bdi>Finances" in page


@pytest.mark.parametrize("kind", PARTS)
def test_removal_and_undo_give_back_the_same_id(w, kind):
    model, key, _body = PARTS[kind]
    family = w["family"]
    client = _client(w["coordinator"])
    pk = w[key].pk
    assert client.get(_url(f"plans:remove-{kind}", w, kind)).status_code == 200
    revision = _revision(family)
    response = client.post(_url(f"plans:remove-{kind}", w, kind), {"revision": revision})
    assert response.status_code == 302
    assert not model.objects.filter(pk=pk).exists()
    assert _revision(family) == revision + 1
    # the plan page offers the undo once, and the removed list names it
    plan = client.get(response.url).content.decode()
    undo_url = _url(f"plans:undo-{kind}-removal", w, kind)
    assert "Removed." in plan and undo_url in plan
    assert undo_url not in client.get(reverse("plans:plan", args=[family.pk])).content.decode()
    removed = client.get(reverse("plans:removed", args=[family.pk])).content.decode()
    assert undo_url in removed
    response = client.post(undo_url, {"revision": _revision(family)})
    assert response.status_code == 302
    restored = model.objects.get(pk=pk)
    assert restored.history.latest().history_change_reason == "undo"
    assert _revision(family) == revision + 2
    base = kind.replace("-", "_")
    codes = list(
        AuditEvent.objects.filter(family_id=family.pk, object_id=str(pk))
        .exclude(action="view")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert codes[-2:] == ["delete", "create"]
    assert FamilyEvent.objects.filter(family=family, code=f"plan.{base}_removed").exists()
    assert FamilyEvent.objects.filter(family=family, code=f"plan.{base}_restored").exists()
    history = client.get(_url(f"plans:{kind}-history", w, kind)).content.decode()
    assert "put back (removal undone)" in history and "removed" in history


def test_an_undo_after_the_window_is_refused_with_a_clear_message(w):
    client = _client(w["coordinator"])
    family = w["family"]
    client.post(_url("plans:remove-goal", w, "goal"), {"revision": _revision(family)})
    later = timezone.now() + UNDO_WINDOW + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        login_verified(client, w["coordinator"].user)
        response = client.post(
            _url("plans:undo-goal-removal", w, "goal"),
            {"revision": _revision(family)},
            follow=True,
        )
        removed = client.get(reverse("plans:removed", args=[family.pk])).content.decode()
    assert "more than a month ago and can no longer be put back" in response.content.decode()
    assert not Goal.objects.filter(pk=w["goal"].pk).exists()
    assert "Nothing was removed from the plan recently." in removed


@pytest.mark.parametrize("kind", PARTS)
def test_a_stale_revision_is_refused_and_nothing_is_lost(w, kind):
    model, key, body = PARTS[kind]
    family = w["family"]
    client = _client(w["coordinator"])
    stale = _revision(family) - 1
    response = client.post(_url(f"plans:change-{kind}", w, kind), {"revision": stale, **body})
    page = response.content.decode()
    assert response.status_code == 200 and "The plan changed meanwhile." in page
    assert model.history.filter(id=w[key].pk).count() == 1
    response = client.post(_url(f"plans:remove-{kind}", w, kind), {"revision": stale})
    assert "The plan changed meanwhile." in response.content.decode()
    assert model.objects.filter(pk=w[key].pk).exists()
    # the undo with a stale revision is refused too
    client.post(_url(f"plans:remove-{kind}", w, kind), {"revision": _revision(family)})
    response = client.post(
        _url(f"plans:undo-{kind}-removal", w, kind), {"revision": stale}, follow=True
    )
    assert "Someone else changed this plan" in response.content.decode()
    assert not model.objects.filter(pk=w[key].pk).exists()


def test_a_goal_with_agreements_is_not_removed(w):
    family = w["family"]
    services.add_agreement(
        user=w["coordinator"].user,
        grant=w["grant"],
        revision=_revision(family),
        data=services.AgreementData(
            action="Bellen met de woningcorporatie",
            owner=f"professional:{w['coordinator'].pk}",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=["housing"],
            goal_id=w["goal"].pk,
        ),
    )
    client = _client(w["coordinator"])
    response = client.post(_url("plans:remove-goal", w, "goal"), {"revision": _revision(family)})
    assert response.status_code == 400
    assert "Agreements still belong to this goal" in response.content.decode()
    assert Goal.objects.filter(pk=w["goal"].pk).exists()


def test_a_trusted_person_put_back_stays_an_ordinary_contact_when_there_is_another(w):
    family, user, grant = w["family"], w["coordinator"].user, w["grant"]
    first = services.add_crisis_contact(
        user=user,
        grant=grant,
        revision=_revision(family),
        name="Buurvrouw",
        relation="buurvrouw",
        phone="06 1111111",
        is_trusted_person=True,
    )
    services.remove_crisis_contact(
        user=user, grant=grant, revision=_revision(family), contact_id=first.pk
    )
    services.update_crisis_contact(
        user=user,
        grant=grant,
        revision=_revision(family),
        contact_id=w["contact"].pk,
        name="Lemlem",
        relation="tante",
        phone="06 1234567",
        is_trusted_person=True,
    )
    back = services.undo_crisis_contact_removal(
        user=user, grant=grant, revision=_revision(family), contact_id=first.pk
    )
    assert not back.is_trusted_person
    assert CrisisContact.objects.filter(plan__family=family, is_trusted_person=True).count() == 1


def _routes(w):
    return {
        name: _url(name, w, kind)
        for kind in PARTS
        for name in (
            f"plans:change-{kind}",
            f"plans:remove-{kind}",
            f"plans:undo-{kind}-removal",
            f"plans:{kind}-history",
        )
    }


def test_an_uninvolved_professional_gets_not_found_everywhere(w):
    client = _client(w["outsider"])
    rows = [m.objects.count() for m, _k, _b in PARTS.values()]
    for name, url in [
        *_routes(w).items(),
        ("removed", reverse("plans:removed", args=[w["family"].pk])),
    ]:
        assert client.get(url).status_code in {404, 405}, name
        assert client.post(url, {"revision": _revision(w["family"])}).status_code in {404, 405}
    assert rows == [m.objects.count() for m, _k, _b in PARTS.values()]


def test_emergency_access_reads_the_history_but_writes_nothing(w):
    breaker = factories.ProfessionalFactory()
    access_services.request_emergency_access(
        user=breaker.user, reason="Melding politie, acute zorg.", reference=w["family"].reference
    )
    family = w["family"]
    services.remove_goal(
        user=w["coordinator"].user,
        grant=w["grant"],
        revision=_revision(family),
        goal_id=w["goal"].pk,
    )
    client = _client(breaker)
    assert client.get(reverse("plans:removed", args=[family.pk])).status_code == 200
    rows = [m.history.count() for m, _k, _b in PARTS.values()]
    for name, url in _routes(w).items():
        if name.endswith("-history"):
            assert client.get(url).status_code == 200, name
            continue
        assert client.post(url, {"revision": _revision(family)}).status_code == 403, name
        if "undo" not in name:
            assert client.get(url).status_code == 403, name
    assert rows == [m.history.count() for m, _k, _b in PARTS.values()]


def test_a_reader_without_the_safety_domain_cannot_see_its_history_or_removals(w):
    family = w["family"]
    services.remove_safety_item(
        user=w["coordinator"].user,
        grant=w["grant"],
        revision=_revision(family),
        item_id=w["item"].pk,
    )
    client = _client(w["worker"])  # domestic relations only
    for kind in ("safety-item", "safety-score"):
        assert client.get(_url(f"plans:{kind}-history", w, kind)).status_code == 404, kind
    assert client.get(_url("plans:goal-history", w, "goal")).status_code == 404
    removed = client.get(reverse("plans:removed", args=[family.pk])).content.decode()
    assert "Zorgen om Yonas" not in removed
    # the housing worker sees the goal but not the safety mapping, and may not undo it
    housing = _client(w["housing"])
    assert housing.get(_url("plans:goal-history", w, "goal")).status_code == 200
    response = housing.post(
        _url("plans:undo-safety-item-removal", w, "safety-item"), {"revision": _revision(family)}
    )
    assert response.status_code == 404
    assert not SafetyItem.objects.filter(pk=w["item"].pk).exists()


def test_the_history_read_is_audited(w):
    client = _client(w["coordinator"])
    before = AuditEvent.objects.count()
    assert client.get(_url("plans:goal-history", w, "goal")).status_code == 200
    event = AuditEvent.objects.order_by("id")[before:].get()
    assert (event.action, event.object_type, event.family_id) == (
        "view",
        "plan.history",
        w["family"].pk,
    )


def test_an_agreement_change_keeps_its_history(w):
    family, coordinator = w["family"], w["coordinator"]
    agreement = services.add_agreement(
        user=coordinator.user,
        grant=w["grant"],
        revision=_revision(family),
        data=services.AgreementData(
            action="Bellen met de woningcorporatie",
            owner=f"professional:{coordinator.pk}",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            domains=["housing"],
        ),
    )
    services.update_agreement(
        user=coordinator.user,
        grant=w["grant"],
        revision=_revision(family),
        agreement_id=agreement.pk,
        data=services.AgreementData(
            action="Bellen met de woningcorporatie",
            owner=f"professional:{coordinator.pk}",
            due_date=agreement.due_date,
            domains=["housing"],
            status="done",
        ),
    )
    last = agreement.history.latest()
    assert (last.history_user, last.status, last.prev_record.status) == (
        coordinator.user,
        "done",
        "open",
    )
    page = _client(coordinator).get(
        reverse("plans:agreement-history", args=[family.pk, agreement.pk])
    )
    assert "Open</bdi> → <bdi>Done" in page.content.decode()
    # the mental-health worker sees neither the agreement nor its history
    other = _client(w["ggz"]).get(
        reverse("plans:agreement-history", args=[family.pk, agreement.pk])
    )
    assert other.status_code == 404
