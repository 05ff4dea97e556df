"""The matching package on synthetic unit vectors: index bookkeeping, top-k with several
templates per person, the open-set decision, cohort normalisation and gallery calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from muster.matching.calibration import (
    ExponentialTail,
    impostor_comparison_scores,
    threshold_for_false_positive_rate,
)
from muster.matching.candidates import ScoredCandidate
from muster.matching.decision import Identified, OpenSetPolicy, Unknown, UnknownReason
from muster.matching.index import ExactIndex
from muster.matching.normalization import (
    CohortCentredScorer,
    GallerySizeAwareScorer,
    RawSimilarityScorer,
)
from muster.matching.similarity import (
    euclidean_distance_to_similarity,
    similarity,
    similarity_matrix,
    unit,
)

DIM = 8


def _axis(i: int) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[i] = 1.0
    return vector


def _between(i: int, j: int, weight_j: float) -> np.ndarray:
    """A unit vector in the plane of axes i and j, `weight_j` of the way towards j."""
    return unit((1.0 - weight_j) * _axis(i) + weight_j * _axis(j))


def _index(*entries: tuple[int, str, np.ndarray]) -> ExactIndex[str]:
    index: ExactIndex[str] = ExactIndex(dim=DIM)
    for template_id, person, embedding in entries:
        index.add(template_id, person, embedding)
    return index


def test_similarity_is_one_for_the_same_vector_and_minus_one_for_the_opposite() -> None:
    a = _axis(0)
    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, -a) == pytest.approx(-1.0)
    assert similarity(a, _axis(1)) == pytest.approx(0.0)


def test_similarity_matrix_compares_every_probe_with_every_template() -> None:
    matrix = similarity_matrix(np.stack([_axis(0), _axis(1)]), np.stack([_axis(1), _axis(0)]))
    assert matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_dlib_distance_tolerance_maps_to_a_cosine_similarity() -> None:
    assert euclidean_distance_to_similarity(0.6) == pytest.approx(0.82)
    a, b = unit([1.0, 2.0, 3.0]), unit([3.0, 1.0, 2.0])
    distance = float(np.linalg.norm(a - b))
    assert euclidean_distance_to_similarity(distance) == pytest.approx(similarity(a, b))


def test_unit_rejects_a_zero_vector() -> None:
    with pytest.raises(ValueError, match="zero"):
        unit(np.zeros(DIM))


def test_search_returns_the_nearest_persons_best_first() -> None:
    index = _index((1, "ann", _axis(0)), (2, "bob", _axis(1)), (3, "cy", _between(0, 1, 0.3)))
    found = index.search(_axis(0), k=2)
    assert [c.person_id for c in found] == ["ann", "cy"]
    assert found[0].similarity == pytest.approx(1.0)
    assert found[0].score == found[0].similarity


def test_search_keeps_each_persons_best_template_only() -> None:
    index = _index(
        (1, "ann", _axis(1)),
        (2, "ann", _between(0, 1, 0.1)),
        (3, "bob", _between(0, 1, 0.3)),
    )
    found = index.search(_axis(0), k=5)
    assert [(c.person_id, c.template_id) for c in found] == [("ann", 2), ("bob", 3)]


def test_removed_template_is_no_longer_found_and_the_others_still_are() -> None:
    index = _index((1, "ann", _axis(0)), (2, "bob", _axis(1)), (3, "cy", _axis(2)))
    index.remove(1)
    assert 1 not in index
    assert len(index) == 2
    assert index.search(_axis(0), k=3)[0].similarity == pytest.approx(0.0)
    assert index.search(_axis(2), k=1)[0].template_id == 3
    assert index.search(_axis(1), k=1)[0].template_id == 2


def test_removing_one_of_two_templates_keeps_the_person_enrolled() -> None:
    index = _index((1, "ann", _axis(0)), (2, "ann", _axis(1)))
    index.remove(1)
    assert index.person_count() == 1
    assert index.search(_axis(1), k=1)[0].template_id == 2


def test_removing_an_unknown_template_raises_key_error() -> None:
    with pytest.raises(KeyError):
        _index((1, "ann", _axis(0))).remove(7)


def test_adding_a_template_id_twice_is_refused() -> None:
    index = _index((1, "ann", _axis(0)))
    with pytest.raises(ValueError, match="already"):
        index.add(1, "bob", _axis(1))


def test_index_refuses_embeddings_that_are_not_unit_length_or_the_wrong_size() -> None:
    index: ExactIndex[str] = ExactIndex(dim=DIM)
    with pytest.raises(ValueError, match="unit length"):
        index.add(1, "ann", 2 * _axis(0))
    with pytest.raises(ValueError, match="8-d"):
        index.add(1, "ann", np.ones(3, dtype=np.float32) / math.sqrt(3))


def test_index_grows_past_its_initial_capacity() -> None:
    vectors = unit(np.random.default_rng(7).normal(size=(300, DIM)))
    index: ExactIndex[int] = ExactIndex(dim=DIM)
    for i, vector in enumerate(vectors):
        index.add(i, i % 100, vector)
    assert len(index) == 300
    assert index.person_count() == 100
    assert index.search(vectors[250], k=1)[0].template_id == 250


def test_search_of_an_empty_index_finds_nobody() -> None:
    assert _index().search(_axis(0), k=3) == []


def _candidates(*scores: float) -> list[ScoredCandidate[str]]:
    return [ScoredCandidate(f"p{i}", i, score, score) for i, score in enumerate(scores)]


def test_decision_identifies_a_clear_best_match() -> None:
    decision = OpenSetPolicy(min_score=0.8, min_margin=0.05).decide(_candidates(0.9, 0.7))
    assert isinstance(decision, Identified)
    assert decision.candidate.person_id == "p0"
    assert decision.margin == pytest.approx(0.2)


def test_decision_is_unknown_below_the_threshold() -> None:
    decision = OpenSetPolicy(min_score=0.95).decide(_candidates(0.9, 0.7))
    assert isinstance(decision, Unknown)
    assert decision.reason is UnknownReason.BELOW_THRESHOLD
    assert decision.best is not None


def test_decision_is_unknown_when_the_runner_up_is_too_close() -> None:
    decision = OpenSetPolicy(min_score=0.8, min_margin=0.05).decide(_candidates(0.9, 0.88))
    assert isinstance(decision, Unknown)
    assert decision.reason is UnknownReason.AMBIGUOUS


def test_decision_accepts_a_score_exactly_at_the_threshold_and_a_lone_person() -> None:
    decision = OpenSetPolicy(min_score=0.9, min_margin=0.5).decide(_candidates(0.9))
    assert isinstance(decision, Identified)
    assert decision.margin == math.inf


def test_decision_on_an_empty_gallery_is_unknown() -> None:
    nobody: list[ScoredCandidate[str]] = []
    decision = OpenSetPolicy(min_score=0.5).decide(nobody)
    assert isinstance(decision, Unknown)
    assert decision.reason is UnknownReason.EMPTY_GALLERY


def test_cohort_means_average_the_nearest_templates_of_other_persons() -> None:
    index = _index(
        (1, "ann", _axis(0)),
        (2, "ann", _between(0, 1, 0.5)),
        (3, "bob", _axis(1)),
        (4, "cy", _axis(2)),
    )
    means = index.cohort_means(cohort_size=2)
    # ann's first template: bob at 0 and cy at 0 (its own second template does not count).
    assert means[0] == pytest.approx(0.0)
    # bob: ann's second template at cos 45 degrees and one of the others at 0.
    assert means[2] == pytest.approx(math.sqrt(0.5) / 2)
    assert index.cohort_means(cohort_size=2) is means


def test_cohort_means_are_recomputed_after_the_index_changes() -> None:
    index = _index((1, "ann", _axis(0)), (2, "bob", _between(0, 1, 0.5)))
    before = index.cohort_means(cohort_size=1)
    index.add(3, "cy", _axis(0))
    after = index.cohort_means(cohort_size=1)
    assert before[0] == pytest.approx(math.sqrt(0.5))
    assert after[0] == pytest.approx(1.0)


def test_a_lone_person_has_a_cohort_mean_of_zero() -> None:
    assert _index((1, "ann", _axis(0))).cohort_means(cohort_size=5).tolist() == [0.0]


def test_cohort_scorer_lowers_a_probe_that_resembles_everyone() -> None:
    """Two probes equally similar to p0: one also close to all the others (a 'hub'), one
    close to nobody else. Raw scores tie; the cohort-centred score prefers the distinct one."""
    index = _index(*[(i, f"p{i}", _axis(i)) for i in range(6)])
    own, rest = 0.9, math.sqrt(1 - 0.81)
    distinct = unit(own * _axis(0) + rest * _axis(6))
    hub = unit(own * _axis(0) + rest * sum(_axis(i) for i in range(1, 6)) / math.sqrt(5))
    raw = RawSimilarityScorer()
    cohort = CohortCentredScorer(cohort_size=3, probe_weight=0.5, template_weight=0.0)
    assert raw.rank(index, hub).scores[0] == pytest.approx(raw.rank(index, distinct).scores[0])
    assert cohort.rank(index, hub).scores[0] < cohort.rank(index, distinct).scores[0]
    assert cohort.rank(index, hub).persons[0] == "p0"


def test_cohort_scorer_ranks_persons_by_their_best_template() -> None:
    index = _index((1, "ann", _axis(0)), (2, "ann", _axis(3)), (3, "bob", _between(0, 1, 0.2)))
    ranked = CohortCentredScorer(cohort_size=1).rank(index, _axis(3))
    assert ranked.persons == ["ann", "bob"]
    assert ranked.template_ids[0] == 2
    assert ranked.similarities[0] == pytest.approx(1.0)


def test_excluded_person_is_left_out_of_the_ranking() -> None:
    index = _index((1, "ann", _axis(0)), (2, "bob", _axis(1)))
    for scorer in (RawSimilarityScorer(), CohortCentredScorer()):
        assert scorer.rank(index, _axis(0), exclude="ann").persons == ["bob"]


def test_impostor_scores_search_each_person_against_the_others() -> None:
    index = _index((1, "ann", _axis(0)), (2, "bob", _between(0, 1, 0.5)), (3, "cy", _axis(2)))
    scores = impostor_comparison_scores(index, RawSimilarityScorer())[:, 0]
    # ann and bob each find the other (cos 45 degrees); cy finds nobody alike.
    assert sorted(scores.tolist()) == pytest.approx([0.0, math.sqrt(0.5), math.sqrt(0.5)])
    # Two persons in three may be accepted at FPIR 2/3: the threshold rejects cy only.
    assert 0.0 < threshold_for_false_positive_rate(scores, 2 / 3) <= math.sqrt(0.5)


def test_a_lone_person_has_no_impostor_scores() -> None:
    index = _index((1, "ann", _axis(0)), (2, "ann", _axis(1)))
    assert impostor_comparison_scores(index, RawSimilarityScorer()).size == 0


def test_an_exponential_tail_fitted_to_exponential_scores_recovers_its_rates() -> None:
    scores = 0.5 + np.random.default_rng(2).exponential(0.02, 1_000_000)
    tail = ExponentialTail.fit(scores, 10_000)

    assert tail.share == pytest.approx(0.01)
    assert tail.mean_excess == pytest.approx(0.02, rel=0.05)
    for rate in (1e-3, 1e-4):
        threshold = tail.threshold_for(rate)
        assert np.mean(scores >= threshold) == pytest.approx(rate, rel=0.3)
        assert tail.rate_at(threshold) == pytest.approx(rate)


def test_an_exponential_tail_is_never_laxer_than_its_start() -> None:
    tail = ExponentialTail(start=0.8, share=0.01, mean_excess=0.02)
    assert tail.threshold_for(0.5) == 0.8
    assert tail.rate_at(0.0) == 0.01


def test_size_aware_scorer_switches_to_the_cohort_score_at_its_minimum_gallery() -> None:
    scorer = GallerySizeAwareScorer(min_persons=3)
    small = _index((1, "ann", _axis(0)), (2, "bob", _between(0, 1, 0.5)))
    assert scorer.active(small) is scorer.small
    assert scorer.rank(small, _axis(0)).scores[0] == pytest.approx(1.0)
    small.add(3, "cy", _axis(2))
    assert scorer.active(small) is scorer.large
    assert scorer.rank(small, _axis(0)).scores[0] < 1.0


def test_a_size_aware_scorer_resolves_to_a_concrete_scorer_with_a_scale() -> None:
    scorer = GallerySizeAwareScorer(min_persons=3)
    assert scorer.for_gallery(2) is scorer.small
    assert scorer.for_gallery(3) is scorer.large
    assert scorer.scale.value == "by_gallery_size"
    assert [s.scale.value for s in (scorer.small, scorer.large)] == ["cosine", "cohort_centred"]
    assert scorer.large.for_gallery(1) is scorer.large
