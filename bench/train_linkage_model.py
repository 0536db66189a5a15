"""Make the linkage model that linking uses: ``src/rits/signals/linking/linkage_model.json``.

    DATABASE_URL=postgres://... .venv/bin/python bench/train_linkage_model.py [--pairs 20000000]

The model is a Splink (Fellegi–Sunter) settings document. Its parts and where they come from:

* **Comparisons** (``rits.signals.linking.comparisons``): which fields are compared and how, level by
  level, with each level's label for the review page (``agree``/``close``/``disagree``).
* **m probabilities** — how often a field comes out at each level when signal and person
  *are* the same — are fixed here, by hand, from what we know of how sources deliver:
  names are mostly right, a few have a typo or another order, a few people changed their
  name or are written differently; dates of birth are almost always right (they come from
  the source's own records), rarely with one typo or day and month swapped; an address is
  usually the family's, but people move and Rits learns it late. They are documented next
  to each level. We do not train m at run time: a model that shifts with the data it links
  cannot be explained afterwards.
* **u probabilities** — how often a field comes out at each level for two *different*
  people — depend on the population (how common names and birth dates are). They are
  estimated here with Splink's random sampling over the members of the families in the
  database ``DATABASE_URL`` points to (the demo region of ``manage.py build_demo`` is built
  from Dutch name frequencies), then floored so that no level becomes infinitely
  convincing.
* **The prior** (``probability_two_random_records_match``): the chance that a signal and a
  random known person are the same. About half of all signals concern someone Rits knows,
  in a region of about 100,000 known people: 0.5 / 100,000 = 5e-6. A smaller region
  keeps this value, which errs on the side of precision.

Run it again after changing a comparison, or against a larger or real region to refresh
the u probabilities; commit the JSON it writes. Linking reads the JSON only.

``--conditions-only`` writes the comparison levels' SQL into the committed model and keeps
its probabilities, without a database: for a change that makes a level faster without
changing which pairs it holds (as the cheap tests in front of ``damerau_levenshtein``), so
that the scores stay exactly as they were.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rits.conf.settings")

import django  # noqa: E402

django.setup()

from rits.signals.linking.comparisons import (  # noqa: E402 (after the path is set)
    PRIOR,
    U_FLOOR,
    U_MIN,
    blocking_rules,
    comparisons,
)


def population() -> list[tuple]:
    """One row per known person (at the address of their first family), as linking reads
    members (``rits.signals.linking.population.candidate_rows``)."""
    from rits.families.models import Membership

    rows, seen = [], set()
    for pk, person_id, surname, prefix, given, born, postcode, number, suffix in (
        Membership.objects.order_by("person_id", "id")
        .values_list(
            "id",
            "person_id",
            "person__surname",
            "person__prefix",
            "person__given_names",
            "person__birth_date",
            "family__postcode",
            "family__house_number",
            "family__house_number_suffix",
        )
        .iterator(chunk_size=10_000)
    ):
        if person_id in seen:
            continue
        seen.add(person_id)
        rows.append((pk, surname, prefix, given, born, postcode, number, suffix))
    return rows


def train(rows: list[tuple], *, pairs: float, seed: int) -> dict:
    from splink import DuckDBAPI, Linker, SettingsCreator

    from rits.signals.linking.normalise import load_rows

    db = DuckDBAPI()
    # Normalised exactly as linking compares them.
    load_rows(db.duckdb_con, "people", rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=PRIOR,
        # The comparison-vector values (which level each field reached) come with the
        # matching columns; the review page shows them per field.
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )
    linker = Linker(db.register("people"), settings, log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=seed)
    model = linker.misc.save_model_to_json()
    model["link_type"] = "link_only"
    model.pop("linker_uid", None)
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        stricter = None  # the Bayes factor of the level above
        for lvl in comparison["comparison_levels"]:
            if lvl.get("is_null_level"):
                continue
            if lvl.get("fix_u_probability"):  # set in comparisons(), neutral on purpose
                stricter = min(stricter or 1e300, lvl["m_probability"] / lvl["u_probability"])
                continue
            u = lvl.get("u_probability")
            u = max(
                u if isinstance(u, float) else 0.0,
                U_MIN.get((name, lvl["label_for_charts"]), U_FLOOR),
            )
            # Monotone: a looser agreement never counts for more than a stricter one.
            if stricter is not None and lvl["m_probability"] / u > stricter:
                u = lvl["m_probability"] / stricter
            lvl["u_probability"] = u
            stricter = lvl["m_probability"] / u
    return model


def rewrite_conditions(path: Path) -> None:
    """Give the levels of the model at ``path`` the SQL of ``comparisons()`` (matched by
    comparison and label); their m and u probabilities stay."""
    from splink import SettingsCreator

    model = json.loads(path.read_text(encoding="utf-8"))
    fresh = (
        SettingsCreator(
            link_type="link_only",
            comparisons=comparisons(),
            blocking_rules_to_generate_predictions=blocking_rules(),
        )
        .get_settings("duckdb")
        .as_dict()
    )
    conditions = {
        (c["output_column_name"], lvl.get("label_for_charts", "")): lvl["sql_condition"]
        for c in fresh["comparisons"]
        for lvl in c["comparison_levels"]
    }
    for comparison in model["comparisons"]:
        for lvl in comparison["comparison_levels"]:
            key = (comparison["output_column_name"], lvl.get("label_for_charts", ""))
            lvl["sql_condition"] = conditions[key]
    path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"level conditions written to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=float, default=2e7, help="random pairs for u")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", default=str(ROOT / "src" / "rits" / "signals" / "linking" / "linkage_model.json")
    )
    parser.add_argument(
        "--conditions-only",
        action="store_true",
        help="only write the levels' SQL into the model at --out, keeping its probabilities",
    )
    args = parser.parse_args()
    if args.conditions_only:
        rewrite_conditions(Path(args.out))
        return
    rows = population()
    if len(rows) < 10_000:
        sys.exit(f"only {len(rows)} people: build a region first (manage.py build_demo)")
    model = train(rows, pairs=args.pairs, seed=args.seed)
    Path(args.out).write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"{len(rows)} people; model written to {args.out}")
    for comparison in model["comparisons"]:
        print(comparison["output_column_name"])
        for lvl in comparison["comparison_levels"]:
            if not lvl.get("is_null_level"):
                print(
                    f"  {lvl['label_for_charts']:<50} m={lvl['m_probability']:<8} "
                    f"u={lvl['u_probability']:.3g}"
                )


if __name__ == "__main__":
    main()
