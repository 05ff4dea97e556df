"""An approximate (HNSW) nearest-neighbour index for galleries too large for exact search.

`ExactIndex` compares a probe with every template: linear in the gallery, and still fast at a
million templates (7 ms on 16 cores, docs/benchmarks.md). `ApproximateIndex` keeps the
templates in a usearch HNSW graph and answers a search from the `candidate_templates` nearest
templates only. On face-like embeddings (dense: impostors at cosine ~0.84) the graph needs a
wide search beam to agree with exact search on 99% of probes, so it pays off only where the
gallery's matrix product is slow (few cores, millions of templates); building the graph costs
far more than filling the exact matrix (5 s against 0.1 s at 100,000 templates on 16 cores).

It offers the same search interface as `ExactIndex` (`add`, `remove`, `search`,
`ranked_persons`, `embedding`, ...) with one documented difference: a ranking holds the
*candidate* persons, not every enrolled person. That is all the open-set decision needs (the
best person and the runner-up), and all the cohort scorer needs: its probe cohort is the K
persons ranked just after the best (among the candidates when K is small), and its template
cohort m(t) is answered per candidate template by one more graph query (`cohort_means_of`).

Scorers run unchanged on `candidates(probe)`: a small `ExactIndex` of the candidate templates
whose `cohort_means` are taken against the whole gallery, not against the candidates.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Generic

import numpy as np
import numpy.typing as npt
from usearch.index import Index

from muster.domain.faces import Embedding
from muster.matching.candidates import PersonT, RankedPersons, ScoredCandidate
from muster.matching.index import ExactIndex

F32Array = npt.NDArray[np.float32]

_UNIT_TOLERANCE = 1e-3


@dataclass(frozen=True, slots=True)
class HnswParams:
    """The graph's shape (see `ApproximateIndex`). The defaults reached recall@1 0.995
    against exact search at 1,000,000 face-like templates, where a gallery switches to the
    graph by default (search.approximate_above_templates); 100,000 needed only 32 / 256 /
    1024 (docs/benchmarks.md)."""

    connectivity: int = 48
    expansion_add: int = 384
    expansion_search: int = 4096


class ApproximateIndex(Generic[PersonT]):
    """Unit embeddings in an HNSW graph (inner product = cosine for unit vectors), keyed by
    template id (a non-negative integer).

    params: the graph's shape. connectivity: edges per node (HNSW's M); more is better recall,
    more memory and a slower build. expansion_add / expansion_search: beam widths when
    inserting and searching (efConstruction, ef); wider is better recall and slower.
    candidate_templates: templates fetched per search, from which persons are ranked (the
    search's beam is the larger of this and expansion_search).
    threads: threads for a batch insert (`add_many`); 0 uses every core.

    Not thread-safe for writes: the owner serialises `add` and `remove`; searches may run
    concurrently with each other.
    """

    def __init__(
        self,
        dim: int = 128,
        *,
        params: HnswParams = HnswParams(),
        candidate_templates: int = 64,
        threads: int = 0,
    ) -> None:
        if candidate_templates < 2:
            raise ValueError(f"candidate_templates must be at least 2, got {candidate_templates}")
        self._dim = dim
        self._candidate_templates = candidate_templates
        self._threads = threads
        self._graph = Index(
            ndim=dim,
            metric="ip",
            dtype="f32",
            connectivity=params.connectivity,
            expansion_add=params.expansion_add,
            expansion_search=params.expansion_search,
        )
        self._person_of: dict[int, PersonT] = {}
        self._templates_per_person: Counter[PersonT] = Counter()
        self._version = 0
        # Template cohort means for the current version, filled on demand per template.
        self._cohort_lock = threading.Lock()
        self._cohort_cache: tuple[int, int, dict[int, float]] = (-1, 0, {})

    def __len__(self) -> int:
        """Number of templates."""
        return len(self._person_of)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self._person_of

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def version(self) -> int:
        """Increases with every add and remove; caches derived from the index compare it."""
        return self._version

    def person_count(self) -> int:
        return len(self._templates_per_person)

    @property
    def expansion_search(self) -> int:
        """The search beam width (HNSW's ef); settable between searches."""
        return int(self._graph.expansion_search)

    @expansion_search.setter
    def expansion_search(self, value: int) -> None:
        if value < 1:
            raise ValueError(f"expansion_search must be at least 1, got {value}")
        # usearch defines this setter apart from its getter, which mypy reads as read-only.
        self._graph.expansion_search = value  # type: ignore[misc]

    def add(self, template_id: int, person_id: PersonT, embedding: Embedding) -> None:
        """Adds one template. The embedding must have unit length; a template id may be added
        only once."""
        self.add_many([template_id], [person_id], np.asarray(embedding, dtype=np.float32)[None])

    def add_many(
        self, template_ids: list[int], person_ids: list[PersonT], embeddings: F32Array
    ) -> None:
        """Adds templates in one batch (the graph inserts them on all cores), with the same
        rules as `add`; nothing is added when any of them is invalid."""
        vectors = np.ascontiguousarray(embeddings, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self._dim:
            raise ValueError(f"expected {self._dim}-d embeddings, got shape {vectors.shape}")
        if not len(template_ids) == len(person_ids) == vectors.shape[0]:
            raise ValueError("template_ids, person_ids and embeddings differ in length")
        if np.any(np.abs(np.linalg.norm(vectors, axis=1) - 1.0) > _UNIT_TOLERANCE):
            raise ValueError("embeddings must have unit length (see matching.similarity.unit)")
        if any(t < 0 for t in template_ids):
            raise ValueError("template ids must be non-negative")
        if len(set(template_ids)) != len(template_ids) or any(
            t in self._person_of for t in template_ids
        ):
            raise ValueError("a template id is already in the index")
        if not template_ids:
            return
        self._graph.add(np.asarray(template_ids, dtype=np.uint64), vectors, threads=self._threads)
        for template_id, person_id in zip(template_ids, person_ids, strict=True):
            self._person_of[template_id] = person_id
            self._templates_per_person[person_id] += 1
        self._version += 1

    def remove(self, template_id: int) -> None:
        """Removes one template (KeyError when absent)."""
        person_id = self._person_of.pop(template_id)
        self._graph.remove(template_id)
        self._templates_per_person[person_id] -= 1
        if self._templates_per_person[person_id] == 0:
            del self._templates_per_person[person_id]
        self._version += 1

    def memory_bytes(self) -> int:
        """Bytes the graph holds (vectors and links), excluding the Python-side person map."""
        return int(self._graph.memory_usage)

    def template_ids(self) -> list[int]:
        """Every template id, in insertion order."""
        return list(self._person_of)

    def embedding(self, template_id: int) -> Embedding:
        """A copy of one stored template (KeyError when absent)."""
        if template_id not in self._person_of:
            raise KeyError(template_id)
        return np.asarray(self._graph.get(template_id), dtype=np.float32).copy()

    def embeddings(self, template_ids: list[int]) -> F32Array:
        """The stored templates of `template_ids` (all present), one row each, in one call."""
        if not template_ids:
            return np.zeros((0, self._dim), dtype=np.float32)
        keys = np.asarray(template_ids, dtype=np.uint64)
        return np.asarray(self._graph.get(keys), dtype=np.float32).reshape(-1, self._dim)

    def person_of(self, template_id: int) -> PersonT:
        return self._person_of[template_id]

    def nearest_templates(self, probe: Embedding, count: int) -> tuple[list[int], F32Array]:
        """Up to `count` template ids nearest to `probe` (approximately), with their cosine
        similarities, most similar first."""
        vector = np.asarray(probe, dtype=np.float32)
        if vector.shape != (self._dim,):
            raise ValueError(f"expected a {self._dim}-d probe, got shape {vector.shape}")
        if not self._person_of:
            return [], np.zeros(0, dtype=np.float32)
        matches = self._graph.search(vector, min(count, len(self)))
        keys = [int(key) for key in matches.keys]
        return keys, np.asarray(1.0 - matches.distances, dtype=np.float32)

    def candidates(self, probe: Embedding) -> ExactIndex[PersonT]:
        """The `candidate_templates` templates nearest to `probe` as a small exact index, for
        scorers; its `cohort_means` come from the whole gallery (`cohort_means_of`)."""
        template_ids, _ = self.nearest_templates(probe, self._candidate_templates)
        view: _CandidateView[PersonT] = _CandidateView(self, template_ids)
        return view

    def ranked_persons(self, probe: Embedding) -> RankedPersons[PersonT]:
        """The candidate persons (those owning one of the nearest templates), ranked by raw
        cosine similarity, best first."""
        return self.candidates(probe).ranked_persons(probe)

    def search(self, probe: Embedding, k: int) -> list[ScoredCandidate[PersonT]]:
        """Up to `k` most similar persons, best first, scored by raw cosine similarity (fewer
        than `k` when the candidate templates belong to fewer persons)."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        return self.ranked_persons(probe).top(k)

    def cohort_means_of(self, template_ids: list[int], cohort_size: int) -> F32Array:
        """Per template: the mean of its `cohort_size` highest similarities to templates of
        other persons (0 when there are none), as `ExactIndex.cohort_means` defines it but
        found through the graph, so it costs one query per template not yet cached for this
        index version."""
        with self._cohort_lock:
            version, size, cache = self._cohort_cache
            if (version, size) != (self._version, cohort_size):
                cache = {}
                self._cohort_cache = (self._version, cohort_size, cache)
            missing = [t for t in template_ids if t not in cache]
            for template_id in missing:
                cache[template_id] = self._cohort_mean(template_id, cohort_size)
            return np.asarray([cache[t] for t in template_ids], dtype=np.float32)

    def _cohort_mean(self, template_id: int, cohort_size: int) -> float:
        person_id = self._person_of[template_id]
        # Enough neighbours that, after dropping the person's own templates, K remain.
        wanted = cohort_size + self._templates_per_person[person_id]
        neighbours, similarities = self.nearest_templates(self.embedding(template_id), wanted)
        others = [
            similarity
            for neighbour, similarity in zip(neighbours, similarities.tolist(), strict=True)
            if self._person_of[neighbour] != person_id
        ][:cohort_size]
        return float(np.mean(others)) if others else 0.0


class _CandidateView(ExactIndex[PersonT]):
    """An exact index over some templates of an `ApproximateIndex`, whose cohort means are
    those of the whole gallery. Read-only by convention: it lives for one search."""

    def __init__(self, source: ApproximateIndex[PersonT], template_ids: list[int]) -> None:
        super().__init__(source.dim)
        self._source = source
        persons = [source.person_of(template_id) for template_id in template_ids]
        self.add_many(template_ids, persons, source.embeddings(template_ids))

    def cohort_means(self, cohort_size: int) -> F32Array:
        return self._source.cohort_means_of(self.template_ids(), cohort_size)
