"""Linking signals to the right person and the right household (``link_signals``)."""

import datetime
import random

import pytest
from django.utils import timezone

from bench.link_quality import evaluate_links
from rits.audit.models import AuditEvent
from rits.core.bsn import pseudonymise_bsn
from rits.families.models import FamilyEvent, Membership
from rits.signals import linking, types
from rits.signals.linking import decision, matcher, model, normalise, population, store
from rits.signals.linking import services as linking_services
from rits.signals.models import (
    LinkMethod,
    LinkReview,
    Signal,
    SignalLink,
    SignalStatus,
)
from tests import factories

pytestmark = pytest.mark.django_db

SIGNAL_DATE = datetime.date(2026, 3, 2)


def make_signal(source, n=[0], **fields) -> Signal:  # noqa: B006 (a counter on purpose)
    n[0] += 1
    bsn = fields.pop("bsn", "")
    values = {
        "reference": f"L-{n[0]}",
        "signal_type": "rent_arrears",
        "signal_date": SIGNAL_DATE,
        "surname": "Haile",
        "given_names": "Selam",
        "birth_date": datetime.date(1990, 5, 17),
        "postcode": "3511AB",
        "house_number": 12,
        **fields,
    }
    if bsn:
        values["bsn_pseudonym"] = pseudonymise_bsn(bsn)
    return Signal.objects.create(source=source, **values)


def household(
    *,
    surname="Haile",
    given="Selam",
    prefix="",
    born=datetime.date(1990, 5, 17),
    bsn=None,
    postcode="3511AB",
    number=12,
    suffix="",
    children=1,
    role="parent",
):
    """A family at an address, with one adult member and ``children`` children."""
    family = factories.FamilyFactory(
        postcode=postcode, house_number=number, house_number_suffix=suffix
    )
    adult = factories.PersonFactory(
        surname=surname, prefix=prefix, given_names=given, birth_date=born, bsn=bsn
    )
    factories.MembershipFactory(family=family, person=adult, role=role)
    for i in range(children):
        factories.MembershipFactory(
            family=family,
            role="child",
            person=factories.PersonFactory(
                surname=surname,
                prefix=prefix,
                given_names=f"Kind{i}",
                birth_date=datetime.date(2018 + i, 1, 1 + i),
            ),
        )
    return family, adult


@pytest.fixture(autouse=True)
def _no_snapshot_of_another_test():
    # The snapshot of every member outlives a run (matcher.SNAPSHOT_MAX_AGE); each test
    # has a region of its own.
    matcher.process_matcher().forget_population()


def links(signal) -> set[tuple]:
    return {
        (link.family_id, link.person_id, link.method)
        for link in SignalLink.objects.filter(signal=signal)
    }


def status(signal) -> str:
    signal.refresh_from_db()
    return signal.status


# --- BSN ----------------------------------------------------------------------------------


def test_a_known_bsn_links_to_every_family_of_the_person(landlord):
    bsn = factories.valid_bsn(3)
    family, mother = household(bsn=bsn)
    # The same mother is also a member of a second family (a new partner's household).
    other = factories.FamilyFactory(postcode="1011AA", house_number=1)
    factories.MembershipFactory(family=other, person=mother, role="parent")
    signal = make_signal(landlord, bsn=bsn, surname="Someone", given_names="Else")

    report = linking.link_signals()

    assert links(signal) == {
        (family.pk, mother.pk, LinkMethod.BSN),
        (other.pk, mother.pk, LinkMethod.BSN),
    }
    assert status(signal) == SignalStatus.LINKED
    assert signal.linked_at is not None
    assert report.signals == 1 and report.linked == 1 and report.links[LinkMethod.BSN] == 2
    event = FamilyEvent.objects.get(family=family)
    assert event.text == "Signal received: rent arrears (Woonstichting Test)"
    assert event.domain == "finances"


def test_an_unknown_bsn_is_never_matched_to_someone_with_another_bsn(landlord):
    household(bsn=factories.valid_bsn(4), children=0)
    signal = make_signal(landlord, bsn=factories.valid_bsn(5))

    linking.link_signals()

    assert links(signal) == set()
    assert not LinkReview.objects.exists()
    assert status(signal) == SignalStatus.UNLINKED


# --- name, date of birth and address ----------------------------------------------------


@pytest.mark.parametrize(
    "person, delivered",
    [
        pytest.param({}, {}, id="exact"),
        pytest.param({}, {"surname": "Hailè"}, id="accent"),
        pytest.param({"surname": "Haile"}, {"surname": "Hiale"}, id="typo-in-surname"),
        pytest.param({"given": "Selam Tigist"}, {"given_names": "Tigist Selam"}, id="swapped"),
        pytest.param({"given": "Selam Tigist"}, {"given_names": "Selam"}, id="first-name-only"),
        pytest.param(
            {"surname": "Vries", "prefix": "de"}, {"surname": "Vries"}, id="missing-prefix"
        ),
        pytest.param(
            {"surname": "Vries", "prefix": "de"},
            {"surname": "de Vries"},
            id="prefix-in-surname",
        ),
        pytest.param({}, {"house_number_suffix": "A"}, id="another-suffix"),
        # Moved: name and date of birth agree, the address is somewhere else entirely.
        pytest.param({}, {"postcode": "9711AA", "house_number": 3}, id="moved"),
    ],
)
def test_without_a_bsn_the_model_links_despite_differences(landlord, person, delivered):
    family, mother = household(**person)
    signal = make_signal(landlord, **delivered)

    linking.link_signals()

    assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    link = SignalLink.objects.get(signal=signal)
    assert link.match_probability >= 0.99
    assert status(signal) == SignalStatus.LINKED


