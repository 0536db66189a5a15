"""The linkage model: the committed Splink settings document (``linkage_model.json``,
made by ``bench/train_linkage_model.py``), what its comparison levels mean for a reviewer,
and the thresholds from which a pair is linked or reviewed."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

MODEL_PATH = Path(__file__).with_name("linkage_model.json")


def linkage_model() -> dict[str, Any]:
    """The committed model: comparisons with their m and u probabilities, the prior and
    the blocking rules (a Splink settings document)."""
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


@cache
def agreement_labels() -> dict[str, dict[int, str]]:
    """Per comparison, what each comparison-vector value means for a reviewer: ``agree``,
    ``close`` or ``disagree`` (the first word of each level's label in the model), and
    ``missing`` for -1. Splink numbers the non-null levels from the top down to 0."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in linkage_model()["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        values = {-1: "missing"}
        for index, level in enumerate(levels):
            word = level.get("label_for_charts", "").split(":")[0].strip().lower()
            values[len(levels) - 1 - index] = word if word in {"agree", "close"} else "disagree"
        labels[comparison["output_column_name"]] = values
    return labels


def link_thresholds() -> tuple[float, float]:
    """(link, review): the match probability from which a signal is linked, and from
    which it goes to the review queue."""
    return settings.SIGNAL_LINK_THRESHOLD, settings.SIGNAL_REVIEW_THRESHOLD


def field_agreement(row: dict[str, Any]) -> dict[str, str]:
    """Per compared field: agree, close, disagree or missing, from the scored pair."""
    return {
        name: values.get(row.get(f"gamma_{name}"), "disagree")
        for name, values in agreement_labels().items()
    }


def birth_dates_differ(row: dict[str, Any]) -> bool:
    """The signal's date of birth and the person's are both known and not even one typo
    (or a day and month swap) apart."""
    return agreement_labels().get("birth_date", {}).get(row.get("gamma_birth_date")) == "disagree"


def given_names_differ(row: dict[str, Any]) -> bool:
    return agreement_labels().get("given_names", {}).get(row.get("gamma_given_names")) == "disagree"
