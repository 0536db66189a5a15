"""Call names, initials, swapped names, abbreviated prefixes and a year one off: the
name-variant table (``linking.names``), the columns ``normalise`` makes of it, and
signals that link through them."""

import datetime

import duckdb
import pytest

from rits.signals import linking
from rits.signals.linking import matcher, model, names, normalise
from rits.signals.models import LinkMethod, LinkReview, SignalLink, SignalStatus
from rits.signals.tests.test_linking import household, links, make_signal, status


@pytest.fixture(autouse=True)
def _no_snapshot_of_another_test():
    matcher.process_matcher().forget_population()


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call_name", "formal"),
    [
        ("Kees", "cornelis"),
        ("Artie", "arthur"),
        ("Wally", "walter"),
        ("Joop", "johannes"),
        ("Jan", "johannes"),
        ("Hans", "johannes"),
        ("Miep", "maria"),
        ("Mies", "maria"),
        ("Piet", "petrus"),
        ("Henk", "hendrik"),
        ("Truus", "geertruida"),
        ("Bep", "elisabeth"),
        ("Wim", "willem"),
        ("Klaas", "nicolaas"),
        ("Liz", "elisabeth"),
        ("Bob", "robert"),
        # A formal name, and a name the table does not know, stay themselves.
        ("Cornelis", "cornelis"),
        ("Johannes", "johannes"),
        ("Selam", "selam"),
        ("Joël", "joel"),
    ],
)
def test_a_call_name_has_its_formal_name(call_name, formal):
    assert names.canonical_given(call_name) == formal


def test_the_committed_table_is_valid_and_has_dutch_and_english_names():
    variants = names.load_variants()

    assert 150 <= len(variants) <= 400
    languages = {line.rsplit(",", 1)[1].strip() for line in _lines(names.VARIANTS_PATH)[1:]}
    assert {"nl", "en"} <= languages
    # A formal name is never a variant: one step gives the formal name.
    assert not set(variants.values()) & set(variants)


def _lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("rows", "refusal"),
    [
        pytest.param(["cornelis,kees,nl", "cornelis,,nl"], "line 3: the name and", id="empty"),
        pytest.param(
            ["cornelis,kees,nl", "Kees,kées,nl"], "line 3: 'kees' is a variant of itself", id="self"
        ),
        pytest.param(
            ["cornelis,kees,nl", "Cornelis,Kees,en"],
            "line 3: cornelis,kees is on line 2",
            id="twice",
        ),
        pytest.param(
            ["cornelis,kees,nl", "cornelia,kees,nl"],
            "line 3: 'kees' is a variant of 'cornelia' here and of 'cornelis' on line 2",
            id="two-formal-names",
        ),
        pytest.param(
            ["johannes,johan,nl", "johan,johannes,nl"],
            "line 3: 'johannes' is a formal name on line 2",
            id="both-ways",
        ),
        pytest.param(
            ["johannes,johan,nl", "johan,joop,nl"],
            "line 3: 'johan' is a variant of 'johannes' on line 2",
            id="chain",
        ),
        pytest.param(
            ["johan,joop,nl", "johannes,johan,nl"],
            "line 3: 'johan' is a formal name on line 2",
            id="chain-the-other-way",
        ),
        pytest.param(["anna maria,mia,nl"], "line 2: one word per name", id="two-words"),
        pytest.param(["cornelis,kees,Dutch"], "line 2: the language", id="language"),
        pytest.param(["cornelis,kees"], "line 2: 3 columns expected", id="columns"),
    ],
)
def test_the_loader_refuses_a_table_that_is_not_unambiguous(tmp_path, rows, refusal):
    path = tmp_path / "name_variants.csv"
    path.write_text("\n".join(["name,variant,language", *rows]) + "\n", encoding="utf-8")

    with pytest.raises(names.NameVariantError) as refused:
        names.load_variants(path)

    assert refusal in str(refused.value)


def test_the_loader_refuses_a_table_without_its_header(tmp_path):
    path = tmp_path / "name_variants.csv"
    path.write_text("cornelis,kees,nl\n", encoding="utf-8")

    with pytest.raises(names.NameVariantError, match="line 1: the header"):
        names.load_variants(path)


# --- the compared columns -------------------------------------------------------------------


