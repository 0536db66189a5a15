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

    def level(creator, label: str, m: float, u_min: float = U_FLOOR, fixed_m: bool = False):
        U_MIN[(current[0], label)] = u_min
        creator = creator.configure(m_probability=m, label_for_charts=label)
        if fixed_m:
            # Kept by training (EM and the rescaling after it), see the level.
            creator = creator.configure(fix_m_probability=True)
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

    def neutral(creator, label: str, p: float):
        # m = u, both fixed: a Bayes factor of 1, which neither sampling nor EM changes.
        # For a pattern another comparison counts already (Splink multiplies comparisons
        # as if independent; counting it twice would be double evidence).
        return creator.configure(
            m_probability=p,
            u_probability=p,
            fix_m_probability=True,
            fix_u_probability=True,
            label_for_charts=label,
        )

    # Given name and surname swapped ("Jansen Kees" for "Kees Jansen"): the signal's
    # surname is the person's first given name (or all of them: "Wilson-Wheeler" as given
    # names) and the other way round, or one of the two crosswise pairs one typo apart
    # ("Jansen Kess"): a swap and a typo are separate slips of a source, and a swapped
    # name with a typo is no likelier to be someone else than a typo alone. Counted once,
    # in the surname comparison (as strong as both names agreeing, times how rarely
    # sources swap them); the given-name comparison is neutral for it (see ``neutral``).
    # The CASE asks for the distance only when the other crosswise pair agrees exactly.
    crosswise_l = "(surname_l = given_first_r or surname_l = given_r)"
    crosswise_r = "(surname_r = given_first_l or surname_r = given_l)"
    swapped = (
        f"surname_l <> surname_r and CASE WHEN {crosswise_l} THEN ({crosswise_r} or "
        "(length(given_first_l) >= 3 and damerau_levenshtein(surname_r, given_first_l) <= 1)) "
        f"WHEN {crosswise_r} THEN (length(given_first_r) >= 3 and "
        "damerau_levenshtein(surname_l, given_first_r) <= 1) ELSE false END"
    )

    current = ["surname"]

    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_description="surname (without prefix)",
        comparison_levels=[
            cll.NullLevel("surname"),
            # First: it is the stronger evidence (two names agree, crosswise). m: about 1
            # in 100 sources put the names in the wrong fields (a form filled in the
            # wrong way round, "Jansen, Kees" read as given name first). u: about the
            # chance that both names agree (surname 1e-3 times given name 1.5e-3), as
            # the sample rarely holds such a pair.
            level(
                cll.CustomLevel(swapped, base_dialect_str="duckdb"),
                "close: given name and surname swapped",
                0.01,
                u_min=2e-6,
            ),
            # "van Dijk" and "Vandijk" agree too: the prefix written into the name.
            level(
                cll.Or(cll.ExactMatchLevel("surname"), cll.ExactMatchLevel("surname_full")),
                "agree: the same",
                0.89,
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
            level(cll.ExactMatchLevel("prefix"), "agree: the same", 0.95),
            # "v.d." for "van den", "van de" for "van der": the same first letters. m:
            # sources abbreviate or mix up de/der/den now and then (2 in 100).
            level(
                cll.ExactMatchLevel("prefix_short"),
                "close: the same letters (v.d., van de, van der)",
                0.02,
            ),
            level(cll.ElseLevel(), "disagree", 0.03),
        ],
    )
    current[0] = "given_names"
    given = cl.CustomComparison(
        output_column_name="given_names",
        comparison_description="given names",
        comparison_levels=[
            cll.NullLevel("given"),
            # m: the levels below took 0.05 from the 0.82 this had (call names,
            # initials, a swap fell into other levels before).
            level(cll.ExactMatchLevel("given"), "agree: the same", 0.77),
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
            # "Kees" and "Cornelis", "Jan" and "Johannes": the same formal name
            # (names.canonical_given, precomputed per row), of the first given names or of
            # the one among the other's names. m: a source with the call name instead of
            # the registered name, about 3 in 100. u: wider than the same name (several
            # call names share a formal name), floored at the one-of-the-names level.
            level(
                cll.CustomLevel(
                    "given_canon_l = given_canon_r "
                    "or (contains(given_canon_all_l, given_canon_r) "
                    "and list_contains(str_split(given_canon_all_l, ' '), given_canon_r)) "
                    "or (contains(given_canon_all_r, given_canon_l) "
                    "and list_contains(str_split(given_canon_all_r, ' '), given_canon_l))",
                    base_dialect_str="duckdb",
                ),
                "close: a call name of the same name",
                0.03,
                u_min=2e-3,
            ),
            # "J.M." for "Johannes Maria": one side only initials, two or more, all the
            # same. m: rare for a signal (1 in 100); u: two given initials agree far less
            # often than one does.
            level(
                cll.CustomLevel(
                    "(given_l = initials_l or given_r = initials_r) "
                    "and length(initials_l) >= 3 and initials_l = initials_r",
                    base_dialect_str="duckdb",
                ),
                "close: the same initials",
                0.01,
                u_min=5e-4,
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
            # Counted in the surname comparison; here neither for nor against.
            neutral(
                cll.CustomLevel(swapped, base_dialect_str="duckdb"),
                "close: given name and surname swapped",
                0.01,
            ),
            level(cll.ElseLevel(), "disagree", 0.02),
        ],
    )
    current[0] = "birth_date"
    birth_date = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="date of birth",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            level(cll.ExactMatchLevel("birth_date"), "agree: the same", 0.95),
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
            # The year one off with the same day and month where that is more than one
            # typo (1989 and 1990, 1999 and 2000): a year written for the one before.
            # m: 4 in 1,000 (from the 0.954 of agree); u: about 1 in 365 times the
            # chance of a neighbouring year, which the sample estimates.
            level(
                cll.CustomLevel(
                    "substr(birth_date_l, 6, 5) = substr(birth_date_r, 6, 5) and "
                    "abs(CAST(substr(birth_date_l, 1, 4) AS INTEGER) "
                    "- CAST(substr(birth_date_r, 1, 4) AS INTEGER)) = 1",
                    base_dialect_str="duckdb",
                ),
                "close: the year one off, the same day and month",
                0.004,
                u_min=1e-5,
            ),
            # Almost never for the same person: this is what keeps a father and his son
            # of the same name, at the same address, out of an automatic link. Fixed, not
            # trained: the pairs EM could learn it from (the same names, or the same
            # address) hold exactly those namesakes, whom EM cannot tell from one person
            # with a wrong date of birth (on a small region it learned 0.16).
            level(cll.ElseLevel(), "disagree", 0.001, fixed_m=True),
        ],
    )
    current[0] = "address"
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="address (postcode, house number and suffix of the family)",
        comparison_levels=[
            # An address without a house number (or a postcode) on either side counts as
            # missing, unless the postcodes agree: then it says as much as the postcode.
            cll.CustomLevel(
                "(address_key_l IS NULL OR address_key_r IS NULL) "
                "AND NOT coalesce(postcode_l = postcode_r, false)",
                base_dialect_str="duckdb",
            ).configure(is_null_level=True, label_for_charts="address missing"),
            level(cll.ExactMatchLevel("address_key"), "agree: the same", 0.78),
            # The same postcode where one side has no house number. Whether a source
            # leaves the number out has nothing to do with whether it is the same person,
            # so this weighs as the postcode agreeing does: for the same person about 85
            # in 100 (the levels below agree and the same postcode), for two people about
            # 6.4e-5 (the sample's agree and same-postcode u), both times the share of
            # pairs with a number missing (about 1 in 100): m 0.01 (from agree's 0.79),
            # u 7.5e-7, floored. Second, so that a level above it bounds it in training.
            level(
                cll.CustomLevel(
                    "postcode_l = postcode_r "
                    "AND (house_number_l IS NULL OR house_number_r IS NULL)",
                    base_dialect_str="duckdb",
                ),
                "close: the same postcode, no house number on one side",
                0.01,
                u_min=1e-6,
            ),
            level(
                cll.And(cll.ExactMatchLevel("postcode"), cll.ExactMatchLevel("house_number")),
                "close: the same house number, another suffix",
                0.03,
                u_min=1e-5,
            ),
            level(cll.ExactMatchLevel("postcode"), "close: the same postcode", 0.02),
            # One typo in the postcode ("1243 AB" for "1234 AB") at the same house number:
            # a slip of the source, as in a name. m: 1 in 100 (from the 0.80 of agree). u:
            # about 86 postcodes are one typo from a given one, of some 460,000, and one
            # in some 40 of their addresses has the same number: about 5e-6, floored.
            level(
                cll.CustomLevel(
                    "house_number_l = house_number_r and "
                    "damerau_levenshtein(postcode_l, postcode_r) <= 1",
                    base_dialect_str="duckdb",
                ),
                "close: the same house number, the postcode one typo apart",
                0.01,
                u_min=1e-5,
            ),
            level(cll.ExactMatchLevel("pc4"), "disagree: the same neighbourhood", 0.05),
            # Moved (and Rits not told yet), or the source has an old address.
            level(cll.ElseLevel(), "disagree", 0.10),
        ],
    )
    return [surname, prefix, given, birth_date, address]


def blocking_rules():
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    # Kept in step with population.candidate_rows, which applies them in the
    # database first.
    #
    # A signal may have no surname (given names with a date of birth or an address, as
    # intake accepts): the first given name with the year of birth finds it what the
    # surname with the year finds for others, e.g. a person with the date of birth a
    # typo apart at another house number in the same postcode (odds 5e-6 * 528 * 24 *
    # 841 = 52: review). A postcode without a house number needs no rule: the address is
    # compared on the full address key, so a postcode alone counts as no address.
    #
    # The last four find the person when the date of birth has more than a typo (or is
    # missing) and the address is another one or incomplete: the same names, a name in
    # the same postcode, or given name and surname swapped (on FEBRL4 most of the true
    # pairs the first four never compared, issue 12). Each pairs few people: one name
    # in one postcode is mostly one family.
    return [
        block_on("birth_date"),
        block_on("postcode", "house_number"),
        block_on("surname", "birth_year"),
        block_on("given_first", "birth_year"),
        block_on("surname", "given_first"),
        block_on("surname", "postcode"),
        block_on("given_first", "postcode"),
        CustomRule("l.surname = r.given_first and l.given_first = r.surname", sql_dialect="duckdb"),
    ]
