"""Matching embeddings against an enrolled gallery: cosine similarity, an exact index with
top-k per person, open-set scorers (raw and gallery-cohort-normalised), the open-set decision
and threshold calibration. Pure numpy; no models, no storage."""

from muster.matching.candidates import RankedPersons, ScoredCandidate
from muster.matching.decision import Identified, OpenSetPolicy, Unknown, UnknownReason
from muster.matching.index import ExactIndex
from muster.matching.normalization import (
    CohortCentredScorer,
    GallerySizeAwareScorer,
    OpenSetScorer,
    RawSimilarityScorer,
    ScoreScale,
)

DEFAULT_OPEN_SET_SCORER = GallerySizeAwareScorer()
"""The recommended open-set scorer: cohort-centred from 100 enrolled persons, raw cosine below
(measured in docs/accuracy.md). It reads the size of the index it is given, so with a
candidate view of a larger gallery (matching.ann) pass `CohortCentredScorer` directly."""

__all__ = [
    "DEFAULT_OPEN_SET_SCORER",
    "CohortCentredScorer",
    "ExactIndex",
    "GallerySizeAwareScorer",
    "Identified",
    "OpenSetPolicy",
    "OpenSetScorer",
    "RankedPersons",
    "RawSimilarityScorer",
    "ScoreScale",
    "ScoredCandidate",
    "Unknown",
    "UnknownReason",
]
