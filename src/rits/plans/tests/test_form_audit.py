"""Every page of the plan that shows family data leaves a read in the audit log, the
forms too (issue 9 #11): the family group plan text, an agreement being changed, the
members to choose from."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.plans import services, urls
from rits.plans.models import Plan
from rits.plans.tests import factories as plan_factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

# Every route of the plan's pages, with the arguments after the family's id.
ROUTES = {
    "plan": [],
    "pdf": [],
    "assess": [],
    "add-safety-item": [],
    "add-safety-score": [],
    "add-goal": [],
    "add-agreement": [],
    "change-agreement": ["agreement"],
    "add-crisis-contact": [],
    "details": [],
    "agree": [1],
    "compare": [],
    "removed": [],
    "agreement-history": ["agreement"],
    # the plan's parts: changed, removed and their history (issue 11)
    **{
        name: [kind]
        for kind in ("goal", "safety-item", "safety-score", "crisis-contact")
        for name in (f"change-{kind}", f"remove-{kind}", f"{kind}-history")
    },
}
# POST only (their form is on the plan page and the removed page, which are read above)
UNDOS = {
    f"undo-{kind}-removal" for kind in ("goal", "safety-item", "safety-score", "crisis-contact")
} | {"agreement-comment"}  # its form is under each agreement on the plan page
# Forms that name the family's members: the event names them too.
LISTS_MEMBERS = {"assess", "add-agreement", "change-agreement", "agree", "plan", "pdf"}


def test_every_route_of_the_plan_is_checked_here():
    assert {p.name for p in urls.urlpatterns} == set(ROUTES) | UNDOS


@pytest.fixture
def agreement(plan_setup):
    return plan_factories.agree(
        plan_setup,
        "Belt de verhuurder",
        f"person:{plan_setup['mother'].pk}",
        ["housing"],
        due=timezone.localdate() + datetime.timedelta(days=7),
    )


@pytest.fixture
def parts(plan_setup):
    family, user = plan_setup["family"], plan_setup["coordinator"].user
    grant = grant_for(user, family.pk)

    def revision():
        return Plan.objects.get_or_create(family=family)[0].revision

    goal = services.add_goal(
        user=user, grant=grant, revision=revision(), text="Huis", said_by="", domains=["housing"]
    )
    item = services.add_safety_item(
        user=user, grant=grant, revision=revision(), kind="danger", text="Zorgen"
    )
    score = services.record_safety_score(
        user=user, grant=grant, revision=revision(), perspective="family", name="Selam", score=4
    )
    contact = services.add_crisis_contact(
        user=user, grant=grant, revision=revision(), name="Lemlem", relation="tante", phone="0612"
    )
    return {
        "goal": goal.pk,
        "safety-item": item.pk,
        "safety-score": score.pk,
        "crisis-contact": contact.pk,
    }


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_page_leaves_a_read_of_the_family(plan_setup, agreement, parts, name):
    family = plan_setup["family"]
    args = [
        agreement.pk if a == "agreement" else parts.get(a, a) if isinstance(a, str) else a
        for a in ROUTES[name]
    ]
    client = Client()
    login_verified(client, plan_setup["coordinator"].user)
    before = AuditEvent.objects.count()
    response = client.get(reverse(f"plans:{name}", args=[family.pk, *args]))
    assert response.status_code == 200
    events = list(AuditEvent.objects.order_by("id")[before:])
    reads = [e for e in events if e.action in ("view", "export") and e.family_id == family.pk]
    assert reads, [(e.action, e.object_type) for e in events]
    assert all(e.user_id == plan_setup["coordinator"].user.pk for e in reads)
    if name in LISTS_MEMBERS:
        members = {plan_setup["mother"].pk, plan_setup["child"].pk}
        assert any(set(e.person_ids) == members for e in reads)