def test_moved_and_a_typo_in_the_date_of_birth_goes_to_review(landlord):
    family, mother = household()
    signal = make_signal(
        landlord, postcode="9711AA", house_number=3, birth_date=datetime.date(1990, 5, 18)
    )

    linking.link_signals()

    assert links(signal) == set()
    review = LinkReview.objects.get(signal=signal)
    assert (review.person_id, review.family_id) == (mother.pk, family.pk)
    assert 0.8 <= review.match_probability < 0.99
    assert review.field_agreement == {
        "surname": "agree",
        "prefix": "missing",
        "given_names": "agree",
        "birth_date": "close",
        "address": "disagree",
    }
    assert status(signal) == SignalStatus.REVIEW


def test_a_typo_in_the_postcode_at_the_same_house_number_is_no_move(landlord):
    # As the test above, but the address is the family's with one digit wrong: a slip of
    # the source, not another address.
    family, mother = household()
    typo = make_signal(landlord, postcode="3515AB", birth_date=datetime.date(1990, 5, 18))
    elsewhere = make_signal(landlord, postcode="3555AB", birth_date=datetime.date(1990, 5, 18))

    linking.link_signals()

    assert links(typo) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    # Two typos apart is another postcode: as a move, to review.
    assert links(elsewhere) == set()
    review = LinkReview.objects.get(signal=elsewhere)
    assert review.field_agreement["address"] == "disagree"


def test_the_same_postcode_without_a_house_number_counts_as_the_postcode(landlord):
    # As the test above, but the source leaves out the house number: the postcode that
    # agrees still says where the person lives. Without it (or in another postcode) the
    # address says nothing either way, and a typo in the date of birth is left to review.
    family, mother = household()
    born = datetime.date(1990, 5, 18)
    no_number = make_signal(landlord, house_number=None, birth_date=born)
    elsewhere = make_signal(landlord, postcode="9711AA", house_number=None, birth_date=born)

    linking.link_signals()

    assert links(no_number) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    assert links(elsewhere) == set()
    review = LinkReview.objects.get(signal=elsewhere)
    assert review.field_agreement["address"] == "missing"
    assert 0.8 <= review.match_probability < 0.99


# --- the margin (SIGNAL_LINK_MARGIN): a lone doubtful candidate far ahead of the rest ----


def test_with_a_margin_a_doubtful_match_far_ahead_of_everyone_is_linked(landlord, settings):
    settings.SIGNAL_LINK_MARGIN = 10
    family, mother = household()
    # As test_moved_and_a_typo_in_the_date_of_birth_goes_to_review: one candidate, 0.8-0.99.
    signal = make_signal(
        landlord, postcode="9711AA", house_number=3, birth_date=datetime.date(1990, 5, 18)
    )

    linking.link_signals()

    assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    assert 0.8 <= SignalLink.objects.get(signal=signal).match_probability < 0.99
    assert not LinkReview.objects.filter(signal=signal).exists()


def test_with_a_margin_two_candidates_close_together_still_go_to_review(landlord, settings):
    settings.SIGNAL_LINK_MARGIN = 10
    _family, mother = household()
    _other, namesake = household(postcode="1011AA", number=1)
    signal = make_signal(
        landlord, postcode="9711AA", house_number=3, birth_date=datetime.date(1990, 5, 18)
    )

    linking.link_signals()

    assert links(signal) == set()
    reviewed = set(LinkReview.objects.filter(signal=signal).values_list("person_id", flat=True))
    assert reviewed == {mother.pk, namesake.pk}


def test_with_a_margin_a_date_of_birth_that_differs_still_holds_the_link_back(landlord, settings):
    # A son named after his father at the father's address: the father is the only
    # candidate, far ahead, but his date of birth is another one.
    settings.SIGNAL_LINK_MARGIN = 10
    household(given="Tesfay", born=datetime.date(1965, 2, 1), children=0)
    signal = make_signal(landlord, given_names="Tesfay", birth_date=datetime.date(1995, 8, 9))

    linking.link_signals()

    assert links(signal) == set()
    review = LinkReview.objects.get(signal=signal)
    assert review.field_agreement["birth_date"] == "disagree"
    assert review.match_probability >= 0.8


# --- signals without a surname (intake accepts given names with a date of birth or an
# address) ---------------------------------------------------------------------------------


def test_a_signal_without_a_surname_links_to_the_right_person(landlord):
    family, mother = household()
    # Another Selam of the same age elsewhere, and a namesake of the family at the address.
    household(surname="Tesfaye", born=datetime.date(1990, 8, 2), postcode="9711AA", number=3)
    signal = make_signal(landlord, surname="")

    report = linking.link_signals()

    assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    assert report.linked == 1 and status(signal) == SignalStatus.LINKED


def test_given_names_and_a_date_of_birth_alone_go_to_review(landlord):
    family, mother = household()
    signal = make_signal(landlord, surname="", postcode="", house_number=None)

    linking.link_signals()

    assert links(signal) == set()
    review = LinkReview.objects.get(signal=signal)
    assert (review.person_id, review.family_id) == (mother.pk, family.pk)
    assert review.field_agreement["surname"] == "missing"
    assert status(signal) == SignalStatus.REVIEW


@pytest.mark.parametrize("snapshot", [False, True], ids=["candidates", "snapshot"])
def test_without_a_surname_the_first_given_name_and_year_of_birth_find_the_person(
    landlord, monkeypatch, snapshot
):
    # Neither the date of birth (a typo) nor the house number (another one) is the same,
    # so only the rule on the first given name and the year of birth makes them a pair.
    family, mother = household(given="Émile Jan", postcode="3511AB", number=12)
    signal = make_signal(
        landlord,
        surname="",
        given_names="ÉMILE JAN",
        birth_date=datetime.date(1990, 5, 18),
        house_number=14,
    )
    if snapshot:
        monkeypatch.setattr(linking_services, "SNAPSHOT_FROM", 1)

    linking.link_signals()

    review = LinkReview.objects.get(signal=signal)
    assert (review.person_id, review.family_id) == (mother.pk, family.pk)


