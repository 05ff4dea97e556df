"""Thresholds chosen from scores, so that an operating point is a measured rate, not a guess.

Every threshold here follows one convention: a score is *accepted* when ``score >= threshold``.
Scores can be raw similarities or normalised scores; only their order matters.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from muster.matching.candidates import PersonT
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer

F64Array = npt.NDArray[np.float64]

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


def gallery_impostor_scores(index: ExactIndex[PersonT], scorer: OpenSetScorer) -> F64Array:
    """Top open-set scores of enrolled people searched as if they were not enrolled.

    Each person's first template is searched against everyone else (leave-one-person-out),
    so every score is an impostor's best match: a stand-in for unknown visitors that needs
    nothing but the gallery. ``threshold_for_false_positive_rate(scores, rate)`` then gives a
    `min_score` for a target FPIR, with a resolution of one over the number of persons.
    (Template cohorts still include the left-out person; with hundreds enrolled that shifts
    scores negligibly.)
    """
    first_template: dict[PersonT, int] = {}
    for template_id in index.template_ids():
        first_template.setdefault(index.person_of(template_id), template_id)
    scores = np.full(len(first_template), -math.inf)
    for i, (person, template_id) in enumerate(first_template.items()):
        ranked = scorer.rank(index, index.embedding(template_id), exclude=person)
        if len(ranked):
            scores[i] = float(ranked.scores[0])
    return scores
