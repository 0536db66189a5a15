"""The intake toolkit: the family import and the signal intake read a file and its cells
the same way, because they share one implementation."""

import datetime

import pytest
from django.utils import translation

from rits.core.intake import cells, reading
from rits.families import importing
from rits.families.importing import ImportSource
from rits.signals.intake import parsing


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


YES = ["ja", "JA", "j", "yes", "y", "Y", "true", "1"]
NO = ["nee", "n", "no", "N", "false", "0", ""]


@pytest.mark.parametrize("module", [importing, parsing], ids=["family import", "signal intake"])
def test_both_formats_read_yes_no_and_dates_alike(module):
    assert [module.parse_bool(v) for v in YES] == [True] * len(YES)
    assert [module.parse_bool(v) for v in NO] == [False] * len(NO)
    with pytest.raises(cells.Invalid, match="ja/nee, j/n"):
        module.parse_bool("misschien")
    assert module.parse_date("15-02-2016") == module.parse_date("2016-02-15")
    for bad, reason in [("1899-12-31", "before 1900"), ("2016-02-30", "does not exist")]:
        with pytest.raises(cells.Invalid, match=reason):
            module.parse_date(bad)
    assert module.parse_postcode("3511 ab") == "3511AB"
    assert module.parse_house_number("12") == 12


def test_the_family_import_and_the_signal_intake_share_the_report_and_the_parsers():
    # One Problem, one FileUnreadable, one parser of each kind: no private copies.
    for name in ("Problem", "FileUnreadable"):
        assert getattr(importing, name) is getattr(parsing, name) is getattr(reading, name)
    for name in ("parse_bool", "parse_date", "parse_postcode", "parse_house_number"):
        assert getattr(importing, name) is getattr(parsing, name) is getattr(cells, name)


def test_a_problem_names_its_file_line_and_field():
    problem = reading.Problem(3, "bsn", "This is not a valid BSN.", file="persons.csv")
    assert str(problem) == "persons.csv line 3, field bsn: This is not a valid BSN."
    assert problem.as_dict() == {
        "line": 3,
        "reference": "",
        "field": "bsn",
        "reason": "This is not a valid BSN.",
    }


def test_a_windows_1252_file_is_refused_by_both_naming_the_line():
    content = "reference,surname\nA,Jansen\nB,Hailé\n".encode("cp1252")
    with pytest.raises(reading.FileUnreadable, match="line 3") as caught:
        "".join(reading.decode([content[:20], content[20:]]))
    assert caught.value.line == 3
    with pytest.raises(reading.FileUnreadable, match="line 3"):
        importing.read_csv(ImportSource("persons.csv", content), columns=["reference"])
    shape = parsing.FileShape(format="csv", header_line=1, header=["reference", "surname"])
    with pytest.raises(reading.FileUnreadable, match="line 3"):
        list(parsing.read_rows([content], shape))


def test_lone_surrogates_refuse_a_family_file_but_reach_the_signal_field():
    content = b"a,b\n1,\xed\xa0\x80\n"
    with pytest.raises(reading.FileUnreadable, match="line 2"):
        "".join(reading.decode([content]))
    assert "\ud800" in "".join(reading.decode([content], lone_surrogates=True))


def test_lines_split_on_line_ends_only_and_cut_what_cannot_be_a_line():
    assert list(reading.lines(["a\r\nb", "\u2028c\r\n"])) == ["a", "b\u2028c"]
    assert list(reading.lines(["a\rb\r"])) == ["a", "b"]
    assert [len(x) for x in reading.lines(["x" * 50, "x" * 50, "\ny"], max_chars=10)] == [11, 1]
    assert [len(x) for x in reading.lines(["x" * 50, "\n"])] == [50]


def test_a_streamed_json_array_is_read_item_by_item():
    items = reading.JsonArray(iter(['[{"a": 1', '}, {"b": [2, 3]}', "]"]))
    assert list(items) == [{"a": 1}, {"b": [2, 3]}]
    with pytest.raises(reading.FileUnreadable, match="not valid JSON"):
        list(reading.JsonArray(iter(['[{"a": 1}, {"b"', "}]"])))


def test_dates_amounts_and_the_earliest_date():
    assert cells.parse_date("") is None
    assert cells.parse_date("1900-01-01") == cells.EARLIEST_DATE == datetime.date(1900, 1, 1)
    assert str(cells.parse_amount("1.234,56")) == "1234.56"
    assert str(cells.parse_amount("1,234.56")) == "1234.56"
