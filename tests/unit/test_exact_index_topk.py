"""A limited ranking of ExactIndex (the first n persons, found by partitioning the template
scores) against a brute-force reference that ranks every person. Synthetic unit vectors and
scores; several templates per person; ties on purpose. Real: our index, numpy; no I/O."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from muster.matching.index import ExactIndex
from muster.matching.normalization import CohortCentredScorer, RawSimilarityScorer

F32Array = npt.NDArray[np.float32]
DIM = 16


def unit_rows(rng: np.random.Generator, count: int) -> F32Array:
    rows = rng.normal(size=(count, DIM))
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def gallery(
    rng: np.random.Generator, persons: list[int], max_ranked_persons: int | None = None
) -> ExactIndex[int]:
    index: ExactIndex[int] = ExactIndex(dim=DIM, max_ranked_persons=max_ranked_persons)
    index.add_many(
        [100 + row for row in range(len(persons))], persons, unit_rows(rng, len(persons))
    )
    return index


def reference(
    index: ExactIndex[int], row_scores: F32Array, exclude: int | None = None
) -> list[tuple[int, int, float]]:
    """Every person once as (person, template id, score) by their best row, best first;
    equal scores keep row order. Written plainly, as the definition of the ranking."""
    seen: set[int] = set()
    ranking = []
    template_ids = index.template_ids()
    for row in sorted(range(len(row_scores)), key=lambda r: (-row_scores[r], r)):
        person = index.person_of(template_ids[row])
        if person not in seen and person != exclude:
            seen.add(person)
            ranking.append((person, template_ids[row], float(row_scores[row])))
    return ranking


def ranked(
    index: ExactIndex[int], row_scores: F32Array, limit: int | None, exclude: int | None = None
) -> list[tuple[int, int, float]]:
    got = index.rank(row_scores, row_scores, exclude=exclude, limit=limit)
    return list(zip(got.persons, got.template_ids, got.scores.tolist(), strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_a_limited_ranking_is_the_start_of_the_full_ranking_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # 300 persons with 1 to 12 templates each (about 2,000 rows, more than a limited ranking
    # sorts at first), in shuffled rows.
    persons = [p for p in range(300) for _ in range(int(rng.integers(1, 13)))]
    persons = [persons[i] for i in rng.permutation(len(persons))]
    index = gallery(rng, persons)
    # Scores on a coarse grid, so many rows and many persons tie.
    scores = np.round(index.similarities(unit_rows(rng, 1)[0]), 1).astype(np.float32)
    full = reference(index, scores)

    for limit in (1, 2, 3, 6, 17, 299, 300, 301, 5000):
        assert ranked(index, scores, limit) == full[:limit]
    assert ranked(index, scores, None) == full


def test_persons_tied_beyond_the_first_rows_sorted_keep_row_order() -> None:
    # 2,000 templates of 1,000 persons on three score levels: the limit's boundary falls in
    # a tie far larger than the rows a limited ranking sorts first.
    rng = np.random.default_rng(10)
    persons = [int(p) for p in rng.permutation(np.arange(2000) // 2)]
    index = gallery(rng, persons)
    scores = rng.choice(np.asarray([0.2, 0.5, 0.7], dtype=np.float32), size=2000, p=[0.5, 0.4, 0.1])

    for limit in (1, 5, 150, 400):
        assert ranked(index, scores, limit) == reference(index, scores)[:limit]


def test_excluding_a_person_still_fills_the_limit_from_the_full_ranking() -> None:
    rng = np.random.default_rng(11)
    persons = [p for p in range(30) for _ in range(3)]
    index = gallery(rng, persons)
    scores = index.similarities(unit_rows(rng, 1)[0])
    best = reference(index, scores)[0][0]

    for limit in (1, 2, 6):
        assert ranked(index, scores, limit, exclude=best) == reference(index, scores, best)[:limit]


def test_a_person_crowding_the_nearest_templates_does_not_hide_the_runner_up() -> None:
    # One person owns the 600 templates nearest the probe: a limited ranking must look past
    # all of them (more rows than it sorts at first) to find the second person.
    rng = np.random.default_rng(12)
    probe = unit_rows(rng, 1)[0]
    near = probe + 0.05 * unit_rows(rng, 600)
    near = np.asarray(near / np.linalg.norm(near, axis=1, keepdims=True), dtype=np.float32)
    far = unit_rows(rng, 400)
    index: ExactIndex[int] = ExactIndex(dim=DIM)
    index.add_many(
        list(range(1000)), [0] * 600 + [1 + i // 2 for i in range(400)], np.vstack([near, far])
    )
    scores = index.similarities(probe)

    assert ranked(index, scores, 3) == reference(index, scores)[:3]
    assert [c.person_id for c in index.search(probe, 2)] == [0, reference(index, scores)[1][0]]


def test_max_ranked_persons_limits_every_ranking_and_search_still_gives_k() -> None:
    rng = np.random.default_rng(13)
    index = gallery(rng, [p for p in range(50) for _ in range(2)], max_ranked_persons=6)
    probe = unit_rows(rng, 1)[0]
    full = reference(index, index.similarities(probe))

    assert len(index.ranked_persons(probe)) == 6
    assert len(RawSimilarityScorer().rank(index, probe)) == 6
    assert [(c.person_id, c.template_id) for c in index.search(probe, 10)] == [
        (person, template) for person, template, _ in full[:10]
    ]


def test_cohort_scorer_on_a_limited_index_gives_the_same_best_runner_up_and_scores() -> None:
    # The cohort-centred scorer reads the K persons after the best by similarity, then ranks
    # by its own score: with K + 1 persons ranked, what a decision reads is unchanged.
    rng = np.random.default_rng(14)
    persons = [p for p in range(120) for _ in range(int(rng.integers(1, 4)))]
    vectors = unit_rows(rng, len(persons))
    scorer = CohortCentredScorer(cohort_size=5)
    unlimited: ExactIndex[int] = ExactIndex(dim=DIM)
    limited: ExactIndex[int] = ExactIndex(dim=DIM, max_ranked_persons=scorer.cohort_size + 1)
    for index in (unlimited, limited):
        index.add_many(list(range(len(persons))), persons, vectors)

    for probe in unit_rows(rng, 20):
        want = scorer.rank(unlimited, probe).top(2)
        got = scorer.rank(limited, probe).top(2)
        assert [(c.person_id, c.template_id) for c in got] == [
            (c.person_id, c.template_id) for c in want
        ]
        assert [c.score for c in got] == pytest.approx([c.score for c in want], abs=1e-6)


def test_bulk_add_keeps_counts_and_removal_keeps_limited_rankings_exact() -> None:
    rng = np.random.default_rng(15)
    persons = [p for p in range(25) for _ in range(4)]
    index = gallery(rng, persons)
    assert index.person_count() == 25
    for template_id in (100, 101, 102, 103, 150):  # person 0 entirely, and one of person 12
        index.remove(template_id)
    scores = index.similarities(unit_rows(rng, 1)[0])

    assert index.person_count() == 24
    assert ranked(index, scores, 5) == reference(index, scores)[:5]
    with pytest.raises(ValueError, match="already"):
        index.add_many([104, 500, 500], [1, 2, 2], unit_rows(rng, 3))
    assert len(index) == 95
