"""An exact (brute-force) nearest-neighbour index of enrolled face templates.

A person may have several templates (enrolment photos); a search compares the probe with
every template and keeps each person's best one, because the question is *who* it is, not
which photo. Exact search is one matrix-vector product: at 128 float32 per template, 100,000
templates are 51 MB and the product takes a few milliseconds.

Ranking every person costs more than the product (a sort of the whole gallery and one Python
object per person), and a decision needs only the first few: the best person, the runner-up
and the cohort scorer's K persons after the best. So a ranking may be *limited*
(`rank(..., limit=n)`, or `max_ranked_persons` for every ranking of an index): the index
partitions the template scores, ranks only the templates that can hold the first n persons,
and returns exactly the first n entries of the full ranking, ties included.
"""

from __future__ import annotations

from collections import Counter
from typing import Generic

import numpy as np
import numpy.typing as npt

from muster.domain.faces import Embedding
from muster.matching.candidates import PersonT, RankedPersons, ScoredCandidate

F32Array = npt.NDArray[np.float32]
I64Array = npt.NDArray[np.int64]

_INITIAL_CAPACITY = 64
_UNIT_TOLERANCE = 1e-3
_COHORT_BLOCK_ROWS = 1024
"""Rows per block when computing template cohorts, bounding memory to block x templates."""
_FIRST_PARTIAL_ROWS = 256
"""Template rows a limited ranking sorts first; it takes four times more while they hold too
few distinct persons (people with many templates near the probe)."""