def test_the_database_finds_given_names_as_the_model_compares_them(landlord):
    household(given="Jan-Pieter", born=datetime.date(1984, 11, 2))
    household(given="Janneke", born=datetime.date(1984, 3, 1))  # begins the same: no pair
    household(given="Jan", born=datetime.date(1985, 11, 2))  # another year
    signal = make_signal(
        landlord,
        surname="",
        given_names="Jan",
        birth_date=datetime.date(1984, 1, 1),
        postcode="",
        house_number=None,
    )

    rows = population.candidate_rows([signal])

    assert sorted(r[3] for r in rows) == ["Jan-Pieter"]


@pytest.mark.parametrize(
    "delivered",
    [
        # The date of birth more than a typo off, another address: the same names.
        pytest.param(
            {"birth_date": datetime.date(1970, 1, 2), "postcode": "9711AA", "house_number": 3},
            id="surname-and-given-name",
        ),
        # No date of birth, no house number: a name in the same postcode.
        pytest.param(
            {"birth_date": None, "given_names": "Selma", "house_number": None},
            id="surname-in-postcode",
        ),
        pytest.param(
            {"birth_date": None, "surname": "Hale", "house_number": None},
            id="given-name-in-postcode",
        ),
        # Given name and surname swapped, nothing else to go by.
        pytest.param(
            {
                "surname": "Selam",
                "given_names": "Haile",
                "birth_date": None,
                "postcode": "9711AA",
                "house_number": 3,
            },
            id="swapped",
        ),
    ],
)
def test_the_person_is_compared_without_a_date_of_birth_or_address_in_common(landlord, delivered):
    _family, mother = household(children=0)
    household(surname="Jansen", given="Piet", postcode="9711AA", number=3, children=0)
    signal = make_signal(landlord, **delivered)

    rows = population.candidate_rows([signal])
    scored = matcher.process_matcher().predict(
        [decision.signal_row(signal)], candidates=rows, floor=1e-12
    )

    mother_rows = set(Membership.objects.filter(person=mother).values_list("pk", flat=True))
    assert mother_rows <= {r[0] for r in rows}
    # The model's blocking rules pair them too (they decide on the snapshot).
    assert mother_rows <= {p["unique_id_l"] for p in scored}


def test_the_blocking_rules_of_the_model_file_are_those_of_the_code():
    from rits.signals.linking.comparisons import blocking_rules

    in_code = [r.get_blocking_rule("duckdb").as_dict() for r in blocking_rules()]
    assert model.linkage_model()["blocking_rules_to_generate_predictions"] == in_code


def test_a_near_namesake_with_another_date_of_birth_is_not_linked(landlord):
    household(born=datetime.date(1990, 5, 17), postcode="3511AB", number=12)
    signal = make_signal(
        landlord, birth_date=datetime.date(1972, 11, 3), postcode="3512CD", house_number=40
    )

    linking.link_signals()

    assert links(signal) == set()
    assert not LinkReview.objects.exists()
    assert status(signal) == SignalStatus.UNLINKED


def test_a_son_with_his_fathers_name_at_the_same_address_is_not_linked_to_the_father(landlord):
    # Only the father is known; the signal is about his adult son of the same name.
    family, father = household(surname="Bakker", given="Jan", born=datetime.date(1970, 2, 1))
    signal = make_signal(
        landlord, surname="Bakker", given_names="Jan", birth_date=datetime.date(2001, 8, 9)
    )

    linking.link_signals()

    # Not linked to the father: at most a review of him; and not to his family by the
    # address alone (the son is linked to no one, so nothing says whose household it is).
    assert (family.pk, father.pk, LinkMethod.PROBABILISTIC) not in links(signal)
    assert links(signal) == set()
    assert not LinkReview.objects.filter(signal=signal, person__isnull=True).exists()


def test_two_people_above_the_threshold_go_to_review_not_to_a_link(landlord):
    # The same name and date of birth in two families (e.g. registered twice, without BSN).
    first, one = household(postcode="3511AB", number=12, children=0)
    second, two = household(postcode="1011AA", number=5, children=0)
    signal = make_signal(landlord, postcode="", house_number=None)

    linking.link_signals()

    assert links(signal) == set()
    reviews = LinkReview.objects.filter(signal=signal)
    assert {(r.person_id, r.family_id) for r in reviews} == {
        (one.pk, first.pk),
        (two.pk, second.pk),
    }
    assert all(r.match_probability >= 0.99 for r in reviews)
    assert status(signal) == SignalStatus.REVIEW


def test_someone_unlike_anyone_known_is_not_linked(landlord):
    household()
    signal = make_signal(
        landlord,
        surname="Kowalski",
        given_names="Piotr",
        birth_date=datetime.date(1985, 1, 1),
        postcode="9711AA",
        house_number=3,
    )

    linking.link_signals()

    assert links(signal) == set()
    assert status(signal) == SignalStatus.UNLINKED


# --- precision: who else could it be -------------------------------------------------------


def test_a_namesake_at_the_address_with_another_date_of_birth_goes_to_review(landlord):
    # Only the father is known. The signal has his names and his address but a date of
    # birth decades apart (a son named after him, a lodger of the same name): the model
    # alone, counting name and address as independent evidence, would be sure enough.
    family, father = household(
        surname="Vries", prefix="de", given="Jan", born=datetime.date(1970, 2, 1), children=0
    )
    signal = make_signal(
        landlord,
        surname="Vries",
        prefix="de",
        given_names="Jan",
        birth_date=datetime.date(1995, 7, 12),
    )

    linking.link_signals()

    assert links(signal) == set()
    review = LinkReview.objects.get(signal=signal)
    assert (review.person_id, review.family_id) == (father.pk, family.pk)
    assert review.match_probability >= 0.99
    assert review.field_agreement["birth_date"] == "disagree"
    assert status(signal) == SignalStatus.REVIEW


