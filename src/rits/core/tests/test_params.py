"""The shared parsing of request numbers and text (issue 9 #9): one rule everywhere."""

import pytest
from django import forms
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rits.core.forms import BsnInput, NoBsnEchoTextInput
from rits.core.params import (
    MAX_ID,
    BadParameter,
    RequestIntegerField,
    check_text,
    contains_bsn,
    mask_bsn,
    parse_int,
    validate_text,
    without_bsn_query,
)
from tests import factories


@pytest.mark.parametrize("good", ["1", "42", str(MAX_ID), "007"])
def test_ids_in_ascii_digits_are_read(good):
    assert parse_int(good, name="id") == int(good)


@pytest.mark.parametrize(
    "bad", ["", "0", "-1", "+1", " 1", "1 ", "1_000", "²", "١٢", "1e3", "0x10", str(MAX_ID + 1)]
)
def test_anything_but_ascii_digits_in_range_is_refused_naming_the_parameter(bad):
    with translation.override("en"), pytest.raises(BadParameter) as refused:
        parse_int(bad, name="offset")
    assert refused.value.name == "offset"
    assert "0-9" in str(refused.value)


def test_the_range_is_the_callers():
    assert parse_int("0", name="offset", minimum=0) == 0
    with pytest.raises(BadParameter):
        parse_int("101", name="limit", minimum=1, maximum=100)


@settings(max_examples=300, derandomize=True)
@given(st.text())
@example("9" * 5000)
@example("²")
def test_parse_int_either_returns_a_number_in_range_or_refuses(text):
    try:
        number = parse_int(text, name="n")
    except BadParameter:
        return
    assert 1 <= number <= MAX_ID and text.isascii() and text.isdigit()


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "x\udfff", "\x1b[31m", "\x7f"])
def test_text_with_nul_control_characters_or_lone_surrogates_is_refused(bad):
    with pytest.raises(BadParameter):
        check_text(bad, name="q")
    with pytest.raises(forms.ValidationError):
        validate_text(bad)


@settings(max_examples=300, derandomize=True)
@given(st.text())
def test_text_that_passes_can_be_encoded_and_has_no_nul(text):
    try:
        check_text(text, name="q")
    except BadParameter:
        return
    assert "\x00" not in text
    text.encode("utf-8")


def test_ordinary_text_passes():
    for text in ["Bakker", "Haile-Gebremedhin", "3511 AB", "14-03-2019", "عائلة", "line\nbreak\t"]:
        assert check_text(text, name="q") == text


def test_request_integer_field_takes_ascii_digits_in_range_only():
    field = RequestIntegerField(required=False)
    assert field.clean("12") == 12
    assert field.clean("") is None
    for bad in ["²", "١", "0", str(MAX_ID + 1), "1.5", "9" * 100]:
        with pytest.raises(forms.ValidationError):
            field.clean(bad)


def test_a_bsn_is_found_anywhere_in_a_text():
    bsn = factories.valid_bsn(3)
    assert contains_bsn(bsn)
    assert contains_bsn(f"q=Bakker {bsn[:3]} {bsn[3:6]} {bsn[6:]}")
    assert contains_bsn(f"x{bsn}y")
    assert not contains_bsn("123456789")  # fails the 11-proef
    assert not contains_bsn("q=Bakker&page=2")


def test_next_urls_lose_a_query_string_with_a_bsn():
    bsn = factories.valid_bsn(3)
    assert without_bsn_query(f"/families/?q={bsn}") == "/families/"
    assert without_bsn_query(f"/families/?q=%20{bsn}") == "/families/"
    assert without_bsn_query("/families/?q=%00") == "/families/"
    assert without_bsn_query("/families/?q=Bakker") == "/families/?q=Bakker"
    assert without_bsn_query("/families/12/") == "/families/12/"


def test_bsn_input_never_renders_the_value_and_asks_to_type_it_again():
    html = BsnInput().render("bsn", factories.valid_bsn(3), attrs={"id": "id_bsn"})
    assert factories.valid_bsn(3) not in html
    assert 'id="id_bsn_retype"' in html
    assert "retype" not in BsnInput().render("bsn", "", attrs={"id": "id_bsn"})


def test_search_box_echoes_text_but_not_a_bsn():
    assert 'value="Bakker"' in NoBsnEchoTextInput().render("q", "Bakker")
    html = NoBsnEchoTextInput().render("q", f"Bakker {factories.valid_bsn(3)}")
    assert factories.valid_bsn(3) not in html


def test_a_bsn_in_a_text_is_masked_and_other_numbers_are_kept():
    bsn = factories.valid_bsn(3)
    assert mask_bsn(f"BSN {bsn[:3]} {bsn[3:6]} {bsn[6:]}, tel. 0612345678.") == (
        "BSN •••••••••, tel. 0612345678."
    )
