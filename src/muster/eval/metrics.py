"""Verification and open-set identification metrics over plain score arrays.

Conventions: higher scores mean more alike and a score is accepted when ``score >= threshold``
(see muster.matching.calibration). A comparison that could not be made (no face found) is
scored ``-inf``: it is never accepted, so for genuine pairs and known probes it is a miss and
for impostors and unknown probes a correct rejection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from muster.matching.calibration import threshold_for_false_positive_rate

BoolArray = npt.NDArray[np.bool_]
F64Array = npt.NDArray[np.float64]


def _scores(values: npt.ArrayLike) -> F64Array:
    array = np.asarray(values, dtype=np.float64).ravel()
    if np.isnan(array).any():
        raise ValueError("scores must not be NaN (score a missing comparison as -inf)")
    return array


def _split(scores: npt.ArrayLike, same: npt.ArrayLike) -> tuple[F64Array, F64Array]:
    values = _scores(scores)
    labels = np.asarray(same, dtype=bool).ravel()
    if values.size != labels.size:
        raise ValueError(f"{values.size} scores but {labels.size} labels")
    return values[labels], values[~labels]


def accuracy(scores: npt.ArrayLike, same: npt.ArrayLike, threshold: float) -> float:
    """Fraction of pairs classified correctly when genuine means ``score >= threshold``."""
    values = _scores(scores)
    labels = np.asarray(same, dtype=bool).ravel()
    if values.size == 0 or values.size != labels.size:
        raise ValueError("need equally many scores and labels, at least one")
    return float(np.mean((values >= threshold) == labels))


def roc_auc(scores: npt.ArrayLike, same: npt.ArrayLike) -> float:
    """Area under the ROC curve: the probability that a random genuine pair outscores a random
    impostor pair, ties counting one half (the Mann-Whitney U statistic). Needs both kinds."""
    genuine, impostor = _split(scores, same)
    if genuine.size == 0 or impostor.size == 0:
        raise ValueError("ROC AUC needs at least one genuine and one impostor score")
    impostor_sorted = np.sort(impostor)
    below = np.searchsorted(impostor_sorted, genuine, side="left")
    not_above = np.searchsorted(impostor_sorted, genuine, side="right")
    wins = below.sum() + 0.5 * (not_above - below).sum()
    return float(wins / (genuine.size * impostor.size))


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """A threshold and the rates measured at it (fractions, 0..1)."""

    threshold: float
    false_positive_rate: float
    false_negative_rate: float


def tar_at_far(scores: npt.ArrayLike, same: npt.ArrayLike, far: float) -> OperatingPoint:
    """True-accept rate at the lowest threshold whose false-accept rate is at most `far`.

    `false_negative_rate` of the result is ``1 - TAR``. With n impostor pairs the FAR
    resolution is 1/n: below it the threshold sits above every impostor score.
    """
    genuine, impostor = _split(scores, same)
    if genuine.size == 0:
        raise ValueError("TAR needs at least one genuine score")
    threshold = threshold_for_false_positive_rate(impostor, far)
    return OperatingPoint(
        threshold=threshold,
        false_positive_rate=float(np.mean(impostor >= threshold)),
        false_negative_rate=float(np.mean(genuine < threshold)),
    )


@dataclass(frozen=True, slots=True)
class OpenSetScores:
    """What an open-set search returned for each probe.

    known_top_scores / known_mate_top1: for each probe whose identity is enrolled, the best
    score over the gallery and whether that best candidate is the right person.
    unknown_top_scores: for each probe whose identity is not enrolled, the best score.
    Probes with no usable face are scored -inf (and a known one is not a mate at rank 1).
    """

    known_top_scores: F64Array
    known_mate_top1: BoolArray
    unknown_top_scores: F64Array

    def __post_init__(self) -> None:
        if self.known_top_scores.shape != self.known_mate_top1.shape:
            raise ValueError("need one mate flag per known probe")


def rank1_accuracy(result: OpenSetScores) -> float:
    """Closed-set rank-1 identification rate: fraction of known probes whose best candidate
    is their mate, whatever the score."""
    return float(np.mean(result.known_mate_top1)) if result.known_mate_top1.size else 0.0


def fnir_at(result: OpenSetScores, threshold: float) -> OperatingPoint:
    """NIST open-set rates at one threshold.

    FPIR: fraction of unknown probes whose top score is >= threshold.
    FNIR: fraction of known probes whose mate is not at rank 1 with a score >= threshold.
    """
    known = _scores(result.known_top_scores)
    unknown = _scores(result.unknown_top_scores)
    hits = result.known_mate_top1 & (known >= threshold)
    return OperatingPoint(
        threshold=threshold,
        false_positive_rate=float(np.mean(unknown >= threshold)) if unknown.size else 0.0,
        false_negative_rate=float(1.0 - np.mean(hits)) if hits.size else 0.0,
    )


def fnir_at_fpir(result: OpenSetScores, fpir: float) -> OperatingPoint:
    """FNIR at the lowest threshold whose FPIR is at most `fpir`, the threshold being read
    off the same unknown probes (the DET curve's convention; an honest deployment picks it on
    other data, see eval.identify)."""
    threshold = threshold_for_false_positive_rate(result.unknown_top_scores, fpir)
    return fnir_at(result, threshold)


@dataclass(frozen=True, slots=True)
class DetCurve:
    """FPIR and FNIR at every distinct threshold, thresholds ascending (so FPIR descends)."""

    thresholds: F64Array
    fpir: F64Array
    fnir: F64Array


def det_curve(result: OpenSetScores) -> DetCurve:
    """The detection-error trade-off over all thresholds that change either rate."""
    known = _scores(result.known_top_scores)
    unknown = _scores(result.unknown_top_scores)
    thresholds = np.unique(np.concatenate((known, unknown)))
    thresholds = thresholds[np.isfinite(thresholds)]
    unknown_sorted = np.sort(unknown)
    hit_scores = np.sort(known[result.known_mate_top1])
    unknown_accepted = unknown.size - np.searchsorted(unknown_sorted, thresholds, side="left")
    hits = hit_scores.size - np.searchsorted(hit_scores, thresholds, side="left")
    return DetCurve(
        thresholds=thresholds,
        fpir=unknown_accepted / max(unknown.size, 1),
        fnir=1.0 - hits / max(known.size, 1),
    )
