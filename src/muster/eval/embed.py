"""Turning the images of a protocol into one embedding each, through the cache.

An evaluation image is meant to show one person; when the pipeline finds several faces the
largest box is taken as that person (in LFW the subject fills the centre, and bystanders are
smaller). Images where the pipeline finds no face, or that cannot be decoded, get no
embedding; the evaluations say how many and how they were scored.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
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


PIPELINE_MODULE = "muster.vision.pipeline"


def pipeline_key(settings: VisionSettings) -> str:
    """Identifies everything that shapes an embedding: the vision settings (the embedder,
    `flip_average`, jitter, detection...) and the source of every `muster.vision` module the
    pipeline imports. Editing the pipeline invalidates cached embeddings; work on vision
    modules the pipeline does not use (liveness, say) does not."""
    digest = hashlib.sha256()
    for module, source in sorted(vision_sources(PIPELINE_MODULE).items()):
        digest.update(module.encode())
        digest.update(source)
    return fingerprint(settings.model_dump_json(), digest.hexdigest())


def vision_sources(root: str) -> dict[str, bytes]:
    """The source of `root` and of every `muster.vision` module it imports, directly or
    through one another, found by reading their absolute import statements."""
    sources: dict[str, bytes] = {}
    pending = [root]
    while pending:
        module = pending.pop()
        if module in sources:
            continue
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise ValueError(f"cannot find the source of {module}")
        sources[module] = Path(spec.origin).read_bytes()
        pending += _imported_vision_modules(sources[module])
    return sources


def _imported_vision_modules(source: bytes) -> list[str]:
    """Modules of `muster.vision` that `source` imports by absolute name; for `from X import
    y`, X and, when y is itself a module, X.y."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if _is_module(f"{node.module}.{alias.name}")
            ]
    return [name for name in found if name.split(".")[:2] == ["muster", "vision"]]


def _is_module(name: str) -> bool:
    if name.split(".")[:2] != ["muster", "vision"]:
        return False
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


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
