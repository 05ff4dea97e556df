"""The in-memory 1:N gallery, kept in step with the database.

Every replica holds the templates of active people in an ExactIndex. Before a search it
checks the database's gallery version (at most every `refresh_interval_s`); when another
process added or removed a template the index is rebuilt from one consistent snapshot and
swapped in atomically, so searches never see half a reload.

Above `approximate_above_templates` templates the index is an ApproximateIndex (HNSW) instead
of an ExactIndex; scorers then run on the probe's candidate templates (`candidates`). With
`max_ranked_persons` an exact gallery's rankings hold only that many persons (the first of
the full ranking, unchanged), which is what makes a search of a large gallery fast.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from muster.domain.faces import Embedding
from muster.matching.ann import ApproximateIndex, HnswParams
from muster.matching.candidates import RankedPersons
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer
from muster.storage.repositories.templates import TemplateRepository


class Gallery:
    def __init__(
        self,
        templates: TemplateRepository,
        *,
        model_name: str,
        model_version: str,
        refresh_interval_s: float = 0.5,
        approximate_above_templates: int = 1_000_000,
        candidate_templates: int = 64,
        hnsw: HnswParams | None = None,
        max_ranked_persons: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._templates = templates
        self._model_name = model_name
        self._model_version = model_version
        self._refresh_interval_s = refresh_interval_s
        self._monotonic = monotonic
        self._approximate_above_templates = approximate_above_templates
        self._candidate_templates = candidate_templates
        self._hnsw = hnsw if hnsw is not None else HnswParams()
        self._max_ranked_persons = max_ranked_persons
        self._lock = threading.Lock()
        self._index: ExactIndex[int] | ApproximateIndex[int] = ExactIndex()
        self._version: int | None = None
        self._people_to_re_enrol = 0
        self._checked_at = -float("inf")

    @property
    def version(self) -> int | None:
        """The database gallery version the index reflects (None before the first load)."""
        return self._version

    def refresh(self, *, force: bool = False) -> None:
        """Reload if the database changed; cheap (one tiny query) when it did not."""
        now = self._monotonic()
        if not force and now - self._checked_at < self._refresh_interval_s:
            return
        with self._lock:
            self._checked_at = now
            if not force and self._templates.gallery_version() == self._version:
                return
            version, templates = self._templates.gallery(self._model_name, self._model_version)
            index: ExactIndex[int] | ApproximateIndex[int]
            if len(templates) > self._approximate_above_templates:
                index = ApproximateIndex(
                    params=self._hnsw, candidate_templates=self._candidate_templates
                )
            else:
                index = ExactIndex(max_ranked_persons=self._max_ranked_persons)
            index.add_many(
                [t.id for t in templates],
                [t.person_id for t in templates],
                np.asarray([t.embedding for t in templates], dtype=np.float32).reshape(
                    -1, index.dim
                ),
            )
            # Read with the reload, not per call: /healthz is polled by load balancers.
            stale = self._templates.people_to_re_enrol(self._model_name, self._model_version)
            self._index, self._version = index, version
            self._people_to_re_enrol = len(stale)

    def changed(self) -> None:
        """Called after this process changed templates: the next search reloads."""
        self._checked_at = -float("inf")

    def ranked(self, probe: Embedding, scorer: OpenSetScorer | None = None) -> RankedPersons[int]:
        """Every enrolled person ranked by `scorer` (by default their best template's raw
        similarity to `probe`), best first; with the approximate index, only the persons
        owning one of the probe's candidate templates. A scorer that depends on the
        gallery's size is resolved for the whole gallery, not for the candidates."""
        self.refresh()
        index = self._index
        if scorer is None:
            return index.ranked_persons(probe)
        concrete = scorer.for_gallery(index.person_count())
        view = index.candidates(probe) if isinstance(index, ApproximateIndex) else index
        return concrete.rank(view, probe)

    @property
    def is_approximate(self) -> bool:
        """Whether searches currently go through the approximate (HNSW) index."""
        return isinstance(self._index, ApproximateIndex)

    def person_count(self) -> int:
        self.refresh()
        return self._index.person_count()

    def template_count(self) -> int:
        self.refresh()
        return len(self._index)

    def people_to_re_enrol(self) -> int:
        """How many active people have templates made only by another embedder (before an
        upgrade, or with `vision.flip_average` switched): they are not recognised until they
        are enrolled again. Counted when the gallery (re)loads."""
        self.refresh()
        return self._people_to_re_enrol
