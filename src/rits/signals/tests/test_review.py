"""The review queue of linking, used the way a coordinator and other professionals would."""

import datetime

import pytest
from django.urls import reverse

from rits.audit.models import AuditEvent
from rits.core.bsn import pseudonymise_bsn
from rits.families.models import FamilyEvent
from rits.signals import linking
from rits.signals.linking import review
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    ReviewStatus,
    Signal,
    SignalLink,
    SignalStatus,
)
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/signals/review/"
AGREEMENT = {
    "surname": "agree",
    "prefix": "missing",
    "given_names": "close",
    "birth_date": "disagree",
    "address": "agree",
}
SIGNAL_BSN = "111222333"


def _signal(source, reference="R-1", **fields) -> Signal:
    values = {
        "signal_type": "rent_arrears",
        "signal_date": datetime.date(2026, 3, 2),
        "surname": "Haile",
        "given_names": "Selam T.",
        "birth_date": datetime.date(1990, 5, 18),
        "postcode": "3511AB",
        "house_number": 12,
        "city": "Utrecht",
        "status": SignalStatus.REVIEW,
        "linked_at": datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC),
        **fields,
    }
    return Signal.objects.create(source=source, reference=reference, **values)


@pytest.fixture
def case(family_setup, landlord):
    """A signal (which came with a BSN Rits does not know) in review for the mother of the
    family of ``family_setup``."""
    signal = _signal(
        landlord,
        bsn_pseudonym=pseudonymise_bsn(SIGNAL_BSN),
    )
    item = LinkReview.objects.create(
        signal=signal,
        person=family_setup["mother"],
        family=family_setup["family"],
        match_probability=0.93,
        field_agreement=AGREEMENT,
    )
    return {**family_setup, "signal": signal, "review": item}


def detail(item) -> str:
    return reverse("signals:review-detail", args=[item.pk])


# --- reading ----------------------------------------------------------------------------


def test_the_coordinator_sees_the_review_in_the_queue(case, as_user):
    client = as_user(case["coordinator"])

    page = client.get(LIST).content.decode()

    assert "Selam" in page and "Rent arrears" in page and "Woonstichting Test" in page
    assert detail(case["review"]) in page
    assert "93%" in page
    event = AuditEvent.objects.get(object_type="signal.link_review.list")
    assert event.detail["review_ids"] == [case["review"].pk]


