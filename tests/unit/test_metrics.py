"""Metrics and thresholds on hand-made score arrays whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from muster.eval.metrics import (
    OpenSetScores,
    accuracy,
    det_curve,
    fnir_at,
    fnir_at_fpir,
    rank1_accuracy,
    roc_auc,
    tar_at_far,
)
from muster.matching.calibration import (
    threshold_for_accuracy,
    threshold_for_false_positive_rate,
)

TEN_IMPOSTORS = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]


def _pairs(genuine: list[float], impostor: list[float]) -> tuple[np.ndarray, np.ndarray]:
    scores = np.array(genuine + impostor)
    same = np.array([True] * len(genuine) + [False] * len(impostor))
    return scores, same


def test_accuracy_counts_a_score_equal_to_the_threshold_as_accepted() -> None:
    scores, same = _pairs([0.9, 0.5], [0.3, 0.1])
    assert accuracy(scores, same, threshold=0.5) == 1.0
    assert accuracy(scores, same, threshold=0.6) == 0.75


def test_accuracy_threshold_falls_midway_between_separable_classes() -> None:
    scores, same = _pairs([0.9, 0.8], [0.3, 0.1])
    assert threshold_for_accuracy(scores, same) == pytest.approx(0.55)


def test_accuracy_threshold_picks_the_best_cut_through_overlapping_classes() -> None:
    # Cutting at 0.45 gets 5 of 6 right; no other cut does as well.
    scores, same = _pairs([0.9, 0.7, 0.5], [0.6, 0.4, 0.1])
    threshold = threshold_for_accuracy(scores, same)
    assert 0.4 < threshold < 0.5
    assert accuracy(scores, same, threshold) == pytest.approx(5 / 6)


def test_accuracy_threshold_never_accepts_pairs_scored_minus_infinity() -> None:
    scores, same = _pairs([-math.inf, 0.9], [-math.inf, 0.2])
    threshold = threshold_for_accuracy(scores, same)
    assert accuracy(scores, same, threshold) == 0.75


def test_roc_auc_is_one_for_perfect_separation_and_zero_for_reversed() -> None:
    scores, same = _pairs([0.9, 0.8], [0.3, 0.1])
    assert roc_auc(scores, same) == 1.0
    assert roc_auc(-scores, same) == 0.0


def test_roc_auc_counts_the_fraction_of_genuine_impostor_pairs_ordered_right() -> None:
    # 0.8 beats both impostors, 0.4 beats only 0.2: 3 of 4 orderings are right.
    assert roc_auc(*_pairs([0.8, 0.4], [0.6, 0.2])) == 0.75


def test_roc_auc_counts_a_tie_as_half() -> None:
    assert roc_auc(*_pairs([0.5], [0.5, 0.1])) == 0.75
    assert roc_auc(*_pairs([0.5, 0.5], [0.5, 0.5])) == 0.5


def test_roc_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="genuine and one impostor"):
        roc_auc([0.1, 0.2], [True, True])


def test_nan_scores_are_rejected() -> None:
    with pytest.raises(ValueError, match="NaN"):
        roc_auc(*_pairs([math.nan], [0.1]))


def test_tar_at_far_allows_one_impostor_in_ten_at_far_a_tenth() -> None:
    scores, same = _pairs([0.95, 0.85, 0.5], TEN_IMPOSTORS)
    point = tar_at_far(scores, same, far=0.1)
    assert point.false_positive_rate == pytest.approx(0.1)
    assert 0.8 < point.threshold <= 0.85
    assert point.false_negative_rate == pytest.approx(1 / 3)


def test_tar_at_far_below_the_resolution_rejects_every_impostor() -> None:
    scores, same = _pairs([0.95, 0.85, 0.5], TEN_IMPOSTORS)
    point = tar_at_far(scores, same, far=0.05)
    assert point.false_positive_rate == 0.0
    assert point.threshold > 0.9
    assert point.false_negative_rate == pytest.approx(2 / 3)


def test_tied_impostors_are_rejected_together_so_the_far_is_never_exceeded() -> None:
    impostors = [0.9, 0.9, *TEN_IMPOSTORS[2:]]
    scores, same = _pairs([0.95, 0.85], impostors)
    point = tar_at_far(scores, same, far=0.1)
    assert point.false_positive_rate == 0.0
    assert point.false_negative_rate == 0.5


def test_far_one_accepts_every_finite_score_but_never_minus_infinity() -> None:
    threshold = threshold_for_false_positive_rate([0.3, -math.inf], 1.0)
    assert threshold <= -1e300
    assert not -math.inf >= threshold


def test_false_positive_rate_outside_zero_to_one_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        threshold_for_false_positive_rate([0.1], 1.5)


def _open_set(
    known: list[float], mates: list[bool], unknown: list[float] = TEN_IMPOSTORS
) -> OpenSetScores:
    return OpenSetScores(
        known_top_scores=np.array(known, dtype=np.float64),
        known_mate_top1=np.array(mates, dtype=bool),
        unknown_top_scores=np.array(unknown, dtype=np.float64),
    )


def test_fnir_counts_a_confident_wrong_top_candidate_as_a_miss() -> None:
    result = _open_set([0.95, 0.92, 0.91, 0.5], [True, True, False, True])
    point = fnir_at_fpir(result, fpir=0.1)
    assert point.false_positive_rate == pytest.approx(0.1)
    assert point.false_negative_rate == pytest.approx(0.5)


def test_fnir_at_zero_fpir_sets_the_threshold_above_every_unknown_probe() -> None:
    result = _open_set([0.95, 0.9, 0.85], [True, True, True])
    point = fnir_at_fpir(result, fpir=0.0)
    assert point.false_positive_rate == 0.0
    assert point.false_negative_rate == pytest.approx(2 / 3)


def test_probes_without_a_face_are_misses_when_known_and_never_false_positives() -> None:
    result = _open_set([-math.inf, 0.95], [False, True], unknown=[-math.inf, -math.inf])
    point = fnir_at_fpir(result, fpir=1.0)
    assert point.false_positive_rate == 0.0
    assert point.false_negative_rate == 0.5


def test_fnir_at_a_fixed_threshold_uses_greater_or_equal() -> None:
    result = _open_set([0.8, 0.7], [True, True], unknown=[0.8, 0.1])
    point = fnir_at(result, threshold=0.8)
    assert point.false_positive_rate == 0.5
    assert point.false_negative_rate == 0.5


def test_rank1_accuracy_ignores_scores() -> None:
    result = _open_set([0.1, 0.2, 0.3, -math.inf], [True, True, False, False])
    assert rank1_accuracy(result) == 0.5


def test_det_curve_trades_false_positives_for_false_negatives() -> None:
    result = _open_set([0.95, 0.85, 0.55, 0.3], [True, True, True, False])
    curve = det_curve(result)
    assert np.all(np.diff(curve.thresholds) > 0)
    assert np.all(np.diff(curve.fpir) <= 0)
    assert np.all(np.diff(curve.fnir) >= 0)
    # At the lowest threshold every unknown probe is accepted and only the wrong-mate probe
    # is missed; above the highest unknown score, 0.95 is the only hit.
    assert curve.fpir[0] == 1.0
    assert curve.fnir[0] == 0.25
    above_unknowns = curve.thresholds > 0.9
    assert np.all(curve.fpir[above_unknowns] == 0.0)
    assert curve.fnir[above_unknowns][0] == 0.75