class ExactIndex(Generic[PersonT]):
    """Unit embeddings in one float32 matrix, addressable by template id.

    max_ranked_persons: when set, every ranking (`rank`, `ranked_persons`, and so every
    scorer's) holds only the first this many persons of the full ranking, identical to it;
    None ranks every enrolled person.

    Not thread-safe: the owner serialises writes (reads may run concurrently with each other,
    except the first `cohort_means` after a change, which fills a cache).
    """

    def __init__(self, dim: int = 128, *, max_ranked_persons: int | None = None) -> None:
        if max_ranked_persons is not None and max_ranked_persons < 1:
            raise ValueError(f"max_ranked_persons must be at least 1, got {max_ranked_persons}")
        self._dim = dim
        self._max_ranked_persons = max_ranked_persons
        self._matrix = np.zeros((_INITIAL_CAPACITY, dim), dtype=np.float32)
        # Small integer per person and row, so per-person reductions run in numpy.
        self._codes: I64Array = np.zeros(_INITIAL_CAPACITY, dtype=np.int64)
        self._template_ids: list[int] = []
        self._persons: list[PersonT] = []
        self._code_of: dict[PersonT, int] = {}
        self._templates_of: Counter[PersonT] = Counter()
        self._row_of: dict[int, int] = {}
        self._version = 0
        self._cohort_cache: tuple[int, int, F32Array] | None = None

    def __len__(self) -> int:
        """Number of templates."""
        return len(self._template_ids)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self._row_of

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_ranked_persons(self) -> int | None:
        return self._max_ranked_persons

    @property
    def version(self) -> int:
        """Increases with every add and remove; caches derived from the index compare it."""
        return self._version

    def person_count(self) -> int:
        return len(self._templates_of)

    def add(self, template_id: int, person_id: PersonT, embedding: Embedding) -> None:
        """Adds one template. The embedding must have unit length (as the pipeline makes them);
        a template id may be added only once."""
        self.add_many([template_id], [person_id], np.asarray(embedding, dtype=np.float32)[None])

    def add_many(
        self, template_ids: list[int], person_ids: list[PersonT], embeddings: F32Array
    ) -> None:
        """Adds templates in one batch (how a gallery loads), with the same rules as `add`;
        nothing is added when any of them is invalid."""
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self._dim:
            raise ValueError(f"expected {self._dim}-d embeddings, got shape {vectors.shape}")
        if not len(template_ids) == len(person_ids) == len(vectors):
            raise ValueError("template_ids, person_ids and embeddings differ in length")
        if np.any(np.abs(np.linalg.norm(vectors, axis=1) - 1.0) > _UNIT_TOLERANCE):
            raise ValueError("embeddings must have unit length (see matching.similarity.unit)")
        duplicate = next((t for t in template_ids if t in self._row_of), None)
        if duplicate is None and len(set(template_ids)) != len(template_ids):
            duplicate = next(t for t, n in Counter(template_ids).items() if n > 1)
        if duplicate is not None:
            raise ValueError(f"template {duplicate} is already in the index")
        start = len(self._template_ids)
        self._reserve(start + len(vectors))
        self._matrix[start : start + len(vectors)] = vectors
        for offset, (template_id, person_id) in enumerate(
            zip(template_ids, person_ids, strict=True)
        ):
            self._codes[start + offset] = self._code_of.setdefault(person_id, len(self._code_of))
            self._row_of[template_id] = start + offset
            self._templates_of[person_id] += 1
        self._template_ids.extend(template_ids)
        self._persons.extend(person_ids)
        self._version += 1

    def _reserve(self, rows: int) -> None:
        """Grows the matrix and code array to hold at least `rows` rows: doubling, so one by
        one adds cost O(1) each, or to exactly `rows` for a larger batch (a gallery load)."""
        capacity = self._matrix.shape[0]
        if rows <= capacity:
            return
        capacity = max(rows, 2 * capacity)
        count = len(self._template_ids)
        matrix = np.zeros((capacity, self._dim), dtype=np.float32)
        matrix[:count] = self._matrix[:count]
        codes = np.zeros(capacity, dtype=np.int64)
        codes[:count] = self._codes[:count]
        self._matrix, self._codes = matrix, codes

    def memory_bytes(self) -> int:
        """Bytes of the template matrix and per-row person codes (allocated capacity),
        excluding the Python-side id and person lists."""
        return int(self._matrix.nbytes + self._codes.nbytes)

    def remove(self, template_id: int) -> None:
        """Removes one template (KeyError when absent). The last row moves into the gap, so
        removal is O(1) and the matrix stays dense."""
        row = self._row_of.pop(template_id)
        person_id = self._persons[row]
        last = len(self._template_ids) - 1
        if row != last:
            self._matrix[row] = self._matrix[last]
            self._codes[row] = self._codes[last]
            self._template_ids[row] = self._template_ids[last]
            self._persons[row] = self._persons[last]
            self._row_of[self._template_ids[row]] = row
        self._template_ids.pop()
        self._persons.pop()
        self._templates_of[person_id] -= 1
        if self._templates_of[person_id] == 0:
            del self._templates_of[person_id]
        self._version += 1

    def similarities(self, probe: Embedding) -> F32Array:
        """Cosine similarity of `probe` to every template, in index row order."""
        vector = np.asarray(probe, dtype=np.float32)
        if vector.shape != (self._dim,):
            raise ValueError(f"expected a {self._dim}-d probe, got shape {vector.shape}")
        return np.asarray(self._matrix[: len(self)] @ vector, dtype=np.float32)

    def rank(
        self,
        row_scores: F32Array,
        row_similarities: F32Array,
        *,
        exclude: PersonT | None = None,
        limit: int | None = None,
    ) -> RankedPersons[PersonT]:
        """Persons ranked by their best row score (ties keep row order, so results are
        deterministic), each with that row's similarity. `exclude` leaves one person out, as
        when a gallery member plays an unknown probe.

        `limit` (by default `max_ranked_persons`) keeps only the first that many persons:
        exactly the first entries of the unlimited ranking, found without sorting it."""
        limit = self._max_ranked_persons if limit is None else limit
        rows = self._best_rows(row_scores, exclude, limit)
        return RankedPersons(
            persons=[self._persons[row] for row in rows.tolist()],
            template_ids=[self._template_ids[row] for row in rows.tolist()],
            similarities=row_similarities[rows],
            scores=row_scores[rows],
        )

    def _best_rows(
        self, row_scores: F32Array, exclude: PersonT | None, limit: int | None
    ) -> I64Array:
        """Each ranked person's best row, best first (see `rank`)."""
        count = len(self)
        excluded = self._code_of.get(exclude, -1) if exclude is not None else -1
        taken = count if limit is None else min(count, _FIRST_PARTIAL_ROWS + limit)
        while True:
            if taken >= count:
                candidates = np.arange(count)
            else:
                # Every row scoring at least the taken-th best: a prefix of the full order
                # (ties at the boundary included), so the persons it holds come first there.
                kth = np.partition(row_scores, count - taken)[count - taken]
                candidates = np.flatnonzero(row_scores >= kth)
            rows = self._first_row_per_person(row_scores, candidates, excluded)
            if limit is None or len(rows) >= limit or taken >= count:
                return rows if limit is None else rows[:limit]
            taken *= 4

    def _first_row_per_person(
        self, row_scores: F32Array, candidates: I64Array, excluded: int
    ) -> I64Array:
        """The best of `candidates` (ascending rows) per person, best first, ties by row."""
        order = candidates[np.argsort(-row_scores[candidates], kind="stable")]
        codes = self._codes[order]
        _, first = np.unique(codes, return_index=True)
        first.sort()
        rows: I64Array = order[first]
        if excluded >= 0:
            rows = rows[codes[first] != excluded]
        return rows

    def ranked_persons(self, probe: Embedding, limit: int | None = None) -> RankedPersons[PersonT]:
        """Persons ranked by raw cosine similarity, best first: every enrolled person, or
        the first `limit` (by default `max_ranked_persons`)."""
        similarities = self.similarities(probe)
        return self.rank(similarities, similarities, limit=limit)

    def search(self, probe: Embedding, k: int) -> list[ScoredCandidate[PersonT]]:
        """The `k` most similar persons (fewer when fewer are enrolled), best first, scored
        by raw cosine similarity."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return self.ranked_persons(probe, limit=k).top(k)

    def template_ids(self) -> list[int]:
        """Every template id, in index row order."""
        return list(self._template_ids)

    def embedding(self, template_id: int) -> Embedding:
        """A copy of one stored template (KeyError when absent)."""
        return np.array(self._matrix[self._row_of[template_id]], dtype=np.float32)

    def person_of(self, template_id: int) -> PersonT:
        return self._persons[self._row_of[template_id]]

    def cohort_means(self, cohort_size: int) -> F32Array:
        """Per row: the mean of the template's `cohort_size` highest similarities to templates
        of *other* persons (fewer when fewer exist; 0 when none). It measures how crowded the
        gallery is around that template. Costs O(templates**2) once after each change, then
        is served from a cache (about a second at 10,000 templates)."""
        cached = self._cohort_cache
        if cached is not None and cached[:2] == (self._version, cohort_size):
            return cached[2]
        count = len(self)
        matrix = self._matrix[:count]
        codes = self._codes[:count]
        means = np.zeros(count, dtype=np.float32)
        for start in range(0, count, _COHORT_BLOCK_ROWS):
            stop = min(start + _COHORT_BLOCK_ROWS, count)
            block: F32Array = np.asarray(matrix[start:stop] @ matrix.T, dtype=np.float32)
            block[codes[start:stop, None] == codes[None, :]] = -np.inf
            means[start:stop] = _mean_of_top(block, cohort_size)
        self._cohort_cache = (self._version, cohort_size, means)
        return means


def _mean_of_top(rows: F32Array, k: int) -> F32Array:
    """Row-wise mean of the k largest finite values (0 for a row without any)."""
    k = min(k, rows.shape[1])
    if k == 0:
        return np.zeros(rows.shape[0], dtype=np.float32)
    top = -np.partition(-rows, k - 1, axis=1)[:, :k]
    finite = np.isfinite(top)
    totals = np.where(finite, top, 0.0).sum(axis=1)
    counts = finite.sum(axis=1)
    return np.asarray(np.where(counts > 0, totals / np.maximum(counts, 1), 0.0), np.float32)
