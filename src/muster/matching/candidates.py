"""What a gallery search returns: one candidate per enrolled person, best first."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

PersonT = TypeVar("PersonT", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ScoredCandidate(Generic[PersonT]):
    """A person's best template for one probe.

    similarity: raw cosine similarity of that template to the probe (-1..1, higher is closer).
    score: the open-set score a decision thresholds: equal to `similarity` straight from the
    index, a normalised score after an `OpenSetScorer` (muster.matching.normalization).
    """

    person_id: PersonT
    template_id: int
    similarity: float
    score: float


@dataclass(frozen=True, slots=True)
class RankedPersons(Generic[PersonT]):
    """Every enrolled person once, sorted by `scores` (their best template's score for the
    probe), highest first; `similarities` holds the raw cosine similarity of that same
    template. Straight from the index the two are equal; a normalising scorer ranks by its
    own scores. The whole list is what score normalisation uses as its cohort."""

    persons: list[PersonT]
    template_ids: list[int]
    similarities: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.persons)

    def top(self, k: int) -> list[ScoredCandidate[PersonT]]:
        """The first `k` candidates (fewer when fewer persons are enrolled)."""
        return [
            ScoredCandidate(self.persons[i], self.template_ids[i], similarity, score)
            for i, (similarity, score) in enumerate(
                zip(self.similarities[:k].tolist(), self.scores[:k].tolist(), strict=True)
            )
        ]
