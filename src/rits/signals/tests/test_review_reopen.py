"""Reopening a decision on a possible link (issue 11): the family's coordinator takes a
confirmation, rejection or "new person" back, with a reason; exactly what the decision
changed is undone, and the review is open again. Alerts the rules raised on the signal
stay (the page says so)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rits.access import services as access_services
from rits.audit.models import AuditEvent
from rits.families.models import FamilyEvent
from rits.signals.linking import review
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    ReviewStatus,
    Signal,
    SignalLink,
    SignalStatus,
)
from rits.signals.tests import test_review
from rits.signals.tests.test_review import AGREEMENT, _signal
from rits.worklist.models import WorkItem
from tests import factories

pytestmark = pytest.mark.django_db

case = test_review.case  # the fixture: a signal in review for the mother

REASON = "De verhuurder meldt dat het om iemand anders ging."


def reopen_url(item) -> str:
    return reverse("signals:review-reopen", args=[item.pk])


def rows(signal) -> dict:
    """Every row the decision and its reopening touch, as plain values."""
    return {
        "links": list(SignalLink.objects.filter(signal=signal).order_by("pk").values()),
        "reviews": list(
            LinkReview.objects.filter(signal=signal)
            .order_by("pk")
            .values("pk", "status", "decided_by", "decided_at", "effects")
        ),
        "signal": Signal.objects.filter(pk=signal.pk).values().get(),
    }


@pytest.fixture
def wide(case):
    """The mother is also a member of a second family (where the signal already has a
    household link) and of a third (not linked); the signal has a second open review."""
    mother, signal = case["mother"], case["signal"]
    second = factories.FamilyFactory(name="Gezin Tesfay")
    factories.MembershipFactory(family=second, person=mother)
    SignalLink.objects.create(
        signal=signal, family=second, method=LinkMethod.HOUSEHOLD, match_probability=0.5
    )
    third = factories.FamilyFactory(name="Gezin Derde")
    factories.MembershipFactory(family=third, person=mother)
    other = LinkReview.objects.create(
        signal=signal,
        person=factories.MembershipFactory(family=third).person,
        family=third,
        match_probability=0.81,
        field_agreement=AGREEMENT,
    )
    return {**case, "second": second, "third": third, "other_review": other}


def test_confirm_then_reopen_leaves_exactly_the_rows_there_were(wide):
    user, item, signal = wide["coordinator"].user, wide["review"], wide["signal"]
    before = rows(signal)

    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.CONFIRM)
    decided = rows(signal)
    assert decided["signal"]["status"] == SignalStatus.LINKED
    assert {(ln["family_id"], ln["method"]) for ln in decided["links"]} == {
        (wide["family"].pk, LinkMethod.REVIEWED),
        (wide["second"].pk, LinkMethod.REVIEWED),
        (wide["third"].pk, LinkMethod.REVIEWED),
    }
    assert LinkReview.objects.get(pk=wide["other_review"].pk).status == ReviewStatus.REJECTED

    review.reopen_review(user=user, review_id=item.pk, reason=REASON)

    # the household link is back as it was (no person, its old probability), the links
    # the confirmation created are gone, the other review is open again
    assert rows(signal) == before
    item.refresh_from_db()
    assert item.history[0]["status"] == ReviewStatus.CONFIRMED
    assert item.history[0]["reason"] == REASON
    assert item.history[0]["decided_by"] == user.pk


def test_the_families_that_lost_the_link_see_it_withdrawn_on_their_timeline(wide):
    user, item = wide["coordinator"].user, wide["review"]
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.CONFIRM)
    linked = set(FamilyEvent.objects.filter(code="signal.linked").values_list("family_id"))
    # the household family had its link already: no new timeline event there
    assert linked == {(wide["family"].pk,), (wide["third"].pk,)}

    review.reopen_review(user=user, review_id=item.pk, reason=REASON)

    withdrawn = FamilyEvent.objects.filter(code="signal.link_withdrawn")
    assert set(withdrawn.values_list("family_id", flat=True)) == {
        wide["family"].pk,
        wide["third"].pk,
    }
    event = withdrawn.get(family_id=wide["family"].pk)
    assert event.domain == "finances" and event.actor_id == user.pk
    assert REASON not in str(event.params)  # the reason stays with the review
    event = AuditEvent.objects.filter(object_type="signal.link_review").order_by("id").last()
    assert event.detail == {
        "signal_id": wide["signal"].pk,
        "was": "confirmed",
        "unlinked_family_ids": sorted([wide["family"].pk, wide["third"].pk]),
        "reopened_review_ids": [wide["other_review"].pk],
        "signal_status": "review",
    }
    assert event.family_id == wide["family"].pk and event.ground == "coordinator"


def test_reject_then_reopen_brings_the_signal_back_to_review(case):
    user, item, signal = case["coordinator"].user, case["review"], case["signal"]
    before = rows(signal)
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.REJECT)
    assert Signal.objects.get(pk=signal.pk).status == SignalStatus.UNLINKED

    review.reopen_review(user=user, review_id=item.pk, reason=REASON)

    assert rows(signal) == before
    assert not FamilyEvent.objects.filter(code="signal.link_withdrawn").exists()


def test_a_reason_is_required_and_an_open_review_is_refused(case):
    user, item = case["coordinator"].user, case["review"]
    with pytest.raises(ValidationError, match="open already"):
        review.reopen_review(user=user, review_id=item.pk, reason=REASON)
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.NEW_PERSON)
    with pytest.raises(ValidationError) as refused:
        review.reopen_review(user=user, review_id=item.pk, reason="  ")
    assert "reason" in refused.value.message_dict
    assert LinkReview.objects.get(pk=item.pk).status == ReviewStatus.NEW_PERSON


def test_a_decision_recorded_before_its_effects_were_kept_is_refused(case):
    user, item = case["coordinator"].user, case["review"]
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.CONFIRM)
    LinkReview.objects.filter(pk=item.pk).update(effects=None)  # as the migration left them
    with pytest.raises(ValidationError, match="cannot be taken back"):
        review.reopen_review(user=user, review_id=item.pk, reason=REASON)
    assert SignalLink.objects.filter(signal=case["signal"]).count() == 1


def test_a_review_closed_by_another_confirmation_points_to_that_one(wide):
    user = wide["coordinator"].user
    review.decide_review(user=user, review_id=wide["review"].pk, decision=review.Decision.CONFIRM)
    third_coordinator = factories.ProfessionalFactory(role="coordinator")
    factories.InvolvementFactory(
        family=wide["third"], professional=third_coordinator, is_coordinator=True, domains=[]
    )
    with pytest.raises(ValidationError, match="Reopen that decision instead"):
        review.reopen_review(
            user=third_coordinator.user, review_id=wide["other_review"].pk, reason=REASON
        )


def test_the_coordinator_reopens_on_the_page_and_is_told_about_the_alerts(case, as_user):
    user, item, signal = case["coordinator"].user, case["review"], case["signal"]
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.CONFIRM)
    alert = _alert(case)
    signal.work_items.add(alert)
    client = as_user(case["coordinator"])

    page = client.get(reverse("signals:review-detail", args=[item.pk])).content.decode()
    assert "Take the decision back" in page and reopen_url(item) in page
    assert "Alerts raised on this signal stay; dismiss them if the link was wrong." in page
    assert reverse("worklist:dismiss", args=[alert.pk]) in page

    # no reason: the form again, with the error, nothing changed
    answer = client.post(reopen_url(item), {"reason": ""})
    assert answer.status_code == 200
    assert "Say why this decision needs to be taken again." in answer.content.decode()
    assert LinkReview.objects.get(pk=item.pk).status == ReviewStatus.CONFIRMED

    answer = client.post(reopen_url(item), {"reason": "<b>verkeerd</b>"})
    assert answer.status_code == 302
    assert LinkReview.objects.get(pk=item.pk).status == ReviewStatus.OPEN
    assert not SignalLink.objects.filter(signal=signal).exists()
    # the alert stays
    alert.refresh_from_db()
    assert alert.status == "open"
    page = client.get(answer.url).content.decode()
    assert "Yes, the same person" in page  # it can be decided again
    assert "&lt;b&gt;verkeerd&lt;/b&gt;" in page and "<b>verkeerd" not in page


def _alert(world) -> WorkItem:
    return WorkItem.objects.create(
        kind="test_kind",
        key="k",
        family=world["family"],
        reason_code="x",
        reason_params={},
        due_date=world["signal"].signal_date,
        assigned_to=world["coordinator"],
    )


def test_decided_reviews_are_listed_on_their_own(case, as_user):
    user, item = case["coordinator"].user, case["review"]
    other = LinkReview.objects.create(
        signal=_signal(case["signal"].source, reference="R-2"),
        person=case["mother"],
        family=case["family"],
        match_probability=0.9,
    )
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.REJECT)
    client = as_user(case["coordinator"])
    detail = reverse("signals:review-detail", args=[item.pk])

    open_page = client.get("/signals/review/").content.decode()
    assert detail not in open_page
    assert reverse("signals:review-detail", args=[other.pk]) in open_page
    decided = client.get("/signals/review/?state=decided").content.decode()
    assert detail in decided and "Rejected: not this person" in decided


def test_who_is_not_the_coordinator_cannot_reopen(case, as_user):
    user, item = case["coordinator"].user, case["review"]
    review.decide_review(user=user, review_id=item.pk, decision=review.Decision.CONFIRM)
    before = rows(case["signal"])
    # the worker in the family, and an outsider: not found
    for who in (case["worker"], case["outsider"]):
        client = as_user(who)
        assert client.get(reopen_url(item)).status_code == 404
        assert client.post(reopen_url(item), {"reason": REASON}).status_code == 404
    # emergency access reads the family, but writes nothing
    breaker = factories.ProfessionalFactory()
    access_services.request_emergency_access(
        user=breaker.user, reason="Melding politie, acute zorg.", reference=case["family"].reference
    )
    client = as_user(breaker)
    assert client.get(f"/families/{case['family'].pk}/").status_code == 200
    assert client.post(reopen_url(item), {"reason": REASON}).status_code in {403, 404}
    assert rows(case["signal"]) == before


def test_reopening_an_open_review_on_the_page_says_why_not(case, as_user):
    client = as_user(case["coordinator"])
    answer = client.post(reopen_url(case["review"]), {"reason": REASON}, follow=True)
    assert "This possible link is open already." in answer.content.decode()
    assert LinkReview.objects.get(pk=case["review"].pk).status == ReviewStatus.OPEN