def test_a_second_person_who_fits_as_well_sends_the_signal_to_review(landlord):
    # The same names in two families: one born on exactly the delivered date, one born
    # ten days later (a typo away). The signal's address is neither family's.
    _first, exact = household(
        born=datetime.date(1990, 5, 17), postcode="1011AA", number=5, children=0
    )
    _second, nearly = household(
        born=datetime.date(1990, 5, 27), postcode="9711AA", number=3, children=0
    )
    signal = make_signal(
        landlord, birth_date=datetime.date(1990, 5, 17), postcode="2511CC", house_number=7
    )

    linking.link_signals()

    assert links(signal) == set()
    reviews = {r.person_id: r for r in LinkReview.objects.filter(signal=signal)}
    assert set(reviews) == {exact.pk, nearly.pk}
    assert reviews[exact.pk].match_probability >= 0.99 > reviews[nearly.pk].match_probability
    assert status(signal) == SignalStatus.REVIEW


def test_a_family_member_with_other_given_names_is_no_rival(landlord):
    # No date of birth in the signal. The child shares surname, prefix and address with
    # the mother, and scores in the review band on that alone, but her given names
    # differ: she is no reason to doubt that the signal is about the mother.
    family, mother = household(surname="Vries", prefix="de", given="Selam", children=1)
    signal = make_signal(
        landlord, surname="Vries", prefix="de", given_names="Selam", birth_date=None
    )
    candidates = population.candidate_rows([signal])
    scored = matcher.process_matcher().predict(
        [decision.signal_row(signal)], candidates=candidates, floor=0.8
    )
    assert len(scored) == 2  # the mother, and her child

    linking.link_signals()

    assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    assert not LinkReview.objects.filter(signal=signal).exists()


# --- the household ------------------------------------------------------------------------


def household_reviews(signal) -> set[int]:
    return set(
        LinkReview.objects.filter(signal=signal, person__isnull=True).values_list(
            "family_id", flat=True
        )
    )


def test_an_unknown_adults_rent_arrears_at_a_familys_address_do_not_reach_the_family(landlord):
    family, _mother = household(postcode="3511AB", number=12, suffix="b")
    # A partner who is not (yet) a member of the family, at the same address: linked to
    # no one, so not to the family by its address, and not put up for review either (no
    # person matched).
    signal = make_signal(
        landlord,
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        house_number_suffix="B",
    )

    report = linking.link_signals()

    assert links(signal) == set()
    assert not LinkReview.objects.filter(signal=signal).exists()
    assert status(signal) == SignalStatus.UNLINKED
    assert report.links == {}
    assert FamilyEvent.objects.filter(family=family, code="signal.linked").count() == 0


def test_a_linked_adult_reaches_another_family_at_the_address_only_by_review(landlord):
    # Grandmother's own (childless) family record, and her daughter's family with
    # children at the same address, which she is not a member of.
    bsn = factories.valid_bsn(6)
    own, grandmother = household(
        surname="Bakker", given="Truus", born=datetime.date(1955, 1, 1), bsn=bsn, children=0
    )
    daughters, _daughter = household(surname="Visser", given="Anne", children=2)
    signal = make_signal(landlord, bsn=bsn, postcode="", house_number=None)

    report = linking.link_signals()

    assert links(signal) == {(own.pk, grandmother.pk, LinkMethod.BSN)}
    # The daughter's family gets a family-level review for its coordinator, not a link.
    assert household_reviews(signal) == {daughters.pk}
    review = LinkReview.objects.get(signal=signal, person__isnull=True)
    assert review.match_probability is None and review.status == "open"
    assert status(signal) == SignalStatus.LINKED
    assert report.household_reviews == 1 and report.reviews == 1
    assert FamilyEvent.objects.filter(family=daughters, code="signal.linked").count() == 0
    audit = AuditEvent.objects.get(object_type="signal.link", family_id=daughters.pk)
    assert audit.detail["review_signal_ids"] == [signal.pk]
    assert audit.detail["signal_ids"] == []


def test_a_signal_reaches_every_family_the_person_is_a_member_of_not_others(landlord):
    # The mother is a member of her family with children; a second family with children
    # lives at the same address (two households in one house).
    bsn = factories.valid_bsn(7)
    family, mother = household(bsn=bsn)
    upstairs, _neighbour = household(surname="Smit", given="Piet", children=1)

    signal = make_signal(landlord, bsn=bsn)
    linking.link_signals()

    assert links(signal) == {(family.pk, mother.pk, LinkMethod.BSN)}
    assert household_reviews(signal) == {upstairs.pk}


def test_no_review_for_a_childs_signal_or_without_children(landlord):
    family, _mother = household()
    childless, _other = household(surname="Smit", given="Piet", number=14, children=0)
    # A child of another family, known by BSN, whose school absence is delivered at
    # the first family's address.
    bsn = factories.valid_bsn(8)
    other_family = factories.FamilyFactory(postcode="1011AA", house_number=5)
    pupil = factories.PersonFactory(
        surname="Jansen", given_names="Tim", birth_date=datetime.date(2014, 3, 3), bsn=bsn
    )
    factories.MembershipFactory(family=other_family, person=pupil, role="child")
    child = make_signal(landlord, signal_type="school_absence", bsn=bsn, surname="Jansen")
    adult_without_children = make_signal(
        landlord,
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        house_number=14,
    )
    unknown_age = make_signal(landlord, surname="Jansen", given_names="Mark", birth_date=None)

    linking.link_signals()

    assert links(child) == {(other_family.pk, pupil.pk, LinkMethod.BSN)}
    assert household_reviews(child) == set()
    assert links(adult_without_children) == set()
    assert links(unknown_age) == set()
    assert not LinkReview.objects.filter(family__in=[family, childless]).exists()
    assert FamilyEvent.objects.filter(family__in=[family, childless]).count() == 0


# --- closed files ------------------------------------------------------------------------


def test_a_closed_file_takes_no_new_signal(landlord):
    bsn = factories.valid_bsn(9)
    family, mother = household(bsn=bsn)
    # The mother is also a member of a second, open family elsewhere.
    second = factories.FamilyFactory(postcode="1011AA", house_number=5)
    factories.MembershipFactory(family=second, person=mother, role="parent")
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])

    by_bsn = make_signal(landlord, bsn=bsn)
    by_model = make_signal(landlord)  # her name, date of birth and the closed file's address
    linking.link_signals()

    assert links(by_bsn) == {(second.pk, mother.pk, LinkMethod.BSN)}
    assert links(by_model) == {(second.pk, mother.pk, LinkMethod.PROBABILISTIC)}
    assert FamilyEvent.objects.filter(family=family).count() == 0


