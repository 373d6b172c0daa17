"""Where one answer's time goes, stage by stage (plan, dense, lexical, fusion, sentences,
abstention, support, related, reading): the bench prints each stage's share, so the next
slowdown points at the step that caused it rather than at "answering"."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# the order stages run in, the order reports list them in
STAGES = (
    "plan",
    "comparison",  # a comparison table and each compared case's passages, retrieval included
    "dense",
    "lexical",
    "fusion",
    "sentences",
    "abstention",
    "support",
    "related",
    "reading",
)


@dataclass
class StageClock:
    """Seconds spent per stage of one answer; a stage entered twice adds up."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def milliseconds(self) -> dict[str, float]:
        """Each stage's milliseconds, in STAGES order, then any other stage by name."""
        order = [s for s in STAGES if s in self.seconds] + sorted(set(self.seconds) - set(STAGES))
        return {s: round(self.seconds[s] * 1000, 2) for s in order}
