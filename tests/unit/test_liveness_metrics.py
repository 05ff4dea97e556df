"""Presentation-attack metrics (ISO/IEC 30107-3 APCER, BPCER, ACER) on hand-made scores.
Nothing real here but the arithmetic: scores and labels are written out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from muster.eval.liveness import (
    LIVE,
    PRINT,
    REPLAY,
    WHOLE_CROP,
    LivenessSample,
    ScoredSample,
    acer,
    apcer,
    apcer_at_bpcer,
    bpcer,
    evaluate_liveness,
    evaluate_subset,
    threshold_at_bpcer,
)

TEN_LIVE = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def _scored(attack: str, score: float, subset: str = "set", source: str = "hog") -> ScoredSample:
    sample = LivenessSample(Path(f"{attack}-{score}.png"), attack, subset)
    return ScoredSample(sample, score, source)


def test_apcer_counts_attacks_at_or_above_the_threshold_as_accepted() -> None:
    assert apcer([0.2, 0.5, 0.7, 0.9], 0.5) == 0.75


def test_bpcer_counts_live_scores_below_the_threshold_as_rejected() -> None:
    assert bpcer([0.2, 0.5, 0.7, 0.9], 0.5) == 0.25


def test_rates_of_no_scores_are_nan_rather_than_zero() -> None:
    assert math.isnan(apcer([], 0.5))
    assert math.isnan(bpcer([], 0.5))


def test_acer_takes_the_worst_attack_type_not_the_average() -> None:
    assert acer([0.1, 0.3], 0.1) == pytest.approx(0.2)


def test_threshold_at_bpcer_rejects_at_most_the_allowed_share_of_live_scores() -> None:
    assert threshold_at_bpcer(TEN_LIVE, 0.10) == 0.2
    assert bpcer(TEN_LIVE, 0.2) == 0.1
    assert threshold_at_bpcer(TEN_LIVE, 0.05) == 0.1
    assert bpcer(TEN_LIVE, 0.1) == 0.0


def test_threshold_at_bpcer_is_infinite_when_every_live_score_may_be_rejected() -> None:
    assert threshold_at_bpcer(TEN_LIVE, 1.0) == math.inf


def test_threshold_at_bpcer_needs_live_scores() -> None:
    with pytest.raises(ValueError, match="at least one live score"):
        threshold_at_bpcer([], 0.1)


def test_apcer_at_bpcer_reports_the_attacks_accepted_at_that_threshold() -> None:
    point = apcer_at_bpcer(TEN_LIVE, [0.05, 0.15, 0.25, 0.35], 0.10)
    assert point.threshold == 0.2
    assert point.false_positive_rate == 0.5
    assert point.false_negative_rate == 0.1


def test_subset_report_gives_apcer_per_attack_type_and_counts_face_sources() -> None:
    scored = [
        _scored(LIVE, 0.9),
        _scored(LIVE, 0.3, source=WHOLE_CROP),
        _scored(PRINT, 0.6),
        _scored(PRINT, 0.1),
        _scored(REPLAY, 0.2, source="cnn"),
    ]
    report = evaluate_subset("set", scored, threshold=0.5)
    assert report.live == 2
    assert report.attacks == {PRINT: 2, REPLAY: 1}
    assert report.apcer == {PRINT: 0.5, REPLAY: 0.0}
    assert report.bpcer == 0.5
    assert report.acer == 0.5
    assert report.face_sources == {"cnn": 1, "hog": 3, WHOLE_CROP: 1}
    assert [p.false_negative_rate for p in report.at_bpcer] == [0.0, 0.0]


def test_subset_report_needs_both_live_and_attack_samples() -> None:
    with pytest.raises(ValueError, match="need live and attack"):
        evaluate_subset("set", [_scored(LIVE, 0.9)], threshold=0.5)


def test_combined_report_leaves_the_train_subjects_out_of_all_test() -> None:
    scored = [
        _scored(LIVE, 0.9, "nuaa_train"),
        _scored(PRINT, 0.8, "nuaa_train"),
        _scored(LIVE, 0.7, "nuaa_test"),
        _scored(PRINT, 0.1, "nuaa_test"),
        _scored(LIVE, 0.6, "silent_face"),
        _scored(REPLAY, 0.4, "silent_face"),
    ]
    report = evaluate_liveness(scored, threshold=0.5)
    by_name = {s.name: s for s in report.subsets}
    assert set(by_name) == {"nuaa_train", "nuaa_test", "silent_face", "all_test"}
    assert by_name["all_test"].live == 2
    assert by_name["all_test"].apcer == {PRINT: 0.0, REPLAY: 0.0}
    assert by_name["nuaa_train"].apcer == {PRINT: 1.0}
    assert [(i.attack, i.judged_live) for i in report.images] == [(LIVE, True), (REPLAY, False)]