def test_a_person_whose_only_family_is_closed_leaves_the_signal_unlinked(landlord):
    bsn = factories.valid_bsn(10)
    family, _mother = household(bsn=bsn)
    _other, _neighbour = household(surname="Smit", given="Piet", children=1)
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])
    by_bsn = make_signal(landlord, bsn=bsn)
    by_model = make_signal(landlord)

    linking.link_signals()

    for signal in (by_bsn, by_model):
        assert links(signal) == set()
        # Not to a namesake, not to the neighbours by the address, not up for review.
        assert not LinkReview.objects.filter(signal=signal).exists()
        assert status(signal) == SignalStatus.UNLINKED


def test_a_review_goes_to_the_persons_open_family_not_to_the_closed_one(landlord):
    family, mother = household()
    second = factories.FamilyFactory(postcode="1011AA", house_number=5)
    factories.MembershipFactory(family=second, person=mother, role="parent")
    family.closed_at = timezone.now()
    family.save(update_fields=["closed_at"])
    signal = make_signal(
        landlord, postcode="9711AA", house_number=3, birth_date=datetime.date(1990, 5, 18)
    )

    linking.link_signals()

    review = LinkReview.objects.get(signal=signal)
    assert (review.person_id, review.family_id) == (mother.pk, second.pk)
    assert status(signal) == SignalStatus.REVIEW


def test_a_closed_family_gets_no_review_of_its_household(landlord):
    bsn = factories.valid_bsn(11)
    own, grandmother = household(
        surname="Bakker", given="Truus", born=datetime.date(1955, 1, 1), bsn=bsn, children=0
    )
    daughters, _daughter = household(surname="Visser", given="Anne", children=2)
    daughters.closed_at = timezone.now()
    daughters.save(update_fields=["closed_at"])
    signal = make_signal(landlord, bsn=bsn)

    linking.link_signals()

    assert links(signal) == {(own.pk, grandmother.pk, LinkMethod.BSN)}
    assert household_reviews(signal) == set()


# --- idempotent and restartable -----------------------------------------------------------


def _counts():
    return (
        SignalLink.objects.count(),
        LinkReview.objects.count(),
        FamilyEvent.objects.count(),
        AuditEvent.objects.filter(object_type="signal.link").count(),
    )


def test_running_again_changes_nothing(landlord):
    household()
    household(postcode="1011AA", number=5, children=0, given="Selam")
    make_signal(landlord)
    make_signal(landlord, given_names="Selam", postcode="", house_number=None)
    make_signal(landlord, surname="Nobody", given_names="Known", birth_date=None)
    linking.link_signals()
    before = _counts()
    statuses = dict(Signal.objects.values_list("pk", "status"))

    again = linking.link_signals()

    assert again.signals == 0
    assert _counts() == before
    assert dict(Signal.objects.values_list("pk", "status")) == statuses