def test_given_names_are_compared_in_their_canonical_form_and_as_initials():
    values = dict(zip(normalise._GIVEN_COLUMNS, normalise._given_values("Kees Jan"), strict=True))
    assert values == {
        "given": "kees jan",
        "given_sorted": "jan kees",
        "given_first": "kees",
        "given_canon": "cornelis",
        "given_canon_all": "cornelis johannes",
        "initials": "k j",
    }
    initials = normalise._given_values("J.M.")
    assert initials[0] == initials[-1] == "j m"  # initials only: given equals initials


@pytest.mark.parametrize(
    ("surname", "prefix"),
    [("v.d. Berg", ""), ("vd Berg", ""), ("v/d Berg", ""), ("Berg", "v.d."), ("Berg", "vd")],
)
def test_an_abbreviated_prefix_is_read_as_a_prefix(surname, prefix):
    assert normalise._name_values(surname, prefix) == ("berg", "vdberg", "v d", "vd")
    assert normalise._name_values("van den Berg", "")[3] == "vd"
    assert normalise.split_surname("Vd", "") == ("", "vd")  # alone it is a surname


def _level(comparison: str, left: dict, right: dict) -> str:
    """The label of the level two rows reach in the committed model's ``comparison``."""
    row = {}
    for side, values in (("l", left), ("r", right)):
        row |= {f"{k}_{side}": v for k, v in _compared(**values).items() if k != "unique_id"}
    con = duckdb.connect()
    levels = next(
        c for c in model.linkage_model()["comparisons"] if c["output_column_name"] == comparison
    )
    columns = ", ".join(f"CAST(? AS VARCHAR) AS {k}" for k in row)
    con.execute(f"CREATE TABLE t AS SELECT {columns}", list(row.values()))
    for lvl in levels["comparison_levels"]:
        if (
            lvl["sql_condition"] == "ELSE"
            or con.execute(f"SELECT coalesce({lvl['sql_condition']}, false) FROM t").fetchone()[0]
        ):
            return lvl["label_for_charts"]
    raise AssertionError("no level")


def _compared(surname="Jansen", prefix="", given="Cornelis", born=datetime.date(1990, 5, 17)):
    from rits.signals.tests.test_linking import record

    return record(
        unique_id=1,
        surname=surname,
        prefix=prefix,
        given_names=given,
        birth_date=born,
        postcode="3511AB",
        house_number=12,
        house_number_suffix="",
    )


@pytest.mark.parametrize(
    ("comparison", "left", "right", "label"),
    [
        (
            "given_names",
            {"given": "Kees"},
            {"given": "Cornelis"},
            "close: a call name of the same name",
        ),
        (
            "given_names",
            {"given": "Kees"},
            {"given": "Johannes Cornelis"},
            "close: a call name of the same name",
        ),
        ("given_names", {"given": "Hans"}, {"given": "Jan"}, "close: a call name of the same name"),
        ("given_names", {"given": "J.M."}, {"given": "Johannes Maria"}, "close: the same initials"),
        ("given_names", {"given": "J.P."}, {"given": "Johannes Maria"}, "close: the same initial"),
        ("given_names", {"given": "Jan Pieter"}, {"given": "Jacob Paul"}, "disagree"),
        ("given_names", {"given": "Kees"}, {"given": "Klaas"}, "disagree"),
        (
            "given_names",
            {"surname": "Kees", "given": "Jansen"},
            {"surname": "Jansen", "given": "Kees"},
            "close: given name and surname swapped",
        ),
        (
            "surname",
            {"surname": "Kees", "given": "Jansen"},
            {"surname": "Jansen", "given": "Kees Jan"},
            "close: given name and surname swapped",
        ),
        (
            "surname",
            {"surname": "Jan", "given": "Jan"},
            {"surname": "Jan", "given": "Jan"},
            "agree: the same",
        ),
        (
            "prefix",
            {"surname": "v.d. Berg"},
            {"surname": "van den Berg"},
            "close: the same letters (v.d., van de, van der)",
        ),
        (
            "prefix",
            {"prefix": "van de"},
            {"prefix": "van der"},
            "close: the same letters (v.d., van de, van der)",
        ),
        ("prefix", {"prefix": "de"}, {"prefix": "van"}, "disagree"),
        ("surname", {"surname": "v.d. Berg"}, {"surname": "van den Berg"}, "agree: the same"),
        # Day and month swapped, either way round; a year one off where that is more
        # than one typo; never a year further off.
        (
            "birth_date",
            {"born": datetime.date(1990, 5, 7)},
            {"born": datetime.date(1990, 7, 5)},
            "close: one typo, or day and month swapped",
        ),
        (
            "birth_date",
            {"born": datetime.date(1990, 7, 5)},
            {"born": datetime.date(1990, 5, 7)},
            "close: one typo, or day and month swapped",
        ),
        (
            "birth_date",
            {"born": datetime.date(1989, 12, 31)},
            {"born": datetime.date(1990, 12, 31)},
            "close: the year one off, the same day and month",
        ),
        (
            "birth_date",
            {"born": datetime.date(2000, 3, 1)},
            {"born": datetime.date(1999, 3, 1)},
            "close: the year one off, the same day and month",
        ),
        (
            "birth_date",
            {"born": datetime.date(1990, 3, 1)},
            {"born": datetime.date(1991, 3, 1)},
            "close: one typo, or day and month swapped",
        ),
        (
            "birth_date",
            {"born": datetime.date(1988, 3, 1)},
            {"born": datetime.date(1990, 3, 1)},
            "disagree",
        ),
        (
            "birth_date",
            {"born": datetime.date(1965, 3, 1)},
            {"born": datetime.date(1990, 3, 1)},
            "disagree",
        ),
    ],
)
def test_each_pair_reaches_its_level(comparison, left, right, label):
    assert _level(comparison, left, right) == label


