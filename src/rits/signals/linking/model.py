"""The linkage model: the active version (a trained ``LinkageModel``, or the committed
default ``linkage_model.json`` when none was trained), what its comparison levels mean for
a reviewer, and the thresholds from which a pair is linked or reviewed.

Linking asks for the active model once per run (:func:`refresh_active_model`, one small
query) and keeps it per process until another model is activated. A model that cannot be
used (missing, unreadable, of another format, not loadable by Splink) raises
:class:`LinkageModelUnavailable`: linking then holds its signals rather than guess."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

# The default model: the committed Splink settings with two keys of Rits's own (its
# version and format), taken off before Splink sees the document.
MODEL_PATH = Path(__file__).with_name("linkage_model.json")

# Rits's model format and the Splink major version: a model saved for another is refused
# (a level's SQL or a settings key may mean something else there).
MODEL_FORMAT = "rits-1/splink-5"
VERSION_KEY = "rits_model_version"
FORMAT_KEY = "rits_model_format"


class LinkageModelUnavailable(Exception):
    """The active linkage model cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class LoadedModel:
    """A linkage model ready for linking."""

    version: str
    # The Splink settings document, as Splink takes it.
    settings: dict[str, Any]
    # Per comparison, per comparison-vector value: agree, close, disagree or missing.
    labels: dict[str, dict[int, str]]
    # Per column with term-frequency adjustments: {value: frequency}.
    term_frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    # Which row (or file) it was loaded from: when this changes, it is loaded again.
    key: tuple = ()

    @property
    def tf_columns(self) -> list[str]:
        return tf_columns(self.settings)


def splink_settings(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` without Rits's own keys."""
    return {k: v for k, v in document.items() if k not in (VERSION_KEY, FORMAT_KEY)}


def tf_columns(document: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the model's levels are adjusted by."""
    return sorted(
        {
            lvl["tf_adjustment_column"]
            for c in document.get("comparisons", [])
            for lvl in c.get("comparison_levels", [])
            if lvl.get("tf_adjustment_column")
        }
    )


def _labels(document: dict[str, Any]) -> dict[str, dict[int, str]]:
    """Per comparison, what each comparison-vector value means for a reviewer: ``agree``,
    ``close`` or ``disagree`` (the first word of each level's label in the model), and
    ``missing`` for -1. Splink numbers the non-null levels from the top down to 0."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in document["comparisons"]:
        levels = [lvl for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        values = {-1: "missing"}
        for index, level in enumerate(levels):
            word = level.get("label_for_charts", "").split(":")[0].strip().lower()
            values[len(levels) - 1 - index] = word if word in {"agree", "close"} else "disagree"
        labels[comparison["output_column_name"]] = values
    return labels


def load_model(
    document: Any,
    *,
    version: str,
    format: str,
    term_frequencies: dict[str, dict[str, float]] | None = None,
    key: tuple = (),
) -> LoadedModel:
    """Check that ``document`` is a model linking can use and make it ready; raise
    :class:`LinkageModelUnavailable` saying what is wrong otherwise."""

    def refuse(reason: str) -> LinkageModelUnavailable:
        return LinkageModelUnavailable(f"linkage model {version or '(no version)'}: {reason}")

    if format != MODEL_FORMAT:
        raise refuse(
            f"its format is {format or 'not given'}, this Rits reads {MODEL_FORMAT}; train a "
            "new model (manage.py train_linkage_model) or activate another version"
        )
    if not isinstance(document, dict) or not document.get("comparisons"):
        raise refuse("it has no comparisons")
    document = splink_settings(document)
    try:
        for comparison in document["comparisons"]:
            name = comparison["output_column_name"]
            for lvl in comparison["comparison_levels"]:
                if lvl.get("is_null_level"):
                    continue
                for p in ("m_probability", "u_probability"):
                    if not 0 < float(lvl.get(p, 0) or 0) <= 1:
                        raise refuse(f"level {lvl.get('label_for_charts')!r} of {name} has no {p}")
        from splink import SettingsCreator

        SettingsCreator.from_path_or_dict(document).get_settings("duckdb")
        labels = _labels(document)
    except LinkageModelUnavailable:
        raise
    except Exception as exc:
        raise refuse(f"Splink cannot read it ({type(exc).__name__}: {exc})") from exc
    term_frequencies = term_frequencies or {}
    # A column may have no value common enough to keep (a small region): then every
    # value counts as an average one, as a rare value does in a larger region.
    missing = [c for c in tf_columns(document) if c not in term_frequencies]
    if missing:
        raise refuse(f"it adjusts for term frequencies of {', '.join(missing)} but has none")
    return LoadedModel(version, document, labels, term_frequencies, key)


def read_default(path: Path | None = None) -> dict[str, Any]:
    """The committed default model document (with its version and format keys)."""
    path = path or MODEL_PATH
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LinkageModelUnavailable(
            f"linkage model: no model is active and the default {path.name} is missing"
        ) from exc
    except (OSError, ValueError) as exc:
        raise LinkageModelUnavailable(
            f"linkage model: the default {path.name} cannot be read ({type(exc).__name__})"
        ) from exc


_current: LoadedModel | None = None


_lock = threading.Lock()


def refresh_active_model() -> LoadedModel:
    """The active model, loaded again only when another one became active (one query);
    :class:`LinkageModelUnavailable` when it cannot be used. Called once per linking run."""
    global _current
    from rits.signals.models import LinkageModel

    row = (
        LinkageModel.objects.filter(active=True)
        .values_list("pk", "version", "activated_at")
        .first()
    )
    key = ("row", *row) if row else ("file", str(MODEL_PATH))
    current = _current
    if current is not None and current.key == key:
        return current
    with _lock:
        if row:
            model = LinkageModel.objects.get(pk=row[0])
            loaded = load_model(
                model.document,
                version=model.version,
                format=model.format,
                term_frequencies=model.term_frequencies,
                key=key,
            )
        else:
            document = read_default()
            if not isinstance(document, dict):
                raise LinkageModelUnavailable("linkage model: the default is not a document")
            loaded = load_model(
                document,
                version=str(document.get(VERSION_KEY, "")),
                format=str(document.get(FORMAT_KEY, "")),
                key=key,
            )
        _current = loaded
        return loaded


def active_model() -> LoadedModel:
    """The model of the current run (the one last loaded in this process; loaded now if
    none was yet)."""
    return _current if _current is not None else refresh_active_model()


def linkage_model() -> dict[str, Any]:
    """The active model's Splink settings: comparisons with their m and u probabilities,
    the prior and the blocking rules."""
    return active_model().settings


def agreement_labels() -> dict[str, dict[int, str]]:
    """Per comparison, what each comparison-vector value means for a reviewer (see
    ``_labels``), for the active model."""
    return active_model().labels


def link_thresholds() -> tuple[float, float]:
    """(link, review): the match probability from which a signal is linked, and from
    which it goes to the review queue."""
    return settings.SIGNAL_LINK_THRESHOLD, settings.SIGNAL_REVIEW_THRESHOLD


def link_margin() -> float:
    """How many bits (log2 of the odds) a candidate from the review threshold must score
    above every other candidate to be linked without review; 0: never."""
    return settings.SIGNAL_LINK_MARGIN


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