def test_a_crash_mid_run_loses_nothing_and_doubles_nothing(landlord, monkeypatch):
    family, mother = household()
    signals = [make_signal(landlord) for _ in range(5)]
    monkeypatch.setattr(linking_services, "CHUNK_SIZE", 2)
    real_write = store.write
    calls = []

    def crash_on_second_chunk(decisions, report, **kwargs):
        calls.append(len(decisions))
        real_write(decisions, report, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(store, "write", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        linking.link_signals()
    # The first chunk stands; the second was rolled back whole; the third never ran.
    assert SignalLink.objects.count() == 2
    assert Signal.objects.filter(linked_at__isnull=True).count() == 3

    monkeypatch.setattr(store, "write", real_write)
    report = linking.link_signals()

    assert report.signals == 3
    for signal in signals:
        assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
        assert status(signal) == SignalStatus.LINKED
    assert FamilyEvent.objects.filter(family=family, code="signal.linked").count() == 5


def test_only_the_given_signals_are_linked(landlord):
    household()
    first, second = make_signal(landlord), make_signal(landlord)

    report = linking.link_signals(signal_ids=[second.pk])

    assert report.signals == 1
    assert status(first) == SignalStatus.RECEIVED
    assert status(second) == SignalStatus.LINKED
    # Linked signals are not looked at again, even when named.
    assert linking.link_signals(signal_ids=[second.pk]).signals == 0


def test_large_runs_read_every_member_once_and_decide_the_same(landlord, monkeypatch):
    household()
    household(surname="Vries", prefix="de", given="Anna", postcode="1011AA", number=5)
    household(given="Selam", postcode="2511CC", number=7, children=0)  # a namesake
    variants = [
        {"surname": "Hiale", "given_names": "Selam", "postcode": "3511AB"},
        {"surname": "Vries", "given_names": "Anna", "birth_date": datetime.date(1990, 5, 17)},
        {"surname": "Vries", "given_names": "Anna", "postcode": "9711AA", "house_number": 3},
        {"postcode": "", "house_number": None},
        {"surname": "Kowalski", "given_names": "Piotr", "birth_date": None},
    ]

    def outcome(signal):
        reviews = {(r.person_id, r.family_id) for r in LinkReview.objects.filter(signal=signal)}
        return status(signal), links(signal), reviews

    by_candidates = [make_signal(landlord, **v) for v in variants]
    linking.link_signals(signal_ids=[s.pk for s in by_candidates])
    monkeypatch.setattr(linking_services, "SNAPSHOT_FROM", 1)
    from_snapshot = [make_signal(landlord, **v) for v in variants]
    linking.link_signals(signal_ids=[s.pk for s in from_snapshot])

    expected = [outcome(s) for s in by_candidates]
    assert [outcome(s) for s in from_snapshot] == expected
    # The first is doubt between the mother and her namesake (no longer linked to the
    # mother's family by the address alone).
    assert [e[0] for e in expected] == ["review", "linked", "linked", "review", "unlinked"]
    assert not expected[0][1]


def test_each_chunk_is_audited_with_ids_only(landlord):
    family, mother = household()
    signal = make_signal(landlord, note="not for the log")

    linking.link_signals()

    # The chunk's summary, on no family (the per-family events share its spelling).
    event = AuditEvent.objects.get(object_type="signal.link", family_id__isnull=True)
    assert event.user_display == "system: linking" and event.role == "system"
    assert event.detail["signal_ids"] == [signal.pk]
    assert event.detail["family_ids"] == [family.pk]
    assert event.person_ids == [mother.pk]
    text = str(event.detail)
    assert "Haile" not in text and "Selam" not in text and "1990" not in text
    # And one on the family, for its access log.
    [on_family] = AuditEvent.objects.filter(object_type="signal.link", family_id__isnull=False)
    assert on_family.family_id == family.pk and on_family.person_ids == [mother.pk]
    assert on_family.detail == {"signal_ids": [signal.pk], "review_signal_ids": []}


def test_linking_one_signal_takes_a_bounded_number_of_queries(
    landlord, django_assert_max_num_queries
):
    for n in range(5):
        household(surname=f"Bakker{n}", given="Jan", postcode="1011AA", number=n + 1)
    household()
    make_signal(landlord)
    model.agreement_labels()  # the model file is read once per process

    # The same for any size of region: no query per candidate, family or link (and two
    # audit chains: the chunk's summary and the family's event, each made on first use).
    with django_assert_max_num_queries(35):
        report = linking.link_signals()

    assert report.linked == 1


def test_the_timeline_event_is_tagged_with_the_life_domain(landlord):
    family, _mother = household()
    for signal_type in ("school_absence", "missed_child_health_visit", "police_report"):
        make_signal(landlord, signal_type=signal_type)

    linking.link_signals()

    assert set(FamilyEvent.objects.filter(family=family).values_list("domain", flat=True)) == {
        "work_education",
        "physical_health",
        "safety",
    }


# --- measuring and parts ------------------------------------------------------------------


def test_evaluate_links_gives_precision_and_recall(landlord):
    _family, mother = household()
    right = make_signal(landlord)
    missed = make_signal(landlord, surname="Kowalski", given_names="Piotr", birth_date=None)
    nobody = make_signal(landlord, surname="Nobody", given_names="Known", birth_date=None)
    linking.link_signals()

    precision, recall = evaluate_links({right.pk: mother.pk, missed.pk: mother.pk, nobody.pk: None})

    assert precision == 1.0
    assert recall == 0.5


def test_names_are_compared_without_accents_case_or_loose_prefixes():
    assert normalise.normalise_text("Çelik-Öztürk") == "celik ozturk"
    assert normalise.split_surname("de Vries", "") == ("de", "vries")
    assert normalise.split_surname("Van der Berg", "") == ("van der", "berg")
    assert normalise.split_surname("Vries", "De") == ("de", "vries")
    assert normalise.split_surname("Van", "") == ("", "van")
    assert normalise.address_key("3511 ab", 12, "-b") == "3511AB-12-B"
    assert normalise.address_key("", 12, "") is None


def test_every_kind_of_signal_has_a_life_domain():
    from rits.signals.models import SignalType

    assert set(types.SIGNAL_DOMAINS) == set(SignalType.values)


# --- large runs ---------------------------------------------------------------------------


def _mixed_signals(landlord, n: int, first: int) -> list[int]:
    """``n`` times: a signal with a known BSN, one the model links, one for review and one
    about a known adult at the address of a family they are not a member of (linked to
    the adult, a family-level review for the family); each about other people."""
    ids = []
    for i in range(first, first + n):
        # Names that are not a typo of each other.
        surname = "".join(random.Random(i).choices("bcdfghjklmnprstvwz", k=8)).title()
        bsn = factories.valid_bsn(1000 + i)
        household(surname=surname, given="Anna", bsn=bsn, postcode="1011AA", number=i + 1)
        household(surname=surname, given="Piet", born=datetime.date(1980, 1, 1), children=0)
        lodger = factories.valid_bsn(5000 + i)
        household(given="Kim", bsn=lodger, postcode="2511CC", number=i + 1, children=0)
        ids += [
            make_signal(landlord, bsn=bsn, surname="Else").pk,
            make_signal(landlord, surname=surname, given_names="Anna", house_number=None).pk,
            make_signal(
                landlord,
                surname=surname,
                given_names="Piet",
                birth_date=datetime.date(1980, 1, 11),
                postcode="9711AA",
                house_number=3,
            ).pk,
            make_signal(landlord, bsn=lodger, postcode="1011AA", house_number=i + 1).pk,
        ]
    return ids


def test_a_large_run_takes_as_many_queries_as_a_small_one(landlord, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.AUDIT_CHAINS = 1  # the chain is made on first use: not in the count
    linking.link_signals(signal_ids=_mixed_signals(landlord, 1, first=0))
    small, large = _mixed_signals(landlord, 2, first=1), _mixed_signals(landlord, 30, first=3)

    with CaptureQueriesContext(connection) as few:
        linking.link_signals(signal_ids=small)
    with CaptureQueriesContext(connection) as many:
        report = linking.link_signals(signal_ids=large)

    assert report.signals == 120 and report.chunks == 1
    assert report.links == {
        LinkMethod.BSN: 60,  # and the lodger, in their own family
        LinkMethod.PROBABILISTIC: 30,
    }
    assert report.review == 30
    assert report.household_reviews == 30  # the lodger, at the family's address

    def counted(captured):
        # SQLite takes audit events in inserts of at most 999 values (PostgreSQL: one COPY).
        return [q for q in captured if 'INSERT INTO "audit_auditevent"' not in q["sql"]]

    assert len(counted(many.captured_queries)) == len(counted(few.captured_queries))


@pytest.mark.parametrize("by_id", [False, True], ids=["pending", "by-id"])
def test_a_run_is_decided_in_parts_and_written_in_chunks(landlord, monkeypatch, by_id):
    family, mother = household()
    signals = [make_signal(landlord) for _ in range(7)]
    monkeypatch.setattr(linking_services, "DECIDE_SIZE", 3)  # parts of 3, 3 and 1 signals
    monkeypatch.setattr(linking_services, "CHUNK_SIZE", 2)  # each written in chunks of 2 at most

    report = linking.link_signals(signal_ids=[s.pk for s in signals] if by_id else None)

    assert report.signals == 7 and report.chunks == 5
    assert AuditEvent.objects.filter(object_type="signal.link", family_id__isnull=True).count() == 5
    for signal in signals:
        assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}


def test_a_signal_linked_meanwhile_by_another_worker_is_not_linked_again(landlord, monkeypatch):
    family, mother = household()
    first, second = make_signal(landlord), make_signal(landlord)
    decide = linking_services._decide

    def decide_while_another_worker_links_the_first(signals, *, run):
        decisions = decide(signals, run=run)
        Signal.objects.filter(pk=first.pk).update(
            status=SignalStatus.UNLINKED, linked_at=timezone.now()
        )
        return decisions

    monkeypatch.setattr(linking_services, "_decide", decide_while_another_worker_links_the_first)

    report = linking.link_signals()

    assert report.signals == 1
    assert links(first) == set() and status(first) == SignalStatus.UNLINKED
    assert links(second) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}


def test_a_link_that_is_already_there_is_left_as_it_is(landlord):
    family, _mother = household()
    signal = make_signal(landlord)
    SignalLink.objects.create(signal=signal, family=family, method=LinkMethod.HOUSEHOLD)

    linking.link_signals()

    assert links(signal) == {(family.pk, None, LinkMethod.HOUSEHOLD)}
    assert status(signal) == SignalStatus.LINKED


def test_the_writers_fill_every_column_of_links_reviews_and_events():
    # Links, reviews and timeline events are written without the models' save() (see
    # store._store_postgresql): a new column needs a place there.
    def columns(model):
        return {f.column for f in model._meta.concrete_fields}

    assert columns(SignalLink) == {"id", "created_at", *store.LINK_COLUMNS}
    assert columns(LinkReview) == {
        "id",
        "status",
        "created_at",
        "decided_by_id",
        "decided_at",
        "effects",  # NULL until decided
        "history",  # written as [] by the PostgreSQL writer
        *store.REVIEW_COLUMNS,
    }


def test_the_snapshot_serves_the_next_runs_until_the_population_changes(landlord, monkeypatch):
    monkeypatch.setattr(linking_services, "SNAPSHOT_FROM", 1)
    loads = []
    load = matcher.Matcher.load_population

    def counted(self, *args, **kwargs):
        loads.append(1)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(matcher.Matcher, "load_population", counted)
    family, mother = household()

    def link_one(**fields) -> Signal:
        signal = make_signal(landlord, **fields)
        linking.link_signals(signal_ids=[signal.pk])
        return signal

    link_one()
    second = link_one()
    assert len(loads) == 1
    assert links(second) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}

    # Changed in this process: a new person.
    _other, piet = household(surname="Smit", given="Piet", postcode="1011AA", number=5)
    third = link_one(surname="Smit", given_names="Piet", postcode="1011AA", house_number=5)
    assert len(loads) == 2
    assert {link[1] for link in links(third)} == {piet.pk}

    # Changed by another process (no signal here): a membership more.
    Membership.objects.bulk_create(
        [Membership(family=family, person=factories.PersonFactory(), role="child")]
    )
    matcher.population_changed()  # (the factory's person was saved in this process)
    link_one()
    assert len(loads) == 3

    monkeypatch.setattr(matcher, "SNAPSHOT_MAX_AGE", 0)
    link_one()
    assert len(loads) == 4