def test_every_level_is_labelled_agree_close_or_disagree():
    for comparison in model.linkage_model()["comparisons"]:
        for lvl in comparison["comparison_levels"]:
            if not lvl.get("is_null_level"):
                assert lvl["label_for_charts"].split(":")[0] in {"agree", "close", "disagree"}
                assert 0 < lvl["m_probability"] < 1 and 0 < lvl["u_probability"] < 1


# --- signals that link through them ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("person", "delivered", "agreement"),
    [
        pytest.param(
            {"surname": "Jansen", "given": "Cornelis"},
            {"surname": "Jansen", "given_names": "Kees"},
            {"given_names": "close"},
            id="call-name",
        ),
        pytest.param(
            {"surname": "Jansen", "given": "Cornelis"},
            {"surname": "Cornelis", "given_names": "Jansen"},
            {"surname": "close", "given_names": "close"},
            id="swapped",
        ),
        pytest.param(
            {"surname": "Berg", "prefix": "van den", "given": "Anna"},
            {"surname": "v.d. Berg", "given_names": "Anna"},
            {"surname": "agree", "prefix": "close"},
            id="abbreviated-prefix",
        ),
        pytest.param(
            {"surname": "Jansen", "given": "Johannes Maria"},
            {"surname": "Jansen", "given_names": "J.M."},
            {"given_names": "close"},
            id="initials",
        ),
        pytest.param(
            {"born": datetime.date(1989, 12, 31)},
            {"birth_date": datetime.date(1990, 12, 31)},
            {"birth_date": "close"},
            id="year-one-off",
        ),
    ],
)
def test_a_signal_links_through_a_call_name_a_swap_a_prefix_or_a_year(
    landlord, person, delivered, agreement
):
    family, adult = household(**person)
    signal = make_signal(landlord, **delivered)

    linking.link_signals()

    assert links(signal) == {(family.pk, adult.pk, LinkMethod.PROBABILISTIC)}
    assert status(signal) == SignalStatus.LINKED
    assert not LinkReview.objects.filter(signal=signal).exists()
    assert SignalLink.objects.get(signal=signal).match_probability >= 0.99
    scored = matcher.process_matcher().predict(
        [
            (
                signal.pk,
                signal.surname,
                signal.prefix,
                signal.given_names,
                signal.birth_date,
                signal.postcode,
                signal.house_number,
                signal.house_number_suffix,
            )
        ],
        floor=0.0,
        candidates=[
            (
                adult.pk,
                adult.surname,
                adult.prefix,
                adult.given_names,
                adult.birth_date,
                family.postcode,
                family.house_number,
                family.house_number_suffix,
            )
        ],
    )
    assert agreement.items() <= model.field_agreement(scored[0]).items()


@pytest.mark.django_db
def test_a_call_name_does_not_link_the_father_with_another_date_of_birth(landlord):
    # Father Cornelis and son Kees at one address: the call name is close, the date of
    # birth is what tells them apart.
    _family, father = household(surname="Jansen", given="Cornelis", born=datetime.date(1960, 2, 3))
    signal = make_signal(
        landlord, surname="Jansen", given_names="Kees", birth_date=datetime.date(1992, 9, 21)
    )

    linking.link_signals()

    # Not the father, and not the family by its address alone (rule 3).
    assert links(signal) == set()
    assert not LinkReview.objects.filter(signal=signal, person=father).exists()
