"""Turning the images of a protocol into one embedding each, through the cache.

An evaluation image is meant to show one person; when the pipeline finds several faces the
largest box is taken as that person (in LFW the subject fills the centre, and bystanders are
smaller). Images where the pipeline finds no face, or that cannot be decoded, get no
embedding; the evaluations say how many and how they were scored.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from muster.config import VisionSettings
from muster.domain.errors import InvalidImageError
from muster.domain.faces import Embedding, Face
from muster.eval.cache import EMBEDDING_DIM, EmbeddingCache, fingerprint

log = logging.getLogger(__name__)


class FaceAnalyzer(Protocol):
    """What the evaluations need from the vision pipeline (muster.vision.FacePipeline)."""

    def analyze_path(self, path: Path) -> list[Face]: ...


@dataclass(slots=True)
class EmbeddedImages:
    """The outcome for every requested image: an embedding, no face, or unreadable."""

    embeddings: dict[Path, Embedding] = field(default_factory=dict)
    no_face: list[Path] = field(default_factory=list)
    unreadable: dict[Path, str] = field(default_factory=dict)


def pipeline_key(settings: VisionSettings) -> str:
    """Identifies everything that shapes an embedding: the vision settings and the source of
    the vision package (so editing the pipeline invalidates cached embeddings)."""
    package = Path(str(resources.files("muster.vision")))
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return fingerprint(settings.model_dump_json(), digest.hexdigest())


def _largest_first(faces: list[Face]) -> np.ndarray:
    ordered = sorted(faces, key=lambda face: face.box.width * face.box.height, reverse=True)
    if not ordered:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    return np.stack([face.embedding for face in ordered]).astype(np.float32)


def embed_images(
    paths: Iterable[Path],
    analyzer: FaceAnalyzer,
    cache: EmbeddingCache,
    *,
    progress: bool = True,
) -> EmbeddedImages:
    """One embedding per distinct path (the largest face), computing only uncached images."""
    result = EmbeddedImages()
    unique = list(dict.fromkeys(paths))
    missing: list[Path] = []
    for path in unique:
        rows = cache.get(path)
        if rows is None:
            missing.append(path)
        else:
            _record(result, path, rows)
    for path in tqdm(missing, desc="embedding", unit="img", disable=not progress or not missing):
        try:
            rows = _largest_first(analyzer.analyze_path(path))
        except InvalidImageError as error:
            log.warning("skipping %s: %s", path, error.message)
            result.unreadable[path] = error.message
            continue
        cache.put(path, rows)
        _record(result, path, rows)
    return result


def _record(result: EmbeddedImages, path: Path, rows: np.ndarray) -> None:
    if rows.shape[0] == 0:
        result.no_face.append(path)
    else:
        result.embeddings[path] = rows[0]
