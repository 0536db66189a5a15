"""What the linkage model compares and how, level by level (Splink comparisons), the
blocking rules that choose which pairs are compared at all, and the prior.

Each level has a label for the review page (``agree``/``close``/``disagree``, the first
word) and, for the committed model, an m probability set by hand (see
``bench/train_linkage_model.py`` for where the parts of the model come from). Linking
applies the blocking rules in the database first (``population.candidate_rows``): keep
the two in step."""

from __future__ import annotations

PRIOR = 5e-6
# No level may be more convincing than this: a value never seen in the sample is not
# impossible for two different people.
U_FLOOR = 1e-6
# Floors for the levels a sample of the demo region cannot estimate (its people have one
# given name each, few initials, few house-number suffixes): how often two different
# people would come out at that level, judged from national name and address statistics.
U_MIN: dict[tuple[str, str], float] = {}


# Levels whose weight follows how common the agreeing value is (a shared "de Vries"
# says less than a shared "Oudenaarden"), in a trained model (``term_frequencies=True``):
# (comparison, level label) -> the column whose frequencies adjust it. The committed
# default has none.
TERM_FREQUENCY_LEVELS: dict[tuple[str, str], str] = {
    ("surname", "agree: the same"): "surname",
    ("given_names", "agree: the same"): "given",
    ("address", "close: the same postcode"): "postcode",
}


