"""The plan's API, used the way a client uses it: JSON in, JSON or problem details out,
the same access and visibility rules as the pages."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rits.access.rules import grant_for
from rits.audit.models import AuditEvent
from rits.plans import services
from rits.plans.tests import factories as plan_factories
from tests import factories
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


@pytest.fixture
def api():
    """``api(professional)``: a client of their own, logged in (with the second factor)
    and asking for English, so that two people can work on one plan at once."""
    clients = {}

    def _as(professional):
        if professional.pk not in clients:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            login_verified(client, professional.user)
            clients[professional.pk] = client
        return clients[professional.pk]

    return _as


def url(family, tail: str = "") -> str:
    return f"/api/v1/families/{family.pk}/plan{tail}"


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def fields_at_fault(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {p["name"]: p["reason"] for p in response.json()["invalid_params"]}


def revision_of(client, family) -> int:
    return client.get(url(family)).json()["revision"]


def assess(client, family, revision, **fields):
    body = {
        "revision": revision,
        "domain": "finances",
        "score": 2,
        "explanation": "Huurachterstand van twee maanden.",
        **fields,
    }
    return post(client, url(family, "/assessments"), body)


def agree(client, family, revision, **fields):
    body = {
        "revision": revision,
        "action": "Bellen met de woningcorporatie over een betalingsregeling",
        "kind": "call",
        "due_date": NEXT_WEEK.isoformat(),
        "domains": ["finances"],
        **fields,
    }
    return post(client, url(family, "/agreements"), body)


def sign_off(client, family, revision, number, **fields):
    body = {
        "revision": revision,
        "agreed_by": "Selam Haile",
        "method": "signed_on_paper",
        "interpreter_language": "ti",
        **fields,
    }
    return post(client, url(family, f"/versions/{number}/agreement"), body)


@pytest.fixture
def shared_plan(plan_setup):
    """A plan across domains, built by the coordinator: the mother's mental health and
    the household's housing scored, a safety worry, a goal only the mental-health worker
    shares, an agreement in mental health owned by the housing corporation's contact
    (party to it), one owned by the GGZ worker, and one owned by the mother on finances.
    The family agreed with version 1. Built through the services: the API is what the
    tests exercise (``test_a_full_plan_through_the_api`` writes one through it)."""
    s = plan_setup
    plan_factories.assess(s, "mental_health", 2, person=s["mother"])
    plan_factories.assess(s, "housing", 3)
    plan_factories.worry(s, "Zorgen om Yonas", kind="danger")
    ggz_goal = plan_factories.add_goal(s, "Ik wil weer rustig kunnen slapen", ["mental_health"])
    housing_goal = plan_factories.add_goal(s, "Wij willen in ons huis blijven wonen", ["housing"])
    party = plan_factories.agree(
        s,
        "Selam begeleiden naar de huisarts",
        f"professional:{s['housing'].pk}",
        ["mental_health"],
        kind="accompany",
        goal=ggz_goal.pk,
        due=NEXT_WEEK,
    )
    ggz_only = plan_factories.agree(
        s,
        "Intake bij de praktijkondersteuner",
        f"professional:{s['ggz'].pk}",
        ["mental_health"],
        kind="call",
        due=NEXT_WEEK,
    )
    mothers = plan_factories.agree(
        s,
        "Bellen met de woningcorporatie over een betalingsregeling",
        f"person:{s['mother'].pk}",
        ["finances"],
        kind="call",
        goal=housing_goal.pk,
        due=NEXT_WEEK,
    )
    plan_factories.family_agrees(s, 1, interpreter_language="ti")
    assert plan_factories.current_revision(s["family"]) == 9
    return {
        **s,
        "ggz_goal": ggz_goal,
        "housing_goal": housing_goal,
        "party_agreement": party.pk,
        "ggz_agreement": ggz_only.pk,
        "mothers_agreement": mothers.pk,
        "revision": 9,
    }


# --- access -------------------------------------------------------------------------

ENDPOINTS = [
    ("get", ""),
    ("get", "/assessments"),
    ("post", "/assessments"),
    ("get", "/agreements"),
    ("post", "/agreements"),
    ("patch", "/agreements/{agreement}"),
    ("get", "/versions"),
    ("get", "/versions/1"),
    ("post", "/versions/1/agreement"),
    ("get", "/comparison?from=1&to=1"),
]


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_an_uninvolved_professional_is_refused_everywhere(shared_plan, api, method, tail):
    family = shared_plan["family"]
    client = api(shared_plan["outsider"])
    before = AuditEvent.objects.count()
    path = url(family, tail.format(agreement=shared_plan["mothers_agreement"]))
    if method == "get":
        response = client.get(path)
    else:
        body = {"revision": shared_plan["revision"], "domain": "finances", "score": 3}
        response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "Haile" not in response.content.decode()
    # nothing read, nothing written: only the refusal itself, for the privacy officer
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-id").first().action == "refused"


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_a_missing_family_is_a_404_too(shared_plan, api, method, tail):
    client = api(shared_plan["coordinator"])
    path = f"/api/v1/families/999999/plan{tail.format(agreement=1)}"
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code == 404


def test_without_a_login_nothing_is_shown(shared_plan, client):
    for _method, tail in ENDPOINTS:
        if _method == "get":
            response = client.get(url(shared_plan["family"], tail))
            assert response.status_code in (401, 403), tail
            assert "Haile" not in response.content.decode()


# --- what each professional sees ----------------------------------------------------


def test_the_coordinator_sees_the_whole_plan(shared_plan, api):
    family = shared_plan["family"]
    plan = api(shared_plan["coordinator"]).get(url(family)).json()
    assert plan["revision"] == 9
    assert plan["current_version"] == 1
    assert plan["versions"][0]["is_agreed"] and plan["versions"][0]["method"] == "signed_on_paper"
    domains = {d["domain"]: d for d in plan["life_domains"]}
    assert plan["hidden_life_domains"] == 0
    mental = domains["mental_health"]
    assert mental["looked_at"] and not mental["stale"]
    mother = next(m for m in mental["members"] if m["person_id"] == shared_plan["mother"].pk)
    assert mother["assessment"]["score"] == 2
    assert domains["housing"]["household"]["score"] == 3
    assert not domains["finances"]["looked_at"]  # visibly not looked at
    assert [w["text"] for w in plan["safety"]["worries"]] == ["Zorgen om Yonas"]
    assert {g["text"] for g in plan["goals"]} == {
        "Ik wil weer rustig kunnen slapen",
        "Wij willen in ons huis blijven wonen",
    }
    assert len(plan["agreements"]) == 3 and plan["hidden_agreements"] == 0
    assert plan["family_group_plan"]["status"] == "not_offered"


def test_the_housing_corporation_sees_housing_and_what_it_is_party_to(shared_plan, api):
    family = shared_plan["family"]
    client = api(shared_plan["housing"])
    plan = client.get(url(family)).json()
    assert plan["visible_domains"] == ["finances", "housing"]
    assert {d["domain"] for d in plan["life_domains"]} == {"finances", "housing"}
    assert "Zorgen om Yonas" not in str(plan) and plan["safety"] is None
    assert "rustig kunnen slapen" not in str(plan)  # the GGZ-only goal
    assert [g["text"] for g in plan["goals"]] == ["Wij willen in ons huis blijven wonen"]
    agreements = {a["id"]: a for a in plan["agreements"]}
    assert set(agreements) == {shared_plan["party_agreement"], shared_plan["mothers_agreement"]}
    party = agreements[shared_plan["party_agreement"]]
    assert party["domains"] == ["mental_health"] and party["goal_id"] is None
    assert party["may_change"]  # its owner
    assert agreements[shared_plan["mothers_agreement"]]["goal_id"] == shared_plan["housing_goal"].pk
    assert plan["hidden_agreements"] == 1
    assert plan["family_group_plan"]["text"] is None

    assessments = client.get(url(family, "/assessments")).json()["assessments"]
    assert [a["domain"] for a in assessments] == ["housing"]
    listed = client.get(url(family, "/agreements")).json()
    assert {a["id"] for a in listed["agreements"]} == set(agreements)
    assert listed["hidden_agreements"] == 1


def test_the_mental_health_worker_sees_mental_health_but_not_housing(shared_plan, api):
    family = shared_plan["family"]
    client = api(shared_plan["ggz"])
    assessments = client.get(url(family, "/assessments")).json()["assessments"]
    assert [(a["domain"], a["person_id"]) for a in assessments] == [
        ("mental_health", shared_plan["mother"].pk)
    ]
    agreements = client.get(url(family, "/agreements")).json()["agreements"]
    assert {a["id"] for a in agreements} == {
        shared_plan["party_agreement"],
        shared_plan["ggz_agreement"],
    }


def test_a_version_and_a_comparison_are_filtered_the_same_way(shared_plan, api):
    family = shared_plan["family"]
    coordinator = api(shared_plan["coordinator"])
    revision = shared_plan["revision"]
    # Version 2: a new mental-health score and a new housing score.
    assert (
        assess(
            coordinator,
            family,
            revision,
            domain="mental_health",
            score=3,
            person_id=shared_plan["mother"].pk,
        ).status_code
        == 201
    )
    assert assess(coordinator, family, revision + 1, domain="housing", score=4).status_code == 201

    full = coordinator.get(url(family, "/versions/1")).json()
    assert {line["domain"] for line in full["assessments"]} == {"mental_health", "housing"}
    assert full["is_agreed"] and not full["is_current"]
    assert [i["text"] for i in full["safety_items"]] == ["Zorgen om Yonas"]

    housing = api(shared_plan["housing"])
    version = housing.get(url(family, "/versions/1")).json()
    assert version["number"] == 1 and version["agreed_by"] == "Selam Haile"
    assert [line["domain"] for line in version["assessments"]] == ["housing"]
    assert version["safety_items"] == [] and version["safety_scores"] == []
    assert [g["text"] for g in version["goals"]] == ["Wij willen in ons huis blijven wonen"]
    assert {a["id"] for a in version["agreements"]} == {
        shared_plan["party_agreement"],
        shared_plan["mothers_agreement"],
    }
    assert "rustig kunnen slapen" not in str(version) and "praktijkondersteuner" not in str(version)
    assert version["details"]["family_group_plan_text"] is None

    comparison = housing.get(url(family, "/comparison?from=1&to=2")).json()
    sections = {s["section"]: s["differences"] for s in comparison["sections"]}
    assert [d["change"] for d in sections["assessments"]] == ["changed"]
    assert "Housing" in sections["assessments"][0]["after"]
    assert "Mental health" not in str(comparison)
    assert comparison["older"]["number"] == 1 and comparison["newer"]["number"] == 2

    everything = coordinator.get(url(family, "/comparison?from=1&to=2")).json()
    changed = {s["section"]: s["differences"] for s in everything["sections"]}
    assert len(changed["assessments"]) == 2


def test_reading_the_plan_is_audited(shared_plan, api):
    family = shared_plan["family"]
    client = api(shared_plan["housing"])
    for tail, object_type in [("", "plan"), ("/versions/1", "plan.version")]:
        client.get(url(family, tail))
        event = AuditEvent.objects.order_by("-id").first()
        assert (event.object_type, event.family_id) == (object_type, family.pk)
        assert event.user_display


def test_an_unknown_version_is_a_404(shared_plan, api):
    assert (
        api(shared_plan["coordinator"]).get(url(shared_plan["family"], "/versions/7")).status_code
        == 404
    )


# --- writing ------------------------------------------------------------------------


def test_a_stale_revision_is_a_conflict_and_nothing_is_written(plan_setup, api):
    family = plan_setup["family"]
    client = api(plan_setup["coordinator"])
    first = assess(client, family, 0)
    assert first.status_code == 201
    assert first.json()["revision"] == 1
    assert first.json()["assessment"]["score"] == 2

    # A second editor who loaded the plan at revision 0 as well.
    second = assess(api(plan_setup["housing"]), family, 0, domain="housing", score=4)
    assert second.status_code == 409
    assert second["Content-Type"] == "application/problem+json"
    problem = second.json()
    assert problem["status"] == 409 and problem["revision"] == 1
    assert "Nothing was saved" in problem["detail"]
    assessments = client.get(url(family, "/assessments")).json()
    assert [a["domain"] for a in assessments["assessments"]] == ["finances"]
    assert assessments["revision"] == 1

    # Resent with the current revision, it goes through.
    again = assess(
        api(plan_setup["housing"]), family, problem["revision"], domain="housing", score=4
    )
    assert again.status_code == 201 and again.json()["revision"] == 2


@pytest.mark.parametrize("score", [6, 0, "abc", 2.5, None, True])
def test_a_score_outside_the_scale_or_not_a_number_is_refused(plan_setup, api, score):
    family = plan_setup["family"]
    client = api(plan_setup["coordinator"])
    errors = fields_at_fault(assess(client, family, 0, score=score))
    assert set(errors) == {"score"}
    assert client.get(url(family, "/assessments")).json() == {"revision": 0, "assessments": []}


def test_garbage_in_other_fields_is_a_400_naming_them(plan_setup, api):
    family = plan_setup["family"]
    client = api(plan_setup["coordinator"])
    errors = fields_at_fault(
        assess(
            client,
            family,
            "x",
            domain="weather",
            person_id="mother",
            assessed_on="31-12-2024",
            explanation=["no"],
        )
    )
    assert set(errors) == {"revision", "domain", "person_id", "assessed_on", "explanation"}
    errors = fields_at_fault(
        assess(
            client,
            family,
            0,
            person_id=plan_setup["outsider"].pk,
            assessed_on=TOMORROW.isoformat(),
            explanation=" ",
        )
    )
    assert set(errors) == {"person_id", "assessed_on", "explanation"}
    assert "future" in errors["assessed_on"]
    assert fields_at_fault(post(client, url(family, "/assessments"), ["not", "an", "object"]))
    response = client.post(
        url(family, "/assessments"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_an_assessment_outside_ones_domains_is_forbidden(plan_setup, api):
    family = plan_setup["family"]
    response = assess(api(plan_setup["housing"]), family, 0, domain="mental_health")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "life domain" in response.json()["detail"]


def test_an_agreement_with_a_date_in_the_past_or_without_an_owner_is_refused(plan_setup, api):
    family = plan_setup["family"]
    client = api(plan_setup["coordinator"])
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    errors = fields_at_fault(
        agree(client, family, 0, owner=f"person:{plan_setup['mother'].pk}", due_date=yesterday)
    )
    assert set(errors) == {"due_date"} and "past" in errors["due_date"]
    errors = fields_at_fault(agree(client, family, 0, owner="", domains=[]))
    assert set(errors) == {"owner", "domains"}
    errors = fields_at_fault(
        agree(client, family, 0, owner=f"professional:{plan_setup['outsider'].pk}", due_date="soon")
    )
    assert set(errors) == {"due_date"}  # types first
    errors = fields_at_fault(
        agree(client, family, 0, owner=f"professional:{plan_setup['outsider'].pk}", goal_id=12345)
    )
    assert set(errors) == {"owner", "goal_id"}
    assert client.get(url(family, "/agreements")).json()["agreements"] == []


def test_changing_an_agreement(shared_plan, api):
    family = shared_plan["family"]
    revision = shared_plan["revision"]
    party = shared_plan["party_agreement"]
    housing = api(shared_plan["housing"])

    done = patch(
        housing,
        url(family, f"/agreements/{party}"),
        {"revision": revision, "status": "done", "status_note": "Samen geweest op 3 juni"},
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["revision"] == revision + 1
    assert body["agreement"]["status"] == "done"
    assert body["agreement"]["action"] == "Selam begeleiden naar de huisarts"  # unchanged
    assert body["agreement"]["domains"] == ["mental_health"]

    stale = patch(
        housing, url(family, f"/agreements/{party}"), {"revision": revision, "status": "open"}
    )
    assert stale.status_code == 409 and stale.json()["revision"] == revision + 1

    # An agreement the housing corporation does not see does not exist for it.
    hidden = patch(
        housing,
        url(family, f"/agreements/{shared_plan['ggz_agreement']}"),
        {"revision": revision + 1, "status": "done"},
    )
    assert hidden.status_code == 404
    missing = patch(housing, url(family, "/agreements/999999"), {"revision": revision + 1})
    assert missing.status_code == 404

    # The mother's agreement on finances is visible to the housing corporation and
    # within its domains; moving it to mental health is not.
    moved = patch(
        housing,
        url(family, f"/agreements/{shared_plan['mothers_agreement']}"),
        {"revision": revision + 1, "domains": ["mental_health"]},
    )
    assert moved.status_code == 403
    bad = patch(
        housing,
        url(family, f"/agreements/{shared_plan['mothers_agreement']}"),
        {"revision": revision + 1, "status": "finished", "due_date": "tomorrow"},
    )
    assert set(fields_at_fault(bad)) == {"status", "due_date"}
    assert revision_of(housing, family) == revision + 1


def test_only_the_coordinator_records_the_familys_agreement(shared_plan, api):
    family = shared_plan["family"]
    revision = shared_plan["revision"]
    coordinator = api(shared_plan["coordinator"])
    assert assess(coordinator, family, revision, score=3).status_code == 201
    response = sign_off(api(shared_plan["housing"]), family, revision + 1, 2)
    assert response.status_code == 403
    assert "coordinator" in response.json()["detail"]


def test_a_version_that_is_no_longer_current_cannot_be_signed_off(shared_plan, api):
    family = shared_plan["family"]
    revision = shared_plan["revision"]
    client = api(shared_plan["coordinator"])
    assert assess(client, family, revision, score=3).status_code == 201  # starts version 2
    errors = fields_at_fault(sign_off(client, family, revision + 1, 1))
    assert set(errors) == {"number"}
    assert "no longer the current version" in errors["number"]
    errors = fields_at_fault(
        sign_off(client, family, revision + 1, 2, agreed_by="", method="nodded")
    )
    assert set(errors) == {"method"}
    errors = fields_at_fault(sign_off(client, family, revision + 1, 2, agreed_by=" "))
    assert set(errors) == {"agreed_by"}
    versions = client.get(url(family, "/versions")).json()
    assert [(v["number"], v["is_agreed"]) for v in versions["versions"]] == [(2, False), (1, True)]


def test_a_comparison_needs_two_version_numbers(shared_plan, api):
    client = api(shared_plan["coordinator"])
    family = shared_plan["family"]
    assert set(fields_at_fault(client.get(url(family, "/comparison?from=x")))) == {"from", "to"}
    assert set(fields_at_fault(client.get(url(family, "/comparison?from=1&to=²")))) == {"to"}
    assert fields_at_fault(client.get(url(family, "/comparison?from=1&to=5")))


def test_a_full_plan_through_the_api(plan_setup, api):
    """The coordinator builds version 1, the family agrees, a change makes version 2, and
    the two are compared."""
    family = plan_setup["family"]
    client = api(plan_setup["coordinator"])
    assert client.get(url(family)).json()["revision"] == 0
    assert client.get(url(family, "/versions")).json() == {
        "revision": 0,
        "current_version": None,
        "versions": [],
    }
    revision = 0
    for fields in (
        {"domain": "finances", "score": 1, "explanation": "Schulden bij de energieleverancier."},
        {"domain": "housing", "score": 2, "explanation": "Huurachterstand."},
        {
            "domain": "physical_health",
            "score": 4,
            "person_id": plan_setup["child"].pk,
            "explanation": "Gezond.",
            "assessed_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        },
    ):
        response = assess(client, family, revision, **fields)
        assert response.status_code == 201, response.content
        revision = response.json()["revision"]
    for owner in (
        f"professional:{plan_setup['housing'].pk}",
        f"person:{plan_setup['mother'].pk}",
        f"network:{plan_setup['aunt'].pk}",
    ):
        response = agree(client, family, revision, owner=owner, kind="accompany")
        assert response.status_code == 201, response.content
        assert response.json()["agreement"]["owner"] == owner
        revision = response.json()["revision"]

    signed = sign_off(client, family, revision, 1, note="Met tolk Tigrinya doorgesproken")
    assert signed.status_code == 200, signed.content
    version = signed.json()["version"]
    assert version["is_agreed"] and version["agreed_by"] == "Selam Haile"
    assert version["method"] == "signed_on_paper" and version["interpreter_language"] == "ti"
    revision = signed.json()["revision"]
    again = sign_off(client, family, revision, 1)
    assert "already agreed" in fields_at_fault(again)["number"]

    changed = assess(
        client, family, revision, domain="finances", score=2, explanation="Regeling getroffen."
    )
    assert changed.status_code == 201
    revision = changed.json()["revision"]
    aunts = next(
        a
        for a in client.get(url(family, "/agreements")).json()["agreements"]
        if a["owner"].startswith("network:")
    )
    done = patch(
        client, url(family, f"/agreements/{aunts['id']}"), {"revision": revision, "status": "done"}
    )
    assert done.status_code == 200

    plan = client.get(url(family)).json()
    assert plan["current_version"] == 2
    assert [(v["number"], v["is_agreed"]) for v in plan["versions"]] == [(2, False), (1, True)]
    finances = next(d for d in plan["life_domains"] if d["domain"] == "finances")
    assert finances["household"]["score"] == 2
    assert finances["household"]["score_label"]

    comparison = client.get(url(family, "/comparison?from=1&to=2")).json()
    assert not comparison["unchanged"]
    sections = {s["section"]: s["differences"] for s in comparison["sections"]}
    assert [d["change"] for d in sections["assessments"]] == ["changed"]
    assert (
        "1" in sections["assessments"][0]["before"]
        and "Regeling getroffen" in sections["assessments"][0]["after"]
    )
    assert [d["change"] for d in sections["agreements"]] == ["changed"]
    assert "done" in sections["agreements"][0]["after"]
    assert sections["crisis_contacts"] == []
    # The other way round gives the same comparison.
    assert client.get(url(family, "/comparison?from=2&to=1")).json() == comparison

    one = client.get(url(family, "/versions/1")).json()
    assert {line["domain"]: line["score"] for line in one["assessments"]}["finances"] == 1
    assert one["is_agreed"] and not one["is_current"]
    assert client.get(url(family, "/versions/2")).json()["is_current"]


# --- queries ------------------------------------------------------------------------


def test_the_plan_takes_the_same_number_of_queries_however_big_it_grows(plan_setup, api):
    family = plan_setup["family"]
    coordinator = plan_setup["coordinator"]
    client = api(coordinator)
    assert assess(client, family, 0).status_code == 201
    client.get(url(family))  # warm the session and the audit chain

    with CaptureQueriesContext(connection) as small:
        assert client.get(url(family)).status_code == 200

    grant = grant_for(coordinator.user, family.pk)
    revision = 1
    people = [plan_setup["mother"], plan_setup["child"]]
    for i in range(3):
        member = factories.MembershipFactory(
            family=family, role="child", person=factories.PersonFactory(given_names=f"Kind{i}")
        )
        people.append(member.person)
    for domain in ("housing", "mental_health", "safety", "work_education"):
        for person in people:
            services.assess_domain(
                user=coordinator.user,
                grant=grant,
                revision=revision,
                domain=domain,
                score=3,
                explanation="Gaat redelijk.",
                person_id=person.pk,
            )
            revision += 1
    for i in range(3):
        goal = services.add_goal(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            text=f"Doel {i}",
            said_by="Selam",
            domains=["housing"],
        )
        revision += 1
        services.add_safety_item(
            user=coordinator.user, grant=grant, revision=revision, kind="harm", text=f"Zorg {i}"
        )
        revision += 1
        services.record_safety_score(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            perspective="network",
            name=f"Tante {i}",
            score=6,
        )
        revision += 1
        for owner in (
            f"professional:{plan_setup['housing'].pk}",
            f"person:{plan_setup['mother'].pk}",
            f"network:{plan_setup['aunt'].pk}",
        ):
            services.add_agreement(
                user=coordinator.user,
                grant=grant,
                revision=revision,
                data=services.AgreementData(
                    action="Iets regelen",
                    owner=owner,
                    due_date=TOMORROW,
                    domains=["housing"],
                    goal_id=goal.pk if owner.startswith("person") else None,
                ),
            )
            revision += 1
        services.add_crisis_contact(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            name=f"Buur {i}",
            relation="neighbour",
            phone="0612345678",
            is_trusted_person=i == 0,
        )
        revision += 1
        services.record_family_agreement(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            version_number=i + 1,
            agreed_by="Selam",
            method="in_person",
        )
        revision += 1
        services.assess_domain(
            user=coordinator.user,
            grant=grant,
            revision=revision,
            domain="finances",
            score=4,
            explanation="Beter.",
        )
        revision += 1

    with CaptureQueriesContext(connection) as big:
        response = client.get(url(family))
    plan = response.json()
    assert len(plan["agreements"]) == 9 and len(plan["versions"]) == 4
    assert len(plan["safety"]["scores"]) == 3 and len(plan["crisis_contacts"]) == 3
    assert len(big) == len(small), [q["sql"] for q in big.captured_queries]


def test_ids_no_row_can_have_are_not_found_or_refused(plan_setup, api):
    client = api(plan_setup["coordinator"])
    family = plan_setup["family"]
    huge = 10**20
    assert client.get(f"/api/v1/families/{huge}/plan").status_code == 404
    assert patch(client, url(family, f"/agreements/{huge}"), {"revision": 0}).status_code == 404
    assert set(fields_at_fault(assess(client, family, 0, person_id=huge))) == {"person_id"}
    owner = f"person:{plan_setup['mother'].pk}"
    assert set(fields_at_fault(agree(client, family, 0, owner=owner, goal_id=huge))) == {"goal_id"}
