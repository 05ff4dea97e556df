"""ApproximateIndex against ExactIndex on synthetic unit vectors. Real: usearch's HNSW graph and
our exact index; no I/O."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from muster.matching.ann import ApproximateIndex, HnswParams
from muster.matching.index import ExactIndex
from muster.matching.normalization import CohortCentredScorer

F32Array = npt.NDArray[np.float32]


def unit_rows(rng: np.random.Generator, count: int, dim: int = 128) -> F32Array:
    rows = rng.normal(size=(count, dim)).astype(np.float32)
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def noisy(rng: np.random.Generator, rows: F32Array, noise: float) -> F32Array:
    """Unit probes near `rows`, as a second photo of a face lands near the first."""
    moved = rows + noise * unit_rows(rng, len(rows))
    return np.asarray(moved / np.linalg.norm(moved, axis=1, keepdims=True), dtype=np.float32)


def both_indexes(
    vectors: F32Array, persons: list[int], candidate_templates: int = 64
) -> tuple[ExactIndex[int], ApproximateIndex[int]]:
    exact: ExactIndex[int] = ExactIndex()
    for template_id, (person, vector) in enumerate(zip(persons, vectors, strict=True)):
        exact.add(template_id, person, vector)
    approximate: ApproximateIndex[int] = ApproximateIndex(candidate_templates=candidate_templates)
    approximate.add_many(list(range(len(vectors))), persons, vectors)
    return exact, approximate


def face_like_rows(rng: np.random.Generator, count: int) -> F32Array:
    """Unit vectors crowded as dlib embeddings are (impostor cosine about 0.84): a common
    mean of norm 0.915 plus a spread over 76 dimensions (bench/search_scale.py)."""
    spread = np.zeros((count, 128))
    spread[:, 1:77] = rng.normal(size=(count, 76)) * np.sqrt(0.162 / 76)
    spread[:, 0] = 0.915
    return np.asarray(spread / np.linalg.norm(spread, axis=1, keepdims=True), dtype=np.float32)


def moved_to_cosine(rng: np.random.Generator, rows: F32Array, low: float, high: float) -> F32Array:
    """Each row turned to a cosine similarity drawn from [low, high]: another photo of it."""
    cosines = rng.uniform(low, high, size=(len(rows), 1))
    away = rng.normal(size=rows.shape)
    away -= np.sum(away * rows, axis=1, keepdims=True) * rows
    away /= np.linalg.norm(away, axis=1, keepdims=True)
    return np.asarray(cosines * rows + np.sqrt(1 - cosines**2) * away, dtype=np.float32)


def test_recall_at_1_against_exact_search_is_at_least_99_percent_on_face_like_vectors() -> None:
    # A crowded gallery, as real embeddings are, and probes at the cosine similarity real
    # genuine pairs have (0.90-0.96) to one enrolled template; the exact best person is often
    # another, nearly tied template, which is what makes the graph search work for it.
    rng = np.random.default_rng(7)
    vectors = face_like_rows(rng, 3000)
    exact, approximate = both_indexes(vectors, [i // 2 for i in range(3000)])
    probes = moved_to_cosine(rng, vectors[::20], 0.90, 0.96)

    agree = sum(
        approximate.search(probe, 1)[0].person_id == exact.search(probe, 1)[0].person_id
        for probe in probes
    )

    assert agree / len(probes) >= 0.99


def test_a_narrower_search_beam_finds_fewer_exact_best_matches() -> None:
    # The beam is settable between searches; the narrowest one misses exact best matches
    # that a beam of 256 finds (uniform random probes: the hardest case).
    rng = np.random.default_rng(8)
    vectors = face_like_rows(rng, 2000)
    exact: ExactIndex[int] = ExactIndex()
    exact.add_many(list(range(2000)), list(range(2000)), vectors)
    small_graph = HnswParams(connectivity=8, expansion_add=32, expansion_search=256)
    approximate: ApproximateIndex[int] = ApproximateIndex(params=small_graph, candidate_templates=2)
    approximate.add_many(list(range(2000)), list(range(2000)), vectors)
    probes = unit_rows(rng, 100)

    def recall() -> float:
        return float(
            np.mean(
                [
                    approximate.search(p, 1)[0].person_id == exact.search(p, 1)[0].person_id
                    for p in probes
                ]
            )
        )

    wide = recall()
    approximate.expansion_search = 2
    narrow = recall()

    assert approximate.expansion_search == 2
    assert narrow < wide


def test_search_gives_the_same_candidates_as_exact_search_on_a_small_gallery() -> None:
    rng = np.random.default_rng(1)
    vectors = unit_rows(rng, 40)
    exact, approximate = both_indexes(vectors, [i // 2 for i in range(40)])
    probe = noisy(rng, vectors[6:7], 0.3)[0]

    assert approximate.search(probe, 5) == exact.search(probe, 5)
    assert approximate.person_count() == exact.person_count() == 20
    assert len(approximate) == len(exact) == 40


def test_removed_template_is_never_found_again() -> None:
    rng = np.random.default_rng(2)
    vectors = unit_rows(rng, 300)
    _, approximate = both_indexes(vectors, list(range(300)))
    assert approximate.search(vectors[17], 1)[0].template_id == 17

    approximate.remove(17)

    assert 17 not in approximate
    assert len(approximate) == 299
    assert approximate.person_count() == 299
    assert all(c.template_id != 17 for c in approximate.search(vectors[17], 10))
    with pytest.raises(KeyError):
        approximate.remove(17)


def test_added_template_is_found_and_its_embedding_is_kept() -> None:
    rng = np.random.default_rng(3)
    _, approximate = both_indexes(unit_rows(rng, 200), list(range(200)))
    newcomer = unit_rows(rng, 1)[0]

    approximate.add(1000, 555, newcomer)

    assert approximate.search(newcomer, 1)[0].person_id == 555
    assert approximate.person_of(1000) == 555
    np.testing.assert_allclose(approximate.embedding(1000), newcomer, rtol=0, atol=1e-6)


def test_cohort_scorer_on_candidates_ranks_like_the_exact_gallery() -> None:
    rng = np.random.default_rng(4)
    vectors = unit_rows(rng, 2000)
    exact, approximate = both_indexes(vectors, [i // 4 for i in range(2000)])
    scorer = CohortCentredScorer()

    for probe in noisy(rng, vectors[::100], 0.5):
        want = scorer.rank(exact, probe).top(1)[0]
        got = scorer.rank(approximate.candidates(probe), probe).top(1)[0]
        assert got.person_id == want.person_id
        # A template's cohort mean comes from an approximate neighbour search, so it may
        # miss one of its true K nearest impostors: a small error, weighted by 0.25.
        assert got.score == pytest.approx(want.score, abs=2e-3)


def test_empty_index_finds_nobody() -> None:
    approximate: ApproximateIndex[int] = ApproximateIndex()

    assert approximate.search(unit_rows(np.random.default_rng(5), 1)[0], 3) == []


def test_invalid_templates_are_refused_and_nothing_is_added() -> None:
    rng = np.random.default_rng(6)
    approximate: ApproximateIndex[int] = ApproximateIndex()
    approximate.add(1, 1, unit_rows(rng, 1)[0])

    with pytest.raises(ValueError, match="unit length"):
        approximate.add(2, 2, 2 * unit_rows(rng, 1)[0])
    with pytest.raises(ValueError, match="already"):
        approximate.add_many([3, 1], [3, 1], unit_rows(rng, 2))
    with pytest.raises(ValueError, match="128-d"):
        approximate.add(4, 4, unit_rows(rng, 1, dim=64)[0])
    assert approximate.template_ids() == [1]
