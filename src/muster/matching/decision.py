"""The open-set decision: is the probe one of the enrolled people, and if so who?

A probe is identified as the top-scoring person only when both hold:

* ``score >= min_score`` — the top score clears the threshold, and
* ``score - runner_up_score >= min_margin`` — no second person scores nearly as well (an
  ambiguous probe is safer reported unknown than given the wrong name).

Otherwise it is unknown, with the reason. Scores come from an `OpenSetScorer` (raw cosine
similarity or a normalised score), and `min_score` / `min_margin` are on that scorer's scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic

from muster.matching.candidates import PersonT, ScoredCandidate


class UnknownReason(StrEnum):
    EMPTY_GALLERY = "empty_gallery"
    BELOW_THRESHOLD = "below_threshold"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class Identified(Generic[PersonT]):
    """The probe is `candidate.person_id`; `margin` is its score lead over the runner-up
    person (infinite when only one person is enrolled)."""

    candidate: ScoredCandidate[PersonT]
    margin: float


@dataclass(frozen=True, slots=True)
class Unknown(Generic[PersonT]):
    """Nobody enrolled, or nobody confidently: `best` is the top candidate when there was one."""

    reason: UnknownReason
    best: ScoredCandidate[PersonT] | None


@dataclass(frozen=True, slots=True)
class OpenSetPolicy:
    """Thresholds of the decision, on the scorer's scale."""

    min_score: float
    min_margin: float = 0.0

    def decide(
        self, candidates: Sequence[ScoredCandidate[PersonT]]
    ) -> Identified[PersonT] | Unknown[PersonT]:
        """Decides from candidates ranked best first (as a scorer returns them)."""
        if not candidates:
            return Unknown(UnknownReason.EMPTY_GALLERY, None)
        best = candidates[0]
        margin = best.score - candidates[1].score if len(candidates) > 1 else math.inf
        if not best.score >= self.min_score:
            return Unknown(UnknownReason.BELOW_THRESHOLD, best)
        if margin < self.min_margin:
            return Unknown(UnknownReason.AMBIGUOUS, best)
        return Identified(best, margin)
