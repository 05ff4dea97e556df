"""Thresholds chosen from scores, so that an operating point is a measured rate, not a guess.

Every threshold here follows one convention: a score is *accepted* when ``score >= threshold``.
Scores can be raw similarities or normalised scores; only their order matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from muster.matching.candidates import PersonT
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer

F32Array = npt.NDArray[np.float32]

Scores = npt.ArrayLike
"""A 1-d sequence of scores, higher meaning more alike."""

LOWEST_THRESHOLD = float(-np.finfo(np.float64).max)
"""Accepts every finite score and rejects -inf, the score of a comparison never made."""


def threshold_for_false_positive_rate(impostor_scores: Scores, max_rate: float) -> float:
    """The lowest threshold at which at most `max_rate` of the impostor scores are accepted.

    With n impostor scores at most ``floor(max_rate * n)`` of them may reach the threshold, so
    the achievable rates are steps of 1/n: a rate below 1/n admits no impostor at all (the
    threshold sits just above the highest impostor score). Tied scores are accepted or
    rejected together, so the realised rate can be lower than `max_rate` but never higher.
    Scores of ``-inf`` (for example probes with no face) are never accepted.
    """
    if not 0.0 <= max_rate <= 1.0:
        raise ValueError(f"max_rate must be within 0..1, got {max_rate}")
    scores = np.sort(np.asarray(impostor_scores, dtype=np.float64).ravel())[::-1]
    if scores.size == 0:
        raise ValueError("need at least one impostor score to pick a threshold")
    allowed = math.floor(max_rate * scores.size + 1e-9)
    if allowed >= scores.size:
        # Everything may be accepted, except comparisons that could not be made (-inf).
        return LOWEST_THRESHOLD
    # Accepting anything strictly above the first score we must reject keeps the count of
    # accepted impostors at `allowed` or fewer, whatever the ties.
    return float(np.nextafter(scores[allowed], np.inf))


def threshold_for_accuracy(scores: Scores, same: npt.ArrayLike) -> float:
    """The threshold that classifies the most pairs correctly (genuine iff score >= threshold).

    Candidates are the midpoints between consecutive distinct scores plus one below and one
    above all of them; among equally accurate candidates the lowest wins, so the result is
    deterministic.
    """
    values = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(same, dtype=bool).ravel()
    if values.size == 0 or values.size != labels.size:
        raise ValueError("need equally many scores and labels, at least one")
    finite = np.unique(values[np.isfinite(values)])
    if finite.size == 0:
        return 0.0
    candidates = np.concatenate(
        ([finite[0] - 1.0], (finite[:-1] + finite[1:]) / 2.0, [finite[-1] + 1.0])
    )
    genuine = np.sort(values[labels])
    impostor = np.sort(values[~labels])
    genuine_accepted = genuine.size - np.searchsorted(genuine, candidates, side="left")
    impostor_rejected = np.searchsorted(impostor, candidates, side="left")
    return float(candidates[int(np.argmax(genuine_accepted + impostor_rejected))])


IMPOSTOR_SAMPLE_SEED = 20240611
"""Seeds the sample of stand-in strangers: the same gallery always gives the same scores."""

# A floor on fitted spreads, so a degenerate fit (all scores equal) cannot claim that any
# score above them is impossible.
MIN_SPREAD = 1e-3


def impostor_comparison_scores(
    index: ExactIndex[PersonT], scorer: OpenSetScorer, *, max_probes: int | None = None
) -> F32Array:
    """Open-set scores of enrolled templates searched as if their person were not enrolled.

    Each probe template (all of them, or a fixed sample of `max_probes`) is ranked by
    `scorer` against every *other* person (leave-one-person-out): a stand-in for a stranger
    that needs nothing but the gallery. Row i holds probe i's scores against the other
    persons, best first, so shape (probes, persons - 1); empty with fewer than two persons.

    * Column 0 is each search's top score: thresholding it gives an FPIR per search with a
      resolution of one over the number of probes (`muster eval`).
    * Every cell is one probe-versus-person comparison: their false-match rate per
      comparison lets the gallery size enter the rate (`services.thresholds`).

    (Template cohorts still include the left-out person; with hundreds enrolled that shifts
    scores negligibly.)
    """
    template_ids = index.template_ids()
    persons = index.person_count()
    if persons < 2:
        return np.zeros((0, max(persons - 1, 0)), dtype=np.float32)
    if max_probes is not None and len(template_ids) > max_probes:
        rng = np.random.default_rng(IMPOSTOR_SAMPLE_SEED)
        sample = rng.choice(len(template_ids), max_probes, replace=False)
        template_ids = [template_ids[i] for i in sorted(sample.tolist())]
    rows = [
        scorer.rank(index, index.embedding(t), exclude=index.person_of(t)).scores
        for t in template_ids
    ]
    return np.asarray(np.stack(rows), dtype=np.float32)


@dataclass(frozen=True, slots=True)
class ExponentialTail:
    """The upper tail of an impostor score distribution, as extreme-value theory models a
    light-tailed one (peaks over a threshold): a share `share` of impostor scores reach
    `start`, and above it each further `mean_excess` makes them e times rarer:

        rate(t) = share * exp(-(t - start) / mean_excess)    for t >= start
    """

    start: float
    share: float
    mean_excess: float

    def __post_init__(self) -> None:
        if not 0.0 < self.share <= 1.0:
            raise ValueError(f"share must be within (0, 1], got {self.share}")
        if self.mean_excess <= 0.0:
            raise ValueError(f"mean_excess must be positive, got {self.mean_excess}")

    @classmethod
    def fit(cls, scores: Scores, tail_count: int) -> ExponentialTail:
        """The maximum-likelihood fit to the top `tail_count` of `scores` (at least two)."""
        values = np.sort(np.asarray(scores, dtype=np.float64).ravel())
        values = values[np.isfinite(values)]
        if values.size < 2 or tail_count < 2:
            raise ValueError("need at least two finite scores in the tail to fit it")
        top = values[-min(tail_count, values.size) :]
        start = float(top[0])
        mean_excess = max(float((top - start).mean()), MIN_SPREAD)
        return cls(start=start, share=top.size / values.size, mean_excess=mean_excess)

    def rate_at(self, threshold: float) -> float:
        """The modelled share of impostor scores at or above `threshold` (`share` below
        `start`, where the model says nothing finer)."""
        return self.share * math.exp(-max(threshold - self.start, 0.0) / self.mean_excess)

    def threshold_for(self, rate: float) -> float:
        """The score whose modelled rate is `rate`; `start` for rates of `share` or more,
        which is stricter than needed but never laxer."""
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"rate must be within (0, 1], got {rate}")
        return self.start + self.mean_excess * math.log(max(self.share / rate, 1.0))
