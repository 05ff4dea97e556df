"""The open-set threshold maths (muster.services.thresholds) on synthetic scores whose true
distribution is known, and on hand-made embeddings. Pure: no models, no database."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from statistics import NormalDist

import numpy as np
import pytest

from muster.config import RecognitionSettings
from muster.matching.calibration import impostor_comparison_scores
from muster.matching.index import ExactIndex
from muster.matching.normalization import (
    CohortCentredScorer,
    GallerySizeAwareScorer,
    RawSimilarityScorer,
)
from muster.services.thresholds import (
    ImpostorScores,
    ThresholdMethod,
    calibrate_index,
    choose_threshold,
    fpir_for,
    per_comparison_rate,
    prior_tail,
)

NOW = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
RAW = RawSimilarityScorer()
COHORT = CohortCentredScorer()


def normal_scores(count: int, seed: int = 7) -> ImpostorScores:
    return ImpostorScores.of(np.random.default_rng(seed).standard_normal(count))


def true_quantile(rate: float) -> float:
    return NormalDist().inv_cdf(1.0 - rate)


def test_the_per_comparison_rate_shrinks_with_the_gallery_and_inverts_exactly() -> None:
    assert per_comparison_rate(0.01, 1) == pytest.approx(0.01)
    assert per_comparison_rate(0.01, 100) == pytest.approx(0.01 / 100, rel=0.01)
    assert fpir_for(per_comparison_rate(0.05, 250), 250) == pytest.approx(0.05)


def test_with_plenty_of_scores_the_threshold_is_the_empirical_quantile() -> None:
    threshold, method = normal_scores(20_000).threshold_for(0.01)

    assert method is ThresholdMethod.EMPIRICAL
    assert threshold == pytest.approx(true_quantile(0.01), abs=0.1)


def test_a_small_sample_is_extrapolated_with_a_normal_tail_above_every_score() -> None:
    scores = normal_scores(999)  # just under EXPONENTIAL_TAIL_MIN_SCORES

    threshold, method = scores.threshold_for(1e-4)

    assert method is ThresholdMethod.GAUSSIAN_TAIL
    assert threshold == pytest.approx(true_quantile(1e-4), abs=0.3)
    assert threshold > scores.sorted_scores[-1]
    assert scores.rate_at(threshold) == pytest.approx(1e-4, rel=0.05)


def test_a_large_sample_with_a_strict_target_is_extrapolated_from_its_own_tail() -> None:
    scores = normal_scores(20_000)

    threshold, method = scores.threshold_for(1e-5)

    assert method is ThresholdMethod.EXPONENTIAL_TAIL
    # An exponential tail is heavier than a normal one: a little stricter, never laxer.
    assert true_quantile(1e-5) <= threshold <= true_quantile(1e-5) + 0.8
    assert scores.rate_at(threshold) == pytest.approx(1e-5, rel=0.05)


def test_one_outlying_score_does_not_drive_a_large_gallerys_threshold() -> None:
    # A duplicate photo filed under two names gives one near-1 impostor score.
    scores = ImpostorScores.of(np.append(np.random.default_rng(3).normal(0.8, 0.03, 50_000), 0.999))

    threshold, _ = scores.threshold_for(1e-6)

    assert threshold < 0.99


def index_of(person_ids: list[int], embeddings: np.ndarray) -> ExactIndex[int]:
    index: ExactIndex[int] = ExactIndex(embeddings.shape[1])
    for template_id, (person, embedding) in enumerate(zip(person_ids, embeddings, strict=True)):
        index.add(template_id, person, embedding)
    return index


def test_each_template_is_scored_against_every_other_persons_best_template() -> None:
    embeddings = np.eye(4, dtype=np.float32)[[0, 1, 2, 2]]
    embeddings[1] = np.array([0.6, 0.8, 0, 0], dtype=np.float32)  # person 1, close to person 0
    index = index_of([0, 1, 2, 2], embeddings)

    scores = impostor_comparison_scores(index, RAW, max_probes=10)

    # 4 templates x 2 other people, each row best first; person 0 vs person 1 is 0.6 both
    # ways, the rest 0.
    assert scores.shape == (4, 2)
    assert scores.ravel().tolist() == pytest.approx([0.6, 0, 0.6, 0, 0, 0, 0, 0])


def test_at_most_max_probes_templates_play_strangers() -> None:
    index = index_of([0, 1, 2, 3, 4, 5], np.eye(6, dtype=np.float32))

    scores = impostor_comparison_scores(index, RAW, max_probes=4)

    assert scores.shape == (4, 5)


def test_fewer_than_two_people_on_a_scale_without_a_prior_fall_back_to_the_strict_setting() -> None:
    settings = RecognitionSettings(fallback_min_similarity=0.95)

    choice = choose_threshold(
        ImpostorScores.of([]),
        settings,
        scorer=COHORT,
        people=1,
        templates=3,
        gallery_version=4,
        now=NOW,
    )

    assert (choice.method, choice.min_score, choice.expected_fpir) == (
        ThresholdMethod.FALLBACK,
        0.95,
        None,
    )


def test_an_override_wins_and_still_reports_the_rate_it_gives() -> None:
    scores = normal_scores(20_000)
    settings = RecognitionSettings(min_similarity=0.5, target_fpir=0.01)

    choice = choose_threshold(
        scores, settings, scorer=RAW, people=10, templates=20, gallery_version=1, now=NOW
    )

    assert (choice.method, choice.min_score) == (ThresholdMethod.OVERRIDE, 0.5)
    per_comparison = 1.0 - NormalDist().cdf(0.5)
    assert choice.expected_false_match_rate == pytest.approx(per_comparison, abs=0.01)
    assert choice.expected_fpir == pytest.approx(fpir_for(per_comparison, 10), abs=0.02)


def test_a_calibrated_choice_meets_its_target_for_the_gallery_size() -> None:
    scores = normal_scores(50_000)
    settings = RecognitionSettings(target_fpir=0.05)

    choice = choose_threshold(
        scores, settings, scorer=RAW, people=20, templates=40, gallery_version=1, now=NOW
    )

    assert choice.method is ThresholdMethod.EMPIRICAL
    assert choice.per_comparison_rate == pytest.approx(0.05 / 20, rel=0.05)
    assert choice.min_score == pytest.approx(true_quantile(choice.per_comparison_rate), abs=0.1)
    assert choice.expected_fpir == pytest.approx(0.05, rel=0.1)
    assert choice.verification_min_score < choice.min_score


def test_a_small_cosine_gallery_takes_the_prior_tail_at_its_per_comparison_rate() -> None:
    # Thirty scores (six people) that happen to run high: they say nothing about a 0.2 % tail.
    few = ImpostorScores.of(np.random.default_rng(5).normal(0.85, 0.05, 30))
    settings = RecognitionSettings(
        target_fpir=0.01,
        prior_impostor_similarity=0.8,
        prior_impostor_share=0.01,
        prior_impostor_decay=0.02,
    )

    choice = choose_threshold(
        few, settings, scorer=RAW, people=6, templates=6, gallery_version=1, now=NOW
    )

    rate = per_comparison_rate(0.01, 6)
    assert choice.method is ThresholdMethod.PRIOR
    assert choice.min_score == pytest.approx(0.8 + 0.02 * math.log(0.01 / rate))
    assert choice.expected_fpir == pytest.approx(0.01, rel=1e-6)
    assert choice.verification_min_score == pytest.approx(0.8)  # the tail's start: rate 1 %
    assert choice.pair_min_similarity == pytest.approx(0.8)


def test_the_gallerys_own_calibration_takes_over_from_the_prior_once_it_has_a_tail() -> None:
    settings = RecognitionSettings(target_fpir=0.01)

    def choose(count: int) -> ThresholdMethod:
        scores = ImpostorScores.of(np.random.default_rng(1).normal(0.5, 0.05, count))
        people = 40
        return choose_threshold(
            scores, settings, scorer=RAW, people=people, templates=count, gallery_version=1, now=NOW
        ).method

    assert choose(999) is ThresholdMethod.PRIOR
    assert choose(1000) is ThresholdMethod.EXPONENTIAL_TAIL
    assert choose(25_000) is ThresholdMethod.EMPIRICAL


def test_a_small_gallery_on_another_scale_never_drops_below_the_strict_floor() -> None:
    few = ImpostorScores.of(np.random.default_rng(5).normal(0.5, 0.05, 100))
    many = ImpostorScores.of(np.random.default_rng(5).normal(0.5, 0.05, 100_000))
    settings = RecognitionSettings(target_fpir=0.01, fallback_min_similarity=0.93)

    def choose(scores: ImpostorScores) -> tuple[ThresholdMethod, float]:
        choice = choose_threshold(
            scores, settings, scorer=COHORT, people=5, templates=20, gallery_version=1, now=NOW
        )
        return choice.method, choice.min_score

    # The normal fit says about 0.66; a handful of people do not get to lower it that far.
    assert choose(few) == (ThresholdMethod.GAUSSIAN_TAIL, 0.93)
    # With plenty of evidence the data decide, even below the floor.
    method, threshold = choose(many)
    assert method is ThresholdMethod.EMPIRICAL
    assert threshold == pytest.approx(0.5 + 0.05 * true_quantile(0.01 / 5), abs=0.01)


def test_calibration_resolves_the_size_aware_scorer_and_reports_the_one_in_force() -> None:
    scorer = GallerySizeAwareScorer(min_persons=4)
    settings = RecognitionSettings()
    small = index_of([0, 1, 2], np.eye(6, dtype=np.float32)[:3])
    large = index_of([0, 1, 2, 3, 4], np.eye(6, dtype=np.float32)[:5])

    in_small = calibrate_index(small, scorer, settings, gallery_version=1, now=NOW)
    in_large = calibrate_index(large, scorer, settings, gallery_version=2, now=NOW)

    assert (in_small.scorer, in_small.score_scale.value) == ("raw cosine", "cosine")
    assert in_small.method is ThresholdMethod.PRIOR
    assert in_small.min_score == pytest.approx(
        prior_tail(settings).threshold_for(per_comparison_rate(settings.target_fpir, 3))
    )
    assert in_large.open_set_scorer is scorer.large
    assert in_large.score_scale.value == "cohort_centred"
    assert in_large.method is ThresholdMethod.GAUSSIAN_TAIL


def test_an_override_on_the_cosine_scale_also_compares_two_strangers() -> None:
    settings = RecognitionSettings(min_similarity=0.9)

    on_cosine = choose_threshold(
        normal_scores(50), settings, scorer=RAW, people=5, templates=5, gallery_version=1, now=NOW
    )
    on_cohort = choose_threshold(
        normal_scores(50),
        settings,
        scorer=COHORT,
        people=5,
        templates=5,
        gallery_version=1,
        now=NOW,
    )

    assert on_cosine.pair_min_similarity == 0.9
    assert on_cohort.min_score == 0.9
    assert on_cohort.pair_min_similarity == prior_tail(settings).threshold_for(0.01)
