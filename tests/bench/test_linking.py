"""The FEBRL recast and the figures of ``bench/linking.py`` (no FEBRL, no database: the
benchmark itself runs the real pipeline)."""

import csv
import io
from datetime import date

from bench.linking import (
    SIGNAL_DATE,
    Outcome,
    caseload_csv,
    cut,
    figures,
    held_out,
    miss_bucket,
    original_of,
    peer_figures,
    recast,
    recast_date,
    recast_house_number,
    recast_postcode,
    role_on,
    signals_csv,
    threshold_at_precision,
)


def test_postcode_gets_two_letters_and_stays_empty_where_it_cannot_be_dutch():
    assert recast_postcode("4011") == "4011AA"
    assert recast_postcode(" 2776 ") == "2776AA"
    assert recast_postcode("0800") == ""  # no Dutch postcode starts with 0
    assert recast_postcode("401") == ""
    assert recast_postcode(float("nan")) == ""  # pandas' empty cell


def test_house_number_is_a_number_from_1_or_empty():
    assert recast_house_number("69") == "69"
    assert recast_house_number("007") == "7"
    assert recast_house_number("0") == ""
    assert recast_house_number("12a") == ""
    assert recast_house_number(float("nan")) == ""


def test_date_of_birth_becomes_iso_or_empty():
    assert recast_date("19081209") == "1908-12-09"
    assert recast_date("19991302") == ""  # month 13
    assert recast_date("19990230") == ""  # 30 February
    assert recast_date("1999021") == ""
    assert recast_date(float("nan")) == ""


def test_role_is_child_under_18_on_the_signal_date():
    on = date(2026, 1, 15)
    assert role_on("2008-01-15", on) == "parent"  # 18 that day
    assert role_on("2008-01-16", on) == "child"
    assert role_on("", on) == "parent"


def test_hold_out_is_every_tenth_original_and_its_duplicates_point_back():
    assert held_out("rec-10-org") and held_out("rec-0-org")
    assert not held_out("rec-11-org")
    assert original_of("rec-120-dup-3") == "rec-120-org"


def test_caseload_leaves_the_held_out_originals_out_and_signals_have_no_bsn():
    row = {
        "given_name": "lachlan",
        "surname": "berry",
        "street_number": "69",
        "postcode": "4814",
        "date_of_birth": "19990219",
        "soc_sec_id": "7364009",
    }
    kept, dropped = recast("rec-122-org", row), recast("rec-120-org", row)
    assert kept.given_name == "Lachlan" and kept.surname == "Berry"
    persons = list(csv.DictReader(io.StringIO(caseload_csv([kept, dropped]).decode())))
    assert [p["person_ref"] for p in persons] == ["rec-122-org"]
    assert persons[0]["postcode"] == "4814AA" and persons[0]["house_number"] == "69"
    assert persons[0]["role"] == "parent"
    signals = list(
        csv.DictReader(io.StringIO(signals_csv([recast("rec-122-dup-0", row)]).decode()))
    )
    assert "bsn" not in signals[0] and "7364009" not in signals_csv([kept]).decode()
    assert signals[0]["signal_date"] == SIGNAL_DATE.isoformat()
    assert signals[0]["birth_date"] == "1999-02-19"


def _outcomes():
    return [
        # right, and reaching only the person's family
        Outcome("rec-1-dup-0", "rec-1-org", status="linked", persons={"rec-1-org"},
                families={"F-rec-1-org"}, compared=True),
        # linked to someone else, plus a household link to a third family
        Outcome("rec-2-dup-0", "rec-2-org", status="linked", persons={"rec-3-org"},
                families={"F-rec-3-org", "F-rec-4-org"}, compared=True),
        # in review with the true person on top
        Outcome("rec-5-dup-0", "rec-5-org", status="review", reviews=["rec-5-org", "rec-6-org"],
                compared=True),
        Outcome("rec-7-dup-0", "rec-7-org", status="unlinked", compared=False),
        Outcome("rec-8-dup-0", "rec-8-org", status="unlinked", compared=True),
        Outcome("rec-9-dup-0", "rec-9-org", stored=False),
        # about someone Rits does not know, linked anyway
        Outcome("rec-10-dup-0", None, status="linked", persons={"rec-11-org"},
                families={"F-rec-11-org"}),
    ]  # fmt: skip


def test_precision_recall_and_the_family_figures():
    f = figures(_outcomes())
    assert f["signals"] == 7 and f["refused at intake"] == 1
    assert f["about a known person"] == 6
    assert f["linked"] == 3 and f["person links"] == 3 and f["correct person links"] == 1
    assert f["precision"] == 1 / 3
    assert f["recall"] == 1 / 6
    assert f["unknown linked to a person"] == 1
    assert f["in review"] == 1 and f["review share"] == 1 / 6
    assert f["review, true person on top"] == 1
    assert f["blocking recall"] == 4 / 5  # the refused signal was never asked
    assert f["family links"] == 4 and f["families reached"] == 4
    assert f["precision per family"] == 1 / 4


def test_every_miss_falls_in_one_bucket():
    buckets = [miss_bucket(o) for o in _outcomes()]
    assert buckets == [
        None,
        "linked to another person",
        "in review",
        "never compared",
        "scored low",
        "refused at intake",
        None,
    ]
    assert figures(_outcomes())["misses"] == {
        "linked to another person": 1,
        "in review": 1,
        "never compared": 1,
        "scored low": 1,
        "refused at intake": 1,
    }


def test_peer_is_cut_at_a_threshold_and_at_a_given_precision():
    truth = {"s1": "p1", "s2": "p2", "s3": "p3", "s4": None}
    best = {"s1": ("p1", 0.99), "s2": ("p9", 0.95), "s3": ("p3", 0.6), "s4": ("p4", 0.5)}
    at = peer_figures(cut(best, 0.9), truth)
    assert at == {
        "linked": 2,
        "correct person links": 1,
        "precision": 0.5,
        "recall": 1 / 3,
        "unknown linked to a person": 0,
    }
    # Precision 1 only above the wrong pair; 2/3 reaches down to s3.
    assert threshold_at_precision(best, truth, 1.0) == 0.99
    assert threshold_at_precision(best, truth, 2 / 3) == 0.6
    assert threshold_at_precision({"s2": ("p9", 0.95)}, truth, 1.0) is None
