"""What the rules conclude, as the pipeline hands it on: the alerts to raise (or join: work
items of the worklist) and
the concern matches to record. The rules only build these; ``signals.pipeline`` routes
them to ``alerts.raise_alerts`` and ``alerts.record_concern_matches``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rits.worklist.services import WorkItemDraft


@dataclass
class ConcernMatchDraft:
    """A concern match the rule found, to be recorded (or joined) by
    ``record_concern_matches``. ``organisations``: each with ``pk`` and ``name``."""

    family_id: int
    key: str
    organisations: Sequence
    signal_ids: Sequence[int] = ()

    @property
    def identity(self) -> tuple[int, str]:
        return self.family_id, self.key


@dataclass
class Findings:
    """What the rules concluded about one chunk of families."""

    alerts: list[WorkItemDraft] = field(default_factory=list)
    concern_matches: list[ConcernMatchDraft] = field(default_factory=list)
