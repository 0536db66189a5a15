"""A rejected row is reported with its reference and field whenever both can be read, and
a reference is never a BSN: refused as one, and never repeated."""

import json

import pytest

from rits.core import bsn
from rits.families import selectors
from rits.signals.intake import parsing
from rits.signals.models import Signal, SignalBatchProblem

from .helpers import VALID_BSN, csv_text, deliver, rows, signal_row

pytestmark = pytest.mark.django_db

ARABIC_INDIC = VALID_BSN.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize(
    "reference",
    [
        VALID_BSN,
        "1234.56.782",
        "123 456 782",
        "123-456-782",
        ARABIC_INDIC,
        "12345672",  # a leading zero lost in a spreadsheet: 012345672
    ],
)
def test_a_reference_that_is_a_bsn_is_refused_and_never_repeated(landlord, reference):
    data = [signal_row(reference=reference), signal_row(reference="REF-2")]
    batch = deliver(landlord, json.dumps(data).encode())

    assert (batch.accepted, batch.rejected) == (1, 1)
    [problem] = SignalBatchProblem.objects.filter(batch=batch)
    assert (problem.line, problem.field, problem.reference) == (1, "reference", "")
    assert "may not be a BSN" in problem.reason
    assert reference not in problem.reason
    assert list(Signal.objects.values_list("reference", flat=True)) == ["REF-2"]


def test_a_reference_with_letters_or_failing_the_eleven_proof_is_kept(landlord):
    data = [signal_row(reference=r) for r in ("HUUR-123456782", "123456789", "2026-0001")]
    batch = deliver(landlord, json.dumps(data).encode())
    assert batch.accepted == 3


def test_one_bsn_detection_for_search_and_signals():
    assert selectors.looks_like_bsn is bsn.looks_like_bsn
    assert parsing.looks_like_bsn is bsn.looks_like_bsn
    # The two copies there were each missed one of these.
    assert bsn.looks_like_bsn("1234.56.782") and bsn.looks_like_bsn(ARABIC_INDIC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID_BSN, True),
        ("1234.56.782", True),
        (" 123 456 782 ", True),
        (ARABIC_INDIC, True),
        ("１２３４５６７８２", True),  # fullwidth digits
        ("12345672", True),
        ("123456789", False),  # fails the 11-proef
        ("12345678\u00b2", False),
        ("12345678a", False),
        ("HUUR-123456782", False),
        ("", False),
        ("1" * 100, False),
    ],
)
def test_looks_like_bsn(text, expected):
    assert bsn.looks_like_bsn(text) is expected


# --- every problem with its reference and field ------------------------------------------------


def test_a_control_character_is_reported_for_its_cell_with_the_reference(landlord):
    text = csv_text(rows(2)).replace("REF-2,rent_arrears", "REF-2,rent\x00arrears")
    batch = deliver(landlord, text.encode())
    assert (batch.accepted, batch.rejected) == (1, 1)
    problem = SignalBatchProblem.objects.get(batch=batch)
    assert (problem.line, problem.reference, problem.field) == (3, "REF-2", "signal_type")


def test_lines_that_cannot_be_split_keep_their_reference(landlord):
    good = csv_text(rows(1)).splitlines()
    text = "\n".join(
        [
            good[0],
            'REF-2,rent_arrears,"2026-01-01,,,,,,Haile,,,,,,,,,',  # unclosed quote
            "REF-3,rent_arrears",  # two cells
            "REF-4," + "x" * 20_000,  # too long
            '"REF-5,rent_arrears,2026-01-01',  # the reference's own quote is open
            f"{VALID_BSN},rent_arrears",  # a BSN where the reference goes
        ]
    )
    batch = deliver(landlord, text.encode())
    problems = list(
        SignalBatchProblem.objects.filter(batch=batch).values_list("line", "reference", "field")
    )
    assert problems == [
        (2, "REF-2", ""),
        (3, "REF-3", ""),
        (4, "REF-4", ""),
        (5, "", ""),
        (6, "", ""),
    ]


def test_a_row_problem_names_the_reference_after_the_reference_column(landlord):
    # The reference need not be the first column.
    columns = ("signal_type", "signal_date", "reference", "surname", "birth_date")
    text = csv_text(rows(1), columns=columns) + "rent_arrears,2026-01-01\n"
    text += "rent_arrears,2026-01-01,REF-9,Haile\n"
    deliver(landlord, text.encode())
    problems = list(SignalBatchProblem.objects.values_list("line", "reference"))
    assert problems == [(3, ""), (4, "REF-9")]
