"""An on-disk cache of per-image embeddings, so that re-running an evaluation only embeds the
images that changed.

An entry's key hashes the image's resolved path, its modification time and size, and a
`pipeline_key` that the caller derives from everything that shapes an embedding (the vision
settings and the vision code). Changing any of them makes a new key; stale entries are simply
never read again (delete the folder to reclaim the space). Entries are written to a temporary
file and renamed into place, so an interrupted run never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

EMBEDDING_DIM = 128

EmbeddingRows = npt.NDArray[np.float32]
"""Zero or more embeddings, one per row: (0, d) records that the image had no face."""


class EmbeddingCache:
    """Cached embeddings under `directory`, valid for one pipeline configuration.

    The cache belongs outside the repository (under out/ or a --cache-dir)."""

    def __init__(self, directory: Path, pipeline_key: str) -> None:
        self._directory = directory
        self._pipeline_key = pipeline_key

    def _entry(self, image: Path) -> Path:
        resolved = image.resolve()
        stat = resolved.stat()
        material = f"{resolved}\0{stat.st_mtime_ns}\0{stat.st_size}\0{self._pipeline_key}"
        digest = hashlib.sha256(material.encode()).hexdigest()
        return self._directory / digest[:2] / f"{digest}.npy"

    def get(self, image: Path) -> EmbeddingRows | None:
        """The embeddings stored for `image`, or None when it is not cached."""
        entry = self._entry(image)
        try:
            rows = np.load(entry, allow_pickle=False)
        except (FileNotFoundError, ValueError, EOFError):
            return None
        return np.asarray(rows, dtype=np.float32)

    def put(self, image: Path, rows: EmbeddingRows) -> None:
        """Stores `rows` (n x d float32; n may be 0) for `image`."""
        entry = self._entry(image)
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.save(stream, np.asarray(rows, dtype=np.float32), allow_pickle=False)
            os.replace(temporary, entry)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def fingerprint(*parts: str | bytes) -> str:
    """A short stable digest of several strings or byte blobs (for pipeline keys)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:32]
