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
the u probabilities; commit the JSON it writes (keep its ``rits_model_version`` and raise
it when the model changes). It is the model a region starts from; a region then trains its
own with ``manage.py train_linkage_model`` (the same code: ``rits.signals.linking.training``),
and linking uses the active version.

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

from rits.signals.linking import training  # noqa: E402 (after the path is set)


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
    out = Path(args.out)
    if args.conditions_only:
        model = training.rewrite_conditions(json.loads(out.read_text(encoding="utf-8")))
        out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
        print(f"level conditions written to {out}")
        return
    rows = training.population()
    if len(rows) < 10_000:
        sys.exit(f"only {len(rows)} people: build a region first (manage.py build_demo)")
    model = training.default_model(rows, pairs=args.pairs, seed=args.seed)
    out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"{len(rows)} people; model written to {out}")
    for (comparison, label), (m, u) in training.levels(model).items():
        print(f"  {comparison:<12} {label:<50} m={m:<8} u={u:.3g}")


if __name__ == "__main__":
    main()
