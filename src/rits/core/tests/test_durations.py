import pytest
from django.utils import translation

from rits.core.durations import in_words


@pytest.mark.parametrize(
    ("days", "english"),
    [
        (1, "a day"),
        (3, "3 days"),
        (7, "a week"),
        (14, "2 weeks"),
        (10, "10 days"),
        (30, "a month"),
        (31, "a month"),
        (90, "3 months"),
        (95, "95 days"),
        (180, "6 months"),
        (183, "half a year"),
        (365, "a year"),
        (366, "a year"),
        (730, "2 years"),
        (1825, "5 years"),
        (400, "400 days"),
    ],
)
def test_a_period_is_said_in_words(days, english):
    with translation.override("en"):
        assert in_words(days) == english


def test_in_dutch():
    with translation.override("nl"):
        assert in_words(183) == "een half jaar"
        assert in_words(30) == "een maand"
        assert in_words(730) == "2 jaar"
        assert in_words(10) == "10 dagen"
