"""An exact (brute-force) nearest-neighbour index of enrolled face templates.

A person may have several templates (enrolment photos); a search compares the probe with
every template and keeps each person's best one, because the question is *who* it is, not
which photo. Exact search is one matrix-vector product: at 128 float32 per template, 100,000
templates are 51 MB and a search takes milliseconds, which covers an attendance site; no
approximate index is needed at that size.
"""

from __future__ import annotations

from typing import Generic

import numpy as np
import numpy.typing as npt

from muster.domain.faces import Embedding
from muster.matching.candidates import PersonT, RankedPersons, ScoredCandidate

F32Array = npt.NDArray[np.float32]

_INITIAL_CAPACITY = 64
_UNIT_TOLERANCE = 1e-3
_COHORT_BLOCK_ROWS = 1024
"""Rows per block when computing template cohorts, bounding memory to block x templates."""


class ExactIndex(Generic[PersonT]):
    """Unit embeddings in one float32 matrix, addressable by template id.

    Not thread-safe: the owner serialises writes (reads may run concurrently with each other,
    except the first `cohort_means` after a change, which fills a cache).
    """

    def __init__(self, dim: int = 128) -> None:
        self._dim = dim
        self._matrix = np.zeros((_INITIAL_CAPACITY, dim), dtype=np.float32)
        self._template_ids: list[int] = []
        self._persons: list[PersonT] = []
        # Small integer per person, so per-person reductions run in numpy.
        self._person_codes: list[int] = []
        self._code_of: dict[PersonT, int] = {}
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
    def version(self) -> int:
        """Increases with every add and remove; caches derived from the index compare it."""
        return self._version

    def person_count(self) -> int:
        return len(set(self._person_codes))

    def add(self, template_id: int, person_id: PersonT, embedding: Embedding) -> None:
        """Adds one template. The embedding must have unit length (as the pipeline makes them);
        a template id may be added only once."""
        if template_id in self._row_of:
            raise ValueError(f"template {template_id} is already in the index")
        vector = np.asarray(embedding, dtype=np.float32)
        if vector.shape != (self._dim,):
            raise ValueError(f"expected a {self._dim}-d embedding, got shape {vector.shape}")
        if abs(float(np.linalg.norm(vector)) - 1.0) > _UNIT_TOLERANCE:
            raise ValueError("embeddings must have unit length (see matching.similarity.unit)")
        row = len(self._template_ids)
        if row == self._matrix.shape[0]:
            grown = np.zeros((2 * row, self._dim), dtype=np.float32)
            grown[:row] = self._matrix
            self._matrix = grown
        self._matrix[row] = vector
        self._template_ids.append(template_id)
        self._persons.append(person_id)
        self._person_codes.append(self._code_of.setdefault(person_id, len(self._code_of)))
        self._row_of[template_id] = row
        self._version += 1

    def remove(self, template_id: int) -> None:
        """Removes one template (KeyError when absent). The last row moves into the gap, so
        removal is O(1) and the matrix stays dense."""
        row = self._row_of.pop(template_id)
        last = len(self._template_ids) - 1
        if row != last:
            self._matrix[row] = self._matrix[last]
            self._template_ids[row] = self._template_ids[last]
            self._persons[row] = self._persons[last]
            self._person_codes[row] = self._person_codes[last]
            self._row_of[self._template_ids[row]] = row
        self._template_ids.pop()
        self._persons.pop()
        self._person_codes.pop()
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
    ) -> RankedPersons[PersonT]:
        """Persons ranked by their best row score (ties keep row order, so results are
        deterministic), each with that row's similarity. `exclude` leaves one person out, as
        when a gallery member plays an unknown probe."""
        order = np.argsort(-row_scores, kind="stable")
        codes = np.asarray(self._person_codes, dtype=np.int64)[order]
        _, first = np.unique(codes, return_index=True)
        rows = order[np.sort(first)]
        if exclude is not None and exclude in self._code_of:
            rows = rows[codes[np.sort(first)] != self._code_of[exclude]]
        return RankedPersons(
            persons=[self._persons[row] for row in rows.tolist()],
            template_ids=[self._template_ids[row] for row in rows.tolist()],
            similarities=row_similarities[rows],
            scores=row_scores[rows],
        )

    def ranked_persons(self, probe: Embedding) -> RankedPersons[PersonT]:
        """Every enrolled person once, ranked by raw cosine similarity, best first."""
        similarities = self.similarities(probe)
        return self.rank(similarities, similarities)

    def search(self, probe: Embedding, k: int) -> list[ScoredCandidate[PersonT]]:
        """The `k` most similar persons (fewer when fewer are enrolled), best first, scored
        by raw cosine similarity."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return self.ranked_persons(probe).top(k)

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
        codes = np.asarray(self._person_codes, dtype=np.int64)
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