def comparisons(*, term_frequencies: bool = False):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def level(creator, label: str, m: float, u_min: float = U_FLOOR):
        U_MIN[(current[0], label)] = u_min
        creator = creator.configure(m_probability=m, label_for_charts=label)
        column = TERM_FREQUENCY_LEVELS.get((current[0], label))
        if term_frequencies and column:
            # Against the u of this level itself: the surname's "agree" is on two
            # columns, so Splink finds no single exact-match level to take it from.
            creator = creator.configure(
                tf_adjustment_column=column,
                tf_minimum_u_value=u_min,
                disable_tf_exact_match_detection=True,
            )
        return creator

    current = ["surname"]

    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_description="surname (without prefix)",
        comparison_levels=[
            cll.NullLevel("surname"),
            # "van Dijk" and "Vandijk" agree too: the prefix written into the name.
            level(
                cll.Or(cll.ExactMatchLevel("surname"), cll.ExactMatchLevel("surname_full")),
                "agree: the same",
                0.90,
            ),
            # Damerau-Levenshtein at most 1, asked only when the lengths differ by at most
            # one and the first or last letter is the same (true of every pair one edit
            # apart): the distance is the costliest comparison of a million pairs.
            level(
                cll.CustomLevel(
                    "abs(length(surname_l) - length(surname_r)) <= 1 and "
                    "(left(surname_l, 1) = left(surname_r, 1) "
                    "or right(surname_l, 1) = right(surname_r, 1) "
                    "or least(length(surname_l), length(surname_r)) <= 2) and "
                    "damerau_levenshtein(surname_l, surname_r) <= 1",
                    base_dialect_str="duckdb",
                ),
                "close: one typo",
                0.05,
            ),
            # A double name and one of its parts ("Jansen-de Vries", "Jansen"); each
            # split only when the one name occurs in the other at all.
            level(
                cll.CustomLevel(
                    "(length(surname_l) >= 3 and length(surname_r) >= 3) and "
                    "((contains(surname_l, surname_r) "
                    "and list_contains(str_split(surname_l, ' '), surname_r)) "
                    "or (contains(surname_r, surname_l) "
                    "and list_contains(str_split(surname_r, ' '), surname_l)))",
                    base_dialect_str="duckdb",
                ),
                "close: one is part of the other",
                0.02,
            ),
            level(cll.JaroWinklerLevel("surname", 0.88), "close: similar", 0.015),
            # Marriage, a name written from another alphabet in another way.
            level(cll.ElseLevel(), "disagree", 0.015),
        ],
    )
    current[0] = "prefix"
    prefix = cl.CustomComparison(
        output_column_name="prefix",
        comparison_description="prefix (tussenvoegsel); missing on either side is neutral",
        comparison_levels=[
            cll.NullLevel("prefix"),
            level(cll.ExactMatchLevel("prefix"), "agree: the same", 0.97),
            level(cll.ElseLevel(), "disagree", 0.03),
        ],
    )
    current[0] = "given_names"
    given = cl.CustomComparison(
        output_column_name="given_names",
        comparison_description="given names",
        comparison_levels=[
            cll.NullLevel("given"),
            level(cll.ExactMatchLevel("given"), "agree: the same", 0.82),
            level(
                cll.ExactMatchLevel("given_sorted"),
                "close: the same names in another order",
                0.03,
                u_min=1e-3,
            ),
            # One source has all given names, the other the first (or the one in use);
            # split only when the one name occurs in the others at all.
            level(
                cll.CustomLevel(
                    "(contains(given_l, given_first_r) "
                    "and list_contains(str_split(given_l, ' '), given_first_r)) "
                    "or (contains(given_r, given_first_l) "
                    "and list_contains(str_split(given_r, ' '), given_first_l))",
                    base_dialect_str="duckdb",
                ),
                "close: one of the names",
                0.07,
                u_min=1e-3,
            ),
            level(
                cll.CustomLevel(
                    "(length(given_first_l) = 1 or length(given_first_r) = 1) "
                    "and substr(given_first_l, 1, 1) = substr(given_first_r, 1, 1)",
                    base_dialect_str="duckdb",
                ),
                "close: the same initial",
                0.02,
                u_min=2e-3,
            ),
            level(cll.JaroWinklerLevel("given", 0.88), "close: similar", 0.04),
            level(cll.ElseLevel(), "disagree", 0.02),
        ],
    )
    current[0] = "birth_date"
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="date of birth",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            level(cll.ExactMatchLevel("birth_date"), "agree: the same", 0.954),
            # One typo (Damerau-Levenshtein at most 1, asked only when two of year, month
            # and day agree, as they do when YYYY-MM-DD strings are one edit apart), or
            # day and month swapped.
            level(
                cll.CustomLevel(
                    "((substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) and "
                    "(substr(birth_date_l, 6, 2) = substr(birth_date_r, 6, 2) or "
                    "substr(birth_date_l, 9, 2) = substr(birth_date_r, 9, 2)) or "
                    "substr(birth_date_l, 6, 5) = substr(birth_date_r, 6, 5)) and "
                    "damerau_levenshtein(birth_date_l, birth_date_r) <= 1) or "
                    "(substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) and "
                    "substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) and "
                    "substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2))",
                    base_dialect_str="duckdb",
                ),
                "close: one typo, or day and month swapped",
                0.045,
            ),
            # Almost never for the same person: this is what keeps a father and his son
            # of the same name, at the same address, out of an automatic link.
            level(cll.ElseLevel(), "disagree", 0.001),
        ],
    )
    current[0] = "address"
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="address (postcode, house number and suffix of the family)",
        comparison_levels=[
            cll.NullLevel("address_key"),
            level(cll.ExactMatchLevel("address_key"), "agree: the same", 0.80),
            level(
                cll.And(cll.ExactMatchLevel("postcode"), cll.ExactMatchLevel("house_number")),
                "close: the same house number, another suffix",
                0.03,
                u_min=1e-5,
            ),
            level(cll.ExactMatchLevel("postcode"), "close: the same postcode", 0.02),
            level(cll.ExactMatchLevel("pc4"), "disagree: the same neighbourhood", 0.05),
            # Moved (and Rits not told yet), or the source has an old address.
            level(cll.ElseLevel(), "disagree", 0.10),
        ],
    )
    return [surname, prefix, given, birth_date, address]


def blocking_rules():
    from splink import block_on

    # Kept in step with population.candidate_rows, which applies them in the
    # database first.
    return [
        block_on("birth_date"),
        block_on("postcode", "house_number"),
        block_on("surname", "birth_year"),
    ]
