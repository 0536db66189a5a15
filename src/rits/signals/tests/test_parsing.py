"""The file format, piece by piece: values, decoding and streaming. No database needed."""

import csv
import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from rits.core.intake import reading
from rits.signals.intake import parsing
from rits.signals.intake.parsing import FileUnreadable, RawRow

from .helpers import TODAY, csv_bytes, rows, signal_row


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def pieces(content: bytes, size: int) -> list[bytes]:
    return [content[i : i + size] for i in range(0, len(content), size)]


def read_all(content: bytes, *, size: int | None = None, fmt: str | None = None) -> list:
    fmt = fmt or reading.sniff_format(content[:1024])
    chunks = (lambda: pieces(content, size)) if size else (lambda: [content])
    shape = parsing.check_file(chunks(), fmt)
    return list(parsing.read_rows(chunks(), shape))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567,8", "1234567.80"),
        ("€ 1.234", "1234.00"),  # a separator before three digits groups thousands
        ("1,234", "1234.00"),
        ("0", "0.00"),
        ("12,5", "12.50"),
        ("", None),
        (1234.5, "1234.50"),
        (17, "17.00"),
    ],
)
def test_amounts_in_dutch_and_english_notation(raw, expected):
    value = parsing.parse_amount(raw)
    assert value == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-12,50", "negative"),
        ("12,50-", "negative"),
        ("−3", "negative"),  # a typographic minus
        (-1, "negative"),
        ("twaalf", "Write an amount"),
        ("12.3456", "Write an amount"),
        ("1.2.3", "Write an amount"),
        (1.234, "two decimals"),  # a JSON number is never read as thousands
        ("12e3", "Write an amount"),
        (True, "Write an amount"),
        ("99999999999", "too large"),
    ],
)
def test_bad_amounts_are_refused(raw, reason):
    with pytest.raises(parsing.Invalid, match=reason):
        parsing.parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ja", True),
        ("JA", True),
        ("true", True),
        ("1", True),
        (True, True),
        ("nee", False),
        ("false", False),
        ("0", False),
        ("", False),
        (False, False),
    ],
)
def test_crisis_takes_yes_and_no_in_several_forms(raw, expected):
    assert parsing.parse_bool(raw) is expected


def test_crisis_refuses_anything_else():
    with pytest.raises(parsing.Invalid):
        parsing.parse_bool("misschien")


def test_dates_in_two_notations_and_impossible_dates():
    assert parsing.parse_date("2026-03-02") == parsing.parse_date("02-03-2026")
    for raw, reason in (
        ("2026-02-30", "does not exist"),
        ("1899-12-31", "before 1900"),
        ("03/02/2026", "Write a date"),
        ("0000-01-01", "does not exist"),
    ):
        with pytest.raises(parsing.Invalid, match=reason):
            parsing.parse_date(raw)


def test_utf8_is_decoded_across_chunk_boundaries_and_the_bom_dropped():
    text = "reference,surname\nR1,Çelik 😀\nR2,ʿAbd al-Lāh\n"
    content = b"\xef\xbb\xbf" + text.encode()
    for size in (1, 2, 3, 5, len(content)):
        assert "".join(reading.decode(pieces(content, size))) == text


def test_a_file_in_latin1_is_refused_naming_the_first_bad_line():
    content = "reference,surname\nR1,Jansen\nR2,Çelik\n".encode("latin-1")
    for size in (1, 4, len(content)):
        with pytest.raises(FileUnreadable) as exc:
            list(reading.decode(pieces(content, size)))
        assert exc.value.line == 3
        assert "line 3" in exc.value.reason and "UTF-8" in exc.value.reason


def test_a_file_in_utf16_is_refused():
    with pytest.raises(FileUnreadable, match="UTF-16"):
        list(reading.decode(["reference\n".encode("utf-16")]))


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_lines_end_in_any_convention_and_survive_any_chunking(ending):
    text = ending.join(["a,b", "c,d", "e\u2028f,g"]) + ending
    for size in (1, 2, 3, len(text)):
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        assert list(reading.lines(parts)) == ["a,b", "c,d", "e\u2028f,g"]


def test_csv_and_json_read_the_same_rows_whatever_the_chunk_size():
    data = rows(5) + [signal_row(reference="NOTE", note='Zegt: "ik kan, niet; betalen"')]
    as_csv = csv_bytes(data)
    as_json = json.dumps(data, ensure_ascii=False, indent=1).encode()
    whole_csv = read_all(as_csv)
    whole_json = read_all(as_json)
    assert [r.cells["reference"] for r in whole_csv] == [d["reference"] for d in data]
    assert [r.cells for r in whole_json] == data
    for size in (1, 7, 64):
        assert read_all(as_csv, size=size) == whole_csv
        assert read_all(as_json, size=size) == whole_json
    assert whole_csv[-1].cells["note"] == 'Zegt: "ik kan, niet; betalen"'


