"""Cosine similarity between unit-length face embeddings.

Similarity runs from -1 to 1 and higher means more alike: 1 is the same vector, 0 unrelated,
-1 opposite. For unit vectors it is the dot product, and it relates to the Euclidean distance
that dlib and `face_recognition` use by ``distance**2 = 2 - 2 * similarity``; the mapping is
monotone, so a threshold on one is a threshold on the other (dlib's 0.6 is similarity 0.82)
*when both vectors have unit length*. dlib's raw descriptors are close to, but not exactly,
unit length; docs/accuracy.md measures what normalising them changes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from muster.domain.faces import Embedding

FloatArray = npt.NDArray[np.float32]
"""A float32 array: a matrix of embeddings (one per row) or a vector of similarities."""


def unit(vectors: npt.ArrayLike) -> FloatArray:
    """Scale each row (or a single vector) to unit length as float32.

    Raises ValueError for a zero or non-finite vector, which no embedder should produce.
    """
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("cannot normalise a zero or non-finite embedding")
    return np.asarray(array / norms, dtype=np.float32)


def similarity(a: Embedding, b: Embedding) -> float:
    """Cosine similarity of two unit embeddings, -1..1, higher is more alike."""
    return float(np.dot(a, b))


def similarity_matrix(probes: FloatArray, gallery: FloatArray) -> FloatArray:
    """All cosine similarities: row i, column j compares ``probes[i]`` with ``gallery[j]``.

    Both inputs are matrices of unit embeddings (one per row, same width).
    """
    if probes.ndim != 2 or gallery.ndim != 2 or probes.shape[1] != gallery.shape[1]:
        raise ValueError(
            f"expected two embedding matrices of equal width, got {probes.shape} and "
            f"{gallery.shape}"
        )
    return np.asarray(probes @ gallery.T, dtype=np.float32)


def euclidean_distance_to_similarity(distance: float) -> float:
    """The cosine similarity of two unit vectors that are `distance` apart (0..2)."""
    return 1.0 - distance * distance / 2.0