# --- the model, exactly ---------------------------------------------------------------------


def record(
    *,
    unique_id: int,
    surname: str,
    prefix: str,
    given_names: str,
    birth_date: datetime.date | None,
    postcode: str,
    house_number: int | None,
    house_number_suffix: str,
) -> dict:
    """One row as the linkage model compares it (both signals and persons), one value at
    a time through linking's normalising functions: the reference for what
    ``normalise.load_rows`` computes for whole tables."""
    values = (
        unique_id,
        *normalise._name_values(surname, prefix),
        *normalise._given_values(given_names),
        *normalise._date_values(birth_date),
        *normalise._address_values(postcode, house_number, house_number_suffix),
    )
    return dict(zip(normalise.COLUMNS, values, strict=True))


def test_members_are_compared_as_record_normalises_them():
    import duckdb

    rows = [
        (1, "Çelik-Öztürk", "", "Ayşe  Nur", datetime.date(1990, 1, 2), "3511 ab", 12, "-b"),
        (2, "de Vries", "", "J.", None, "", None, ""),
        (3, "Vries", "De", "", datetime.date(2001, 12, 31), "3511AB", 0, "bis"),
        (4, "van der Berg", "", "Anna Maria", datetime.date(1955, 7, 4), "9711AA", 3, ""),
        (5, "d'Ancona", "", "Émile", datetime.date(1984, 2, 29), "1011aa", 250, "2 hoog"),
    ]
    con = duckdb.connect()

    normalise.load_rows(con, "members", rows)

    expected = [
        tuple(
            record(
                unique_id=pk,
                surname=surname,
                prefix=prefix,
                given_names=given,
                birth_date=born,
                postcode=postcode,
                house_number=number,
                house_number_suffix=suffix,
            ).values()
        )
        for pk, surname, prefix, given, born, postcode, number, suffix in rows
    ]
    assert con.execute("SELECT * FROM members ORDER BY unique_id").fetchall() == expected


def test_a_large_run_in_a_region_without_families_links_nothing(landlord, monkeypatch):
    monkeypatch.setattr(linking_services, "SNAPSHOT_FROM", 1)
    signal = make_signal(landlord)

    report = linking.link_signals()

    assert report.unlinked == 1
    assert status(signal) == SignalStatus.UNLINKED


