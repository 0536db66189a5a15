"""Linking signals to the right person and the right household (``link_signals``)."""

import datetime

import pytest

from rits.audit.models import AuditEvent
from rits.families.bsn import encrypt_bsn, pseudonymise_bsn
from rits.families.models import FamilyEvent
from rits.signals import linking
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
        values["bsn_encrypted"] = encrypt_bsn(bsn)
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
    assert event.description == "Signal received: rent arrears (Woonstichting Test)"
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

    # Not linked to the father: at most a review, and the son is an adult at the address
    # of a family with children, so the household is told.
    assert (family.pk, father.pk, LinkMethod.PROBABILISTIC) not in links(signal)
    assert links(signal) == {(family.pk, None, LinkMethod.HOUSEHOLD)}


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


# --- the household ------------------------------------------------------------------------


def test_an_adults_rent_arrears_at_the_familys_address_reach_the_family(landlord):
    family, _mother = household(postcode="3511AB", number=12, suffix="b")
    # A partner who is not (yet) a member of the family, at the same address.
    signal = make_signal(
        landlord,
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        house_number_suffix="B",
    )

    linking.link_signals()

    assert links(signal) == {(family.pk, None, LinkMethod.HOUSEHOLD)}
    assert status(signal) == SignalStatus.LINKED
    assert FamilyEvent.objects.filter(family=family, kind="signal").count() == 1


def test_a_linked_adult_also_reaches_a_family_with_children_at_the_same_address(landlord):
    # Grandmother's own (childless) family record, and her daughter's family with
    # children at the same address.
    bsn = factories.valid_bsn(6)
    own, grandmother = household(
        surname="Bakker", given="Truus", born=datetime.date(1955, 1, 1), bsn=bsn, children=0
    )
    daughters, _daughter = household(surname="Visser", given="Anne", children=2)
    signal = make_signal(landlord, bsn=bsn, postcode="", house_number=None)

    linking.link_signals()

    assert links(signal) == {
        (own.pk, grandmother.pk, LinkMethod.BSN),
        (daughters.pk, None, LinkMethod.HOUSEHOLD),
    }


def test_nothing_links_by_address_alone_for_a_child_or_without_children(landlord):
    family, _mother = household()
    childless, _other = household(surname="Smit", given="Piet", number=14, children=0)
    child = make_signal(
        landlord,
        signal_type="school_absence",
        surname="Jansen",
        given_names="Tim",
        birth_date=datetime.date(2014, 3, 3),
    )
    adult_without_children = make_signal(
        landlord,
        surname="Jansen",
        given_names="Mark",
        birth_date=datetime.date(1985, 6, 1),
        house_number=14,
    )
    unknown_age = make_signal(landlord, surname="Jansen", given_names="Mark", birth_date=None)

    linking.link_signals()

    assert links(child) == set()
    assert links(adult_without_children) == set()
    assert links(unknown_age) == set()
    assert FamilyEvent.objects.filter(family__in=[family, childless]).count() == 0


# --- idempotent and restartable -----------------------------------------------------------


def _counts():
    return (
        SignalLink.objects.count(),
        LinkReview.objects.count(),
        FamilyEvent.objects.count(),
        AuditEvent.objects.filter(object_type="signal_link").count(),
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
    monkeypatch.setattr(linking, "CHUNK_SIZE", 2)
    real_write = linking._write
    calls = []

    def crash_on_second_chunk(decisions, report):
        calls.append(len(decisions))
        real_write(decisions, report)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(linking, "_write", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        linking.link_signals()
    # The first chunk stands; the second was rolled back whole; the third never ran.
    assert SignalLink.objects.count() == 2
    assert Signal.objects.filter(linked_at__isnull=True).count() == 3

    monkeypatch.setattr(linking, "_write", real_write)
    report = linking.link_signals()

    assert report.signals == 3
    for signal in signals:
        assert links(signal) == {(family.pk, mother.pk, LinkMethod.PROBABILISTIC)}
        assert status(signal) == SignalStatus.LINKED
    assert FamilyEvent.objects.filter(family=family, kind="signal").count() == 5


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
    monkeypatch.setattr(linking, "SNAPSHOT_FROM", 1)
    from_snapshot = [make_signal(landlord, **v) for v in variants]
    linking.link_signals(signal_ids=[s.pk for s in from_snapshot])

    expected = [outcome(s) for s in by_candidates]
    assert [outcome(s) for s in from_snapshot] == expected
    assert [e[0] for e in expected] == ["linked", "linked", "linked", "review", "unlinked"]


def test_each_chunk_is_audited_with_ids_only(landlord):
    family, mother = household()
    signal = make_signal(landlord, note="not for the log")

    linking.link_signals()

    event = AuditEvent.objects.get(object_type="signal_link")
    assert event.user_display == "linking" and event.role == "system"
    assert event.detail["signal_ids"] == [signal.pk]
    assert event.detail["family_ids"] == [family.pk]
    assert event.person_ids == [mother.pk]
    text = str(event.detail)
    assert "Haile" not in text and "Selam" not in text and "1990" not in text


def test_linking_one_signal_takes_a_bounded_number_of_queries(
    landlord, django_assert_max_num_queries
):
    for n in range(5):
        household(surname=f"Bakker{n}", given="Jan", postcode="1011AA", number=n + 1)
    household()
    make_signal(landlord)
    linking.agreement_labels()  # the model file is read once per process

    # The same for any size of region: no query per candidate, family or link.
    with django_assert_max_num_queries(25):
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

    precision, recall = linking.evaluate_links(
        {right.pk: mother.pk, missed.pk: mother.pk, nobody.pk: None}
    )

    assert precision == 1.0
    assert recall == 0.5


def test_names_are_compared_without_accents_case_or_loose_prefixes():
    assert linking.normalise_text("Çelik-Öztürk") == "celik ozturk"
    assert linking.split_surname("de Vries", "") == ("de", "vries")
    assert linking.split_surname("Van der Berg", "") == ("van der", "berg")
    assert linking.split_surname("Vries", "De") == ("de", "vries")
    assert linking.split_surname("Van", "") == ("", "van")
    assert linking.address_key("3511 ab", 12, "-b") == "3511AB-12-B"
    assert linking.address_key("", 12, "") is None


def test_every_kind_of_signal_has_a_life_domain():
    from rits.signals.models import SignalType

    assert set(linking.SIGNAL_DOMAINS) == set(SignalType.values)
