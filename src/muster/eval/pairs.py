"""Verification on a pairs protocol: is each pair the same person?

Protocol handling: with a ``fold`` column, k-fold cross-validation (each fold's threshold is
the most accurate one on the other folds; accuracy is reported as mean ± standard deviation
over folds). With a ``split`` column, the threshold is picked on the train rows and everything
is reported on the test rows. The threshold-free metrics (ROC AUC, TAR at a fixed FAR) are
computed over all reported pairs at once.

A pair in which either image had no face is scored -inf: a non-match at every threshold, so it
is an error when the pair is genuine and a correct rejection when it is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from muster.domain.faces import Embedding
from muster.eval.metrics import F64Array, accuracy, roc_auc, tar_at_far
from muster.eval.protocols import Pair, ProtocolFileError, Split
from muster.matching.calibration import threshold_for_accuracy

MISSING_FACE_POLICY = "scored -inf: a non-match at every threshold"

PairScorer = Callable[[Embedding, Embedding], float]


@dataclass(frozen=True, slots=True)
class PairsReport:
    """Verification results. Rates are fractions (0..1); `accuracy_std` is None without folds.

    `threshold` is the single threshold applied to the test rows (split protocols) or the mean
    of the per-fold thresholds (fold protocols); for cosine scores it is a similarity."""

    protocol: str
    reported_pairs: int
    genuine_pairs: int
    accuracy: float
    accuracy_std: float | None
    threshold: float
    roc_auc: float
    far: float
    tar_at_far: float
    threshold_at_far: float
    images_without_face: int
    pairs_without_face: int
    missing_face_policy: str = MISSING_FACE_POLICY


def score_pairs(
    pairs: Sequence[Pair], embeddings: Mapping[Path, Embedding], scorer: PairScorer
) -> F64Array:
    """One score per pair; -inf where either image has no embedding."""
    scores = np.full(len(pairs), -math.inf)
    for i, pair in enumerate(pairs):
        a, b = embeddings.get(pair.path_a), embeddings.get(pair.path_b)
        if a is not None and b is not None:
            scores[i] = scorer(a, b)
    return scores


def evaluate_pairs(
    pairs: Sequence[Pair],
    scores: F64Array,
    *,
    far: float = 1e-3,
    images_without_face: int = 0,
) -> PairsReport:
    """Metrics for scored pairs; the protocol (folds or train/test) follows the pairs."""
    same = np.array([pair.same for pair in pairs], dtype=bool)
    folds = [pair.fold for pair in pairs]
    if all(fold is not None for fold in folds):
        fold_ids = np.array(folds)
        test = np.ones(len(pairs), dtype=bool)
        accuracies, thresholds = _cross_validate(scores, same, fold_ids)
        protocol = f"{len(accuracies)}-fold cross-validation"
        mean_accuracy, std = float(np.mean(accuracies)), float(np.std(accuracies))
        threshold = float(np.mean(thresholds))
    else:
        splits = np.array([pair.split for pair in pairs])
        train, test = splits == Split.TRAIN, splits == Split.TEST
        if not train.any() or not test.any():
            raise ProtocolFileError(
                "a split protocol needs train rows (to pick the threshold) and test rows "
                "(to report on); pass the train pairs with --train"
            )
        threshold = threshold_for_accuracy(scores[train], same[train])
        mean_accuracy, std = accuracy(scores[test], same[test], threshold), None
        protocol = f"threshold from {int(train.sum())} train pairs, reported on test"
    operating = tar_at_far(scores[test], same[test], far)
    return PairsReport(
        protocol=protocol,
        reported_pairs=int(test.sum()),
        genuine_pairs=int(same[test].sum()),
        accuracy=mean_accuracy,
        accuracy_std=std,
        threshold=threshold,
        roc_auc=roc_auc(scores[test], same[test]),
        far=far,
        tar_at_far=1.0 - operating.false_negative_rate,
        threshold_at_far=operating.threshold,
        images_without_face=images_without_face,
        pairs_without_face=int(np.sum(~np.isfinite(scores[test]))),
    )


def _cross_validate(
    scores: F64Array, same: np.ndarray, fold_ids: np.ndarray
) -> tuple[list[float], list[float]]:
    folds = np.unique(fold_ids)
    if folds.size < 2:
        raise ProtocolFileError("cross-validation needs at least two folds")
    accuracies, thresholds = [], []
    for fold in folds:
        held_out = fold_ids == fold
        threshold = threshold_for_accuracy(scores[~held_out], same[~held_out])
        thresholds.append(threshold)
        accuracies.append(accuracy(scores[held_out], same[held_out], threshold))
    return accuracies, thresholds
