"""The life domains a plan assesses and the self-sufficiency scale they are scored on.

Both are configurable per region (``RITS_PLAN_DOMAINS``, ``RITS_PLAN_SCALE_FILE``). The
default wording is our own: the official instrument's anchor texts are licensed."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from rits.core.domains import LifeDomain, in_order


@dataclass(frozen=True)
class ScaleStep:
    score: int
    label: str
    description: str


DEFAULT_SCALE = (
    ScaleStep(1, _("Acute problems"), _("It is not going well at all. Help is needed right now.")),
    ScaleStep(2, _("Not self-reliant"), _("It is not going well. Help is needed.")),
    ScaleStep(3, _("Barely self-reliant"), _("It is just about going, with a lot of effort.")),
    ScaleStep(4, _("Self-reliant"), _("It is going well enough, sometimes with a little help.")),
    ScaleStep(5, _("Fully self-reliant"), _("It is going well without help.")),
)

SAFETY_SCALE = range(0, 11)  # Signs of Safety: 0 = the child cannot stay, 10 = safe enough


@cache
def assessment_scale() -> tuple[ScaleStep, ...]:
    path = settings.PLAN_SCALE_FILE
    if not path:
        return DEFAULT_SCALE
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        steps = tuple(
            ScaleStep(int(s["score"]), str(s["label"]), str(s.get("description", ""))) for s in raw
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"RITS_PLAN_SCALE_FILE {path}: {exc}") from None
    scores = [s.score for s in steps]
    if len(steps) < 2 or scores != list(range(scores[0], scores[0] + len(scores))):
        raise ImproperlyConfigured(
            f"RITS_PLAN_SCALE_FILE {path}: scores must be consecutive whole numbers"
        )
    return steps


def scale_step(score: int | None) -> ScaleStep | None:
    return next((s for s in assessment_scale() if s.score == score), None)


@cache
def assessed_domains() -> tuple[str, ...]:
    """The life domains a plan looks at (the region chooses which), in LifeDomain's order:
    the one order in which Rits lists life domains everywhere."""
    configured = settings.PLAN_DOMAINS or LifeDomain.values
    unknown = [d for d in configured if d not in LifeDomain.values]
    if unknown:
        raise ImproperlyConfigured(f"RITS_PLAN_DOMAINS: unknown life domains {unknown}")
    return tuple(in_order(configured))
