"""Family-level reviews: a signal about an adult who lives at a family's address but is not
a member of it reaches that family only when its coordinator says it is about the
household (issue 12); and a closed file takes no signal through a review either."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

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
LODGER_BSN = factories.valid_bsn(21)


@pytest.fixture
def lodger_case(family_setup, landlord):
    """The family of ``family_setup`` at 3511AB 12; a lodger, known by BSN in a childless
    family record of his own, at the same address; his rent arrears, linked by linking."""
    family = family_setup["family"]
    family.postcode, family.house_number, family.house_number_suffix = "3511AB", 12, ""
    family.save()
    own = factories.FamilyFactory(postcode="3511AB", house_number=12, house_number_suffix="")
    lodger = factories.PersonFactory(
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        bsn=LODGER_BSN,
    )
    factories.MembershipFactory(family=own, person=lodger, role="parent")
    signal = Signal.objects.create(
        source=landlord,
        reference="LODGER-1",
        signal_type="rent_arrears",
        signal_date=datetime.date(2026, 3, 2),
        bsn_pseudonym=pseudonymise_bsn(LODGER_BSN),
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        postcode="3511AB",
        house_number=12,
        city="Utrecht",
    )
    linking.link_signals()
    item = LinkReview.objects.get(signal=signal, person__isnull=True)
    return {**family_setup, "own": own, "lodger": lodger, "signal": signal, "review": item}


def detail(item) -> str:
    return reverse("signals:review-detail", args=[item.pk])


def test_linking_asks_the_familys_coordinator_instead_of_linking(lodger_case):
    signal, family = lodger_case["signal"], lodger_case["family"]

    assert {(link.family_id, link.method) for link in SignalLink.objects.filter(signal=signal)} == {
        (lodger_case["own"].pk, LinkMethod.BSN)
    }
    assert lodger_case["review"].family_id == family.pk
    assert lodger_case["review"].status == ReviewStatus.OPEN
    assert not FamilyEvent.objects.filter(family=family, code="signal.linked").exists()


def test_the_queue_and_the_page_say_it_is_about_the_household(lodger_case, as_user):
    client = as_user(lodger_case["coordinator"])

    queue = client.get(LIST).content.decode()
    page = client.get(detail(lodger_case["review"]))

    assert "same address, not a member of this family" in queue
    assert detail(lodger_case["review"]) in queue
    assert page.status_code == 200
    text = page.content.decode()
    assert "Is this signal about this household?" in text
    assert "Mark Jansen" in text and "01-06-1985" in text
    assert 'value="confirm"' in text and 'value="reject"' in text
    assert 'value="new_person"' not in text
    assert LODGER_BSN not in text
    event = AuditEvent.objects.get(object_type="signal.link_review")
    assert event.family_id == lodger_case["family"].pk and event.person_ids == []


@pytest.mark.parametrize("who", ["outsider", "worker"])
def test_others_than_the_coordinator_cannot_see_or_decide(lodger_case, as_user, who):
    client = as_user(lodger_case[who])

    assert detail(lodger_case["review"]) not in client.get(LIST).content.decode()
    assert client.get(detail(lodger_case["review"])).status_code == 404
    assert client.post(detail(lodger_case["review"]), {"decision": "confirm"}).status_code == 404

    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.OPEN
    assert not SignalLink.objects.filter(family=lodger_case["family"]).exists()


def test_confirming_links_the_signal_to_the_household(lodger_case, as_user):
    client = as_user(lodger_case["coordinator"])
    family, signal = lodger_case["family"], lodger_case["signal"]

    response = client.post(detail(lodger_case["review"]), {"decision": "confirm"})

    assert response.status_code == 302
    link = SignalLink.objects.get(signal=signal, family=family)
    assert (link.person_id, link.method, link.match_probability) == (
        None,
        LinkMethod.HOUSEHOLD,
        None,
    )
    # The lodger's own link stays.
    assert SignalLink.objects.filter(signal=signal, family=lodger_case["own"]).exists()
    signal.refresh_from_db()
    assert signal.status == SignalStatus.LINKED and signal.rules_run_at is None
    assert FamilyEvent.objects.filter(family=family, code="signal.linked").count() == 1


def test_rejecting_does_not_link(lodger_case, as_user):
    client = as_user(lodger_case["coordinator"])

    client.post(detail(lodger_case["review"]), {"decision": "reject"})

    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.REJECTED
    assert not SignalLink.objects.filter(family=lodger_case["family"]).exists()
    lodger_case["signal"].refresh_from_db()
    assert lodger_case["signal"].status == SignalStatus.LINKED  # to the lodger's own family


def test_a_person_not_known_yet_is_no_answer_about_a_household(lodger_case):
    with pytest.raises(ValidationError):
        review.decide_review(
            user=lodger_case["coordinator"].user,
            review_id=lodger_case["review"].pk,
            decision=review.Decision.NEW_PERSON,
        )
    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.OPEN


def test_a_confirmation_taken_back_removes_the_household_link(lodger_case, as_user):
    client = as_user(lodger_case["coordinator"])
    client.post(detail(lodger_case["review"]), {"decision": "confirm"})

    review.reopen_review(
        user=lodger_case["coordinator"].user,
        review_id=lodger_case["review"].pk,
        reason="The landlord says he lives elsewhere now.",
    )

    assert not SignalLink.objects.filter(family=lodger_case["family"]).exists()
    assert FamilyEvent.objects.filter(
        family=lodger_case["family"], code="signal.link_withdrawn"
    ).exists()
    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.OPEN


def _close(family):
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])


def test_a_review_decided_after_the_file_closed_does_not_link(lodger_case, as_user):
    _close(lodger_case["family"])
    client = as_user(lodger_case["coordinator"])

    response = client.post(detail(lodger_case["review"]), {"decision": "confirm"}, follow=True)

    assert "file is closed" in response.content.decode()
    assert not SignalLink.objects.filter(family=lodger_case["family"]).exists()
    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.OPEN
    # Answering no is still possible.
    client.post(detail(lodger_case["review"]), {"decision": "reject"})
    lodger_case["review"].refresh_from_db()
    assert lodger_case["review"].status == ReviewStatus.REJECTED


def test_a_person_review_after_the_file_closed_does_not_link(family_setup, landlord, as_user):
    signal = Signal.objects.create(
        source=landlord,
        reference="CLOSED-1",
        signal_type="rent_arrears",
        signal_date=datetime.date(2026, 3, 2),
        surname="Haile",
        given_names="Selam",
        status=SignalStatus.REVIEW,
        linked_at=timezone.now(),
    )
    mother = family_setup["mother"]
    # She is also a member of a second family, whose file is closed too.
    second = factories.FamilyFactory()
    factories.MembershipFactory(family=second, person=mother)
    _close(second)
    item = LinkReview.objects.create(
        signal=signal, person=mother, family=family_setup["family"], match_probability=0.9
    )
    client = as_user(family_setup["coordinator"])

    # The second file is closed: confirming links to her open family only.
    client.post(detail(item), {"decision": "confirm"})
    assert set(SignalLink.objects.filter(signal=signal).values_list("family_id", flat=True)) == {
        family_setup["family"].pk
    }

    # And once her own family's file is closed, a review there cannot link at all.
    other = Signal.objects.create(
        source=landlord,
        reference="CLOSED-2",
        signal_type="rent_arrears",
        signal_date=datetime.date(2026, 3, 2),
        surname="Haile",
        status=SignalStatus.REVIEW,
        linked_at=timezone.now(),
    )
    later = LinkReview.objects.create(
        signal=other, person=mother, family=family_setup["family"], match_probability=0.9
    )
    _close(family_setup["family"])
    response = client.post(detail(later), {"decision": "confirm"}, follow=True)

    assert "file is closed" in response.content.decode()
    assert not SignalLink.objects.filter(signal=other).exists()