def test_the_population_read_in_bulk_is_the_population_read_row_by_row(landlord):
    from django.db import connection

    household(surname="Vries", prefix="de", given="Anna Maria", suffix="b")
    household(surname="Çelik-Öztürk", given="Ayşe", postcode="1011AA", number=5, children=2)
    household(surname="Smit", given="", born=None, postcode="", number=None, children=0)

    table = population.population_table()

    if connection.vendor != "postgresql":
        assert table is None  # read row by row elsewhere
        return
    bulk, by_row = matcher.Matcher(), matcher.Matcher()
    bulk.load_population(table)
    by_row.load_population(population.population_rows())
    query = "SELECT * FROM {} ORDER BY unique_id"
    rows = bulk.con.execute(query.format(bulk.population)).fetchall()
    assert len(rows) == 6
    assert rows == by_row.con.execute(query.format(by_row.population)).fetchall()


def _one_edit_apart(word: str, letters: str = "abz") -> set[str]:
    edits = {word[:i] + word[i + 1 :] for i in range(len(word))}
    edits |= {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    edits |= {word[:i] + c + word[i + 1 :] for i in range(len(word)) for c in letters}
    edits |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    return edits


def test_the_quick_tests_in_the_model_change_no_comparison():
    # Costly functions (damerau_levenshtein, str_split) are asked only after cheaper tests
    # that hold whenever they do (see bench/train_linkage_model.py): each level must hold
    # for exactly the pairs its plain form holds for.
    import duckdb
    import pyarrow

    levels = {
        (c["output_column_name"], lvl["label_for_charts"]): lvl["sql_condition"]
        for c in model.linkage_model()["comparisons"]
        for lvl in c["comparison_levels"]
    }
    plain = {
        ("surname", "close: one typo"): "damerau_levenshtein(surname_l, surname_r) <= 1",
        ("surname", "close: one is part of the other"): (
            "(length(surname_l) >= 3 and length(surname_r) >= 3) and "
            "(list_contains(str_split(surname_l, ' '), surname_r) "
            "or list_contains(str_split(surname_r, ' '), surname_l))"
        ),
        ("given_names", "close: one of the names"): (
            "list_contains(str_split(given_l, ' '), given_first_r) "
            "or list_contains(str_split(given_r, ' '), given_first_l)"
        ),
        ("given_names", "close: a call name of the same name"): (
            "given_canon_l = given_canon_r "
            "or list_contains(str_split(given_canon_all_l, ' '), given_canon_r) "
            "or list_contains(str_split(given_canon_all_r, ' '), given_canon_l)"
        ),
        ("birth_date", "close: one typo, or day and month swapped"): (
            "damerau_levenshtein(birth_date_l, birth_date_r) <= 1 OR "
            "(substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) "
            "and substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
            "and substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2))"
        ),
    }
    rng = random.Random(4)
    words = ["a", "ab", "abc", "jansen", "vries", "de jong", "jansen de vries", "anna maria"]
    words += ["".join(rng.choice("abcdez ") for _ in range(rng.randint(1, 9))) for _ in range(40)]
    words = [" ".join(w.split()) for w in words if w.strip()]
    names = [(w, e) for w in words for e in _one_edit_apart(w) if e.strip()]
    names += [(a, b) for a in words for b in words]
    names += [(w, part) for w in words for part in w.split()]
    days = [
        datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(30000)) for _ in range(60)
    ]
    dates = [
        (d.isoformat(), e)
        for d in days
        for e in _one_edit_apart(d.isoformat(), "0123456789")
        if len(e) == 10 and _is_date(e)
    ] + [(a.isoformat(), b.isoformat()) for a in days for b in days[:10]]
    name_pairs = names + [(b, a) for a, b in names]
    date_pairs = dates + [(b, a) for a, b in dates]
    nothing = [None] * len(date_pairs)
    columns = {
        "surname_l": [a for a, _b in name_pairs] + nothing,
        "surname_r": [b for _a, b in name_pairs] + nothing,
        "given_l": [a for a, _b in name_pairs] + nothing,
        "given_r": [b for _a, b in name_pairs] + nothing,
        "given_first_l": [a.split()[0] for a, _b in name_pairs] + nothing,
        "given_first_r": [b.split()[0] for _a, b in name_pairs] + nothing,
        # Words as their own formal names: which names share one does not matter here.
        "given_canon_l": [a.split()[0] for a, _b in name_pairs] + nothing,
        "given_canon_r": [b.split()[0] for _a, b in name_pairs] + nothing,
        "given_canon_all_l": [" ".join(sorted(a.split())) for a, _b in name_pairs] + nothing,
        "given_canon_all_r": [" ".join(sorted(b.split())) for _a, b in name_pairs] + nothing,
        "birth_date_l": [None] * len(name_pairs) + [a for a, _b in date_pairs],
        "birth_date_r": [None] * len(name_pairs) + [b for _a, b in date_pairs],
    }
    con = duckdb.connect()
    con.register(
        "pairs", pyarrow.table({k: pyarrow.array(v, pyarrow.string()) for k, v in columns.items()})
    )
    con.execute("CREATE TABLE t AS SELECT * FROM pairs")
    for key, condition in plain.items():
        holds = con.execute(f"SELECT count(*) FROM t WHERE {condition}").fetchone()[0]
        differ = con.execute(
            f"SELECT * FROM t WHERE coalesce({levels[key]}, false) <> coalesce({condition}, false)"
        ).fetchall()
        assert differ == [], key
        assert holds > 100, key


def _is_date(text: str) -> bool:
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


@pytest.mark.parametrize("raw", ["ten", "-1", "61"])
def test_a_margin_that_is_no_number_of_bits_is_refused_with_its_name(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from rits.conf import settings as conf

    monkeypatch.setenv("RITS_LINK_MARGIN", raw)
    with pytest.raises(ImproperlyConfigured, match="RITS_LINK_MARGIN"):
        conf._margin("RITS_LINK_MARGIN", "0")