def test_the_review_page_compares_field_by_field_in_words(case, as_user):
    client = as_user(case["coordinator"])

    response = client.get(detail(case["review"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Is this the same person?" in page
    # The delivered details next to the member's, and per field a word, not a colour.
    assert "Selam T." in page and "18-05-1990" in page and "17-05-1990" in page
    assert "3511AB 12 Utrecht" in page
    for word in ("Agrees", "Nearly agrees", "Differs", "Not delivered, or not known"):
        assert word in page
    assert '<th scope="row">' in page and '<th scope="col">' in page
    assert "is not linked to" in page
    event = AuditEvent.objects.get(object_type="signal.link_review")
    assert event.family_id == case["family"].pk
    assert event.person_ids == [case["mother"].pk]
    assert event.ground == "coordinator"


def test_the_review_page_says_which_model_proposed_the_pair(case, as_user):
    client = as_user(case["coordinator"])
    before = client.get(detail(case["review"])).content.decode()
    LinkReview.objects.filter(pk=case["review"].pk).update(model_version="default-4")

    page = client.get(detail(case["review"])).content.decode()

    # Reviews from before models were versioned show no line.
    assert "Decided by model" not in before
    assert "Decided by model default-4." in page


def test_the_review_page_never_shows_a_bsn(case, as_user):
    client = as_user(case["coordinator"])

    page = client.get(detail(case["review"])).content.decode()

    assert SIGNAL_BSN not in page
    assert pseudonymise_bsn(SIGNAL_BSN) not in page
    assert factories.valid_bsn(1) not in page  # the mother's own
    assert "BSN" not in page


@pytest.mark.parametrize("who", ["outsider", "worker"])
def test_others_than_the_coordinator_cannot_see_or_decide(case, as_user, who):
    client = as_user(case[who])

    assert "Selam" not in client.get(LIST).content.decode()
    assert client.get(detail(case["review"])).status_code == 404
    response = client.post(detail(case["review"]), {"decision": "confirm"})

    assert response.status_code == 404
    case["review"].refresh_from_db()
    assert case["review"].status == ReviewStatus.OPEN
    assert not SignalLink.objects.exists()


def test_a_review_that_does_not_exist_is_not_found(case, as_user):
    client = as_user(case["coordinator"])

    assert client.get(reverse("signals:review-detail", args=[999999])).status_code == 404


def test_the_queue_needs_a_login(client):
    response = client.get(LIST)

    assert response.status_code == 302


def test_the_queue_lists_many_reviews_in_a_fixed_number_of_queries(
    case, as_user, landlord, django_assert_max_num_queries
):
    client = as_user(case["coordinator"])
    client.get(LIST)  # a first request warms the session and the audit chains
    for n in range(5):
        family = factories.FamilyFactory()
        factories.InvolvementFactory(
            family=family, professional=case["coordinator"], is_coordinator=True
        )
        member = factories.MembershipFactory(family=family).person
        LinkReview.objects.create(
            signal=_signal(landlord, reference=f"R-many-{n}"),
            person=member,
            family=family,
            match_probability=0.9,
            field_agreement=AGREEMENT,
        )

    with django_assert_max_num_queries(20):
        page = client.get(LIST).content.decode()

    assert page.count("signals/review/") >= 6


# --- deciding ---------------------------------------------------------------------------


def test_confirming_links_the_signal_to_the_family(case, as_user):
    client = as_user(case["coordinator"])
    family, mother, signal = case["family"], case["mother"], case["signal"]
    # Another candidate for the same signal, in another family: a signal is about one
    # person, so confirming closes it.
    other_family = factories.FamilyFactory()
    other = LinkReview.objects.create(
        signal=signal,
        person=factories.MembershipFactory(family=other_family).person,
        family=other_family,
        match_probability=0.85,
        field_agreement=AGREEMENT,
    )

    response = client.post(detail(case["review"]), {"decision": "confirm"}, follow=True)

    assert response.status_code == 200
    assert "Linked" in response.content.decode()
    link = SignalLink.objects.get(signal=signal)
    assert (link.family_id, link.person_id, link.method) == (
        family.pk,
        mother.pk,
        LinkMethod.REVIEWED,
    )
    assert link.match_probability == 0.93
    signal.refresh_from_db()
    assert signal.status == SignalStatus.LINKED
    assert signal.rules_run_at is None
    case["review"].refresh_from_db()
    assert case["review"].status == ReviewStatus.CONFIRMED
    assert case["review"].decided_by == case["coordinator"].user
    other.refresh_from_db()
    assert other.status == ReviewStatus.REJECTED
    event = FamilyEvent.objects.get(family=family, code="signal.linked")
    assert event.domain == "finances"
    assert "Woonstichting Test" in event.text
    audit = AuditEvent.objects.get(object_type="signal.link_review", action="update")
    assert audit.detail["decision"] == "confirm"
    assert audit.detail["linked_family_ids"] == [family.pk]
    assert audit.detail["closed_review_ids"] == [other.pk]


def test_rejecting_the_last_candidate_leaves_the_signal_unlinked(case, as_user):
    client = as_user(case["coordinator"])

    response = client.post(detail(case["review"]), {"decision": "reject"})

    assert response.status_code == 302
    case["review"].refresh_from_db()
    assert case["review"].status == ReviewStatus.REJECTED
    case["signal"].refresh_from_db()
    assert case["signal"].status == SignalStatus.UNLINKED
    assert not SignalLink.objects.exists()
    assert AuditEvent.objects.filter(object_type="signal.link_review", action="update").exists()


def test_rejecting_while_another_candidate_is_open_keeps_the_signal_in_review(case, as_user):
    other_family = factories.FamilyFactory()
    LinkReview.objects.create(
        signal=case["signal"],
        person=factories.MembershipFactory(family=other_family).person,
        family=other_family,
        match_probability=0.85,
        field_agreement=AGREEMENT,
    )
    client = as_user(case["coordinator"])

    client.post(detail(case["review"]), {"decision": "reject"})

    case["signal"].refresh_from_db()
    assert case["signal"].status == SignalStatus.REVIEW


def test_a_person_not_known_yet_is_not_linked_to_the_family(case, as_user):
    client = as_user(case["coordinator"])

    response = client.post(detail(case["review"]), {"decision": "new_person"}, follow=True)

    assert "not linked to this family" in response.content.decode()
    case["review"].refresh_from_db()
    assert case["review"].status == ReviewStatus.NEW_PERSON
    case["signal"].refresh_from_db()
    assert case["signal"].status == SignalStatus.UNLINKED
    assert not SignalLink.objects.exists()


def test_a_decided_review_cannot_be_decided_again(case, as_user):
    client = as_user(case["coordinator"])
    client.post(detail(case["review"]), {"decision": "reject"})

    response = client.post(detail(case["review"]), {"decision": "confirm"}, follow=True)

    assert "already been decided" in response.content.decode()
    assert not SignalLink.objects.exists()
    page = client.get(detail(case["review"])).content.decode()
    assert "Already decided" in page and 'value="confirm"' not in page


def test_an_unknown_answer_is_refused(case, as_user):
    client = as_user(case["coordinator"])

    response = client.post(detail(case["review"]), {"decision": "maybe"})

    assert response.status_code == 200
    assert "Choose one of the three answers." in response.content.decode()
    case["review"].refresh_from_db()
    assert case["review"].status == ReviewStatus.OPEN


def test_from_linking_to_confirmation(family_setup, landlord, as_user):
    """End to end: a signal with a typo in the date of birth and an old address goes to
    the review queue; the coordinator confirms it."""
    mother, family = family_setup["mother"], family_setup["family"]
    signal = Signal.objects.create(
        source=landlord,
        reference="E2E",
        signal_type="energy_arrears",
        signal_date=datetime.date(2026, 3, 2),
        surname="Haile",
        given_names="Selam",
        birth_date=mother.birth_date + datetime.timedelta(days=1),
        postcode="9711AA",
        house_number=3,
    )
    linking.link_signals()
    item = LinkReview.objects.get(signal=signal)
    assert item.family_id == family.pk
    client = as_user(family_setup["coordinator"])
    assert detail(item) in client.get(LIST).content.decode()

    client.post(detail(item), {"decision": "confirm"})

    assert SignalLink.objects.get(signal=signal).method == LinkMethod.REVIEWED
    assert client.get(LIST).content.decode().count(detail(item)) == 0


def test_confirming_upgrades_a_household_link_and_reaches_the_persons_other_families(case, as_user):
    family, mother, signal = case["family"], case["mother"], case["signal"]
    SignalLink.objects.create(signal=signal, family=family, method=LinkMethod.HOUSEHOLD)
    second = factories.FamilyFactory()
    factories.MembershipFactory(family=second, person=mother)
    client = as_user(case["coordinator"])

    client.post(detail(case["review"]), {"decision": "confirm"})

    assert {(link.family_id, link.person_id, link.method) for link in SignalLink.objects.all()} == {
        (family.pk, mother.pk, LinkMethod.REVIEWED),
        (second.pk, mother.pk, LinkMethod.REVIEWED),
    }
    # A timeline event only where the signal is new.
    assert FamilyEvent.objects.filter(code="signal.linked").count() == 1
    assert FamilyEvent.objects.get(code="signal.linked").family_id == second.pk


def test_coordinated_families_agree_with_the_coordinator_grant(case):
    from rits.access.rules import grant_for

    for who in ("coordinator", "worker", "outsider"):
        user = case[who].user
        ids = review.coordinated_family_ids(user)
        try:
            coordinates = grant_for(user, case["family"].pk).is_coordinator
        except Exception:
            coordinates = False
        assert (case["family"].pk in ids) == coordinates