def test_json_numbers_split_over_chunks_are_read_whole():
    content = b'[{"reference": "R1", "house_number": 123456789}, 12345]'
    for size in (1, 2, 3):
        result = read_all(content, size=size, fmt="json")
        assert result[0].cells["house_number"] == 123456789
        assert isinstance(result[1], reading.Problem) and result[1].line == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"reference": "R1"}', "array"),
        (b"[]", "empty"),
        (b'[{"reference": "R1"},\n {"reference": "R2"', "not valid JSON"),
        (b'[{"reference": "R1"} {"reference": "R2"}]', "not valid JSON"),
        (b'[{"reference": "R1"}] trailing', "not valid JSON"),
        (b'[{"reference": "R1",}]', "not valid JSON"),
    ],
)
def test_unreadable_json_is_refused_as_a_whole(content, reason):
    with pytest.raises(FileUnreadable, match=reason):
        list(parsing.check_file([content], "json"))


def test_broken_json_names_its_line():
    content = b'[\n{"reference": "R1"},\n{"reference": "R2"\n'
    with pytest.raises(FileUnreadable) as exc:
        parsing.check_file(pieces(content, 3), "json")
    assert "line 4" in exc.value.reason or "line 3" in exc.value.reason


def test_a_line_without_end_is_cut_short_and_refused():
    header = ",".join(parsing.COLUMNS) + "\n"
    content = (header + "x" * 200_000 + "\n").encode() + csv_bytes([signal_row()]).split(b"\n", 1)[
        1
    ]
    result = read_all(content, size=4096)
    assert isinstance(result[0], reading.Problem) and "longer than" in result[0].reason
    assert result[1].cells["reference"] == "REF-1"


def test_sniffing_the_format():
    assert reading.sniff_format(b"\xef\xbb\xbf  [{") == "json"
    assert reading.sniff_format(b"reference;signal_type") == "csv"


def test_a_line_without_quotes_is_split_as_the_csv_module_splits_it():
    header = ",".join(parsing.COLUMNS)
    body = [
        "R1,other,2026-01-05,,,,,Jansen,,,,,,,,,",
        "R2, other ,2026-01-05,,,,, Jansen ,,,;,,,,,,",  # spaces and another separator
        "R3,other,2026-01-05,,,,,Jan\u00a0sen\u2028x,,,,,,,,,",  # characters inside a cell
        'R4,other,2026-01-05,,,,,"Jansen, Piet",,,,,,,,,',  # quotes: the csv module
        "R5,other,2026-01-05,,,,,Jan\rsen,,,,,,,,,",  # a lone CR: the csv module refuses it
        " , ,,,,,,,,,,,,,,,",  # only separators and spaces: no row
        "R7,other",  # too few cells
    ]
    result = read_all(("\n".join([header, *body]) + "\n").encode())

    expected = []
    for number, line in enumerate(body, start=2):
        try:
            cells = next(csv.reader([line], strict=True))
        except csv.Error:
            expected.append((number, "quotes"))
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(parsing.COLUMNS):
            expected.append((number, "cells"))
            continue
        expected.append((number, dict(zip(parsing.COLUMNS, cells, strict=True))))
    found = [
        (r.line, "quotes" if "quotes" in r.reason else "cells")
        if isinstance(r, reading.Problem)
        else (r.line, dict(r.cells))
        for r in result
    ]
    assert found == expected
    assert [line for line, _ in found] == [2, 3, 4, 5, 6, 8]


def test_digits_other_than_0_to_9_are_refused_never_a_crash():
    today = TODAY
    for value in ("12345678²", "١٢٣٤٥٦٧٨٢"):  # a superscript two; Arabic-Indic digits
        data, problems = parsing.parse_signal(RawRow(2, signal_row(bsn=value)), today=today)
        assert data is None and [(p.field, p.line) for p in problems] == [("bsn", 2)]
    data, problems = parsing.parse_signal(RawRow(2, signal_row(house_number="1²")), today=today)
    assert data is None and [p.field for p in problems] == ["house_number"]
    # A reference that is a valid BSN in other digits is not repeated in a report either.
    bad = signal_row(reference="١٢٣٤٥٦٧٨٢", signal_type="?")
    assert parsing.parse_signal(RawRow(2, bad), today=today)[1][0].reference == ""
    bad = signal_row(reference="12345678²", signal_type="?")
    assert parsing.parse_signal(RawRow(2, bad), today=today)[1][0].reference == "12345678²"


@pytest.mark.parametrize("raw", ["1" * 30, "1.000.000.000.000.000.000.000.000.000,00", 1e30])
def test_an_amount_with_more_digits_than_a_decimal_holds_is_too_large(raw):
    with pytest.raises(parsing.Invalid, match="too large"):
        parsing.parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-02", "2026-03-02"),
        ("2026-3-2", "2026-03-02"),
        ("02-03-2026", "2026-03-02"),
        ("2-3-2026", "2026-03-02"),
        ("1900-01-01", "1900-01-01"),
    ],
)
def test_dates_in_either_notation_with_or_without_leading_zeros(raw, expected):
    assert parsing.parse_date(raw) == date.fromisoformat(expected)
    for wrong in ("20260302", "2026-03-02T", "2026/03/02", "２026-03-02", "02-03-26"):
        with pytest.raises(parsing.Invalid, match="Write a date"):
            parsing.parse_date(wrong)
