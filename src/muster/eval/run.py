"""The evaluation commands' work: read a protocol, embed its images through the cache with
the real `FacePipeline`, score, and compute the report. The CLI only parses and prints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from muster.config import VisionSettings
from muster.eval.cache import EmbeddingCache
from muster.eval.det_plot import write_det_plot
from muster.eval.embed import EmbeddedImages, FaceAnalyzer, embed_images, pipeline_key
from muster.eval.identify import IdentificationReport, evaluate_identification, search_probes
from muster.eval.metrics import det_curve
from muster.eval.pairs import PairsReport, evaluate_pairs, score_pairs
from muster.eval.protocols import ProtocolFileError, read_identification, read_pairs
from muster.matching.normalization import OpenSetScorer
from muster.matching.similarity import similarity

DEFAULT_CACHE_DIR = Path("out/cache/embeddings")


@dataclass(frozen=True, slots=True)
class EmbeddingSource:
    """How protocol images become embeddings: the vision settings, where the cache lives,
    whether to draw a progress bar, and optionally a ready pipeline (tests share one)."""

    settings: VisionSettings
    cache_dir: Path = DEFAULT_CACHE_DIR
    progress: bool = True
    analyzer: FaceAnalyzer | None = None

    def embed(self, paths: Iterable[Path]) -> EmbeddedImages:
        wanted = list(dict.fromkeys(paths))
        missing = [path for path in wanted if not path.is_file()]
        if missing:
            shown = ", ".join(str(path) for path in missing[:3])
            raise ProtocolFileError(
                f"{len(missing)} image(s) named by the protocol do not exist, e.g. {shown} "
                "(paths are relative to the protocol file's folder)"
            )
        analyzer = self.analyzer
        if analyzer is None:
            from muster.vision.pipeline import FacePipeline  # noqa: PLC0415 - loads dlib

            analyzer = FacePipeline(self.settings)
        cache = EmbeddingCache(self.cache_dir, pipeline_key(self.settings))
        return embed_images(wanted, analyzer, cache, progress=self.progress)


def run_pairs(
    pairs_file: Path, source: EmbeddingSource, *, train_file: Path | None = None, far: float = 1e-3
) -> PairsReport:
    """Verification report for a pairs file (plus train pairs from `train_file`, if given)."""
    pairs = read_pairs(pairs_file) + (read_pairs(train_file) if train_file else [])
    images = source.embed(path for pair in pairs for path in (pair.path_a, pair.path_b))
    scores = score_pairs(pairs, images.embeddings, similarity)
    return evaluate_pairs(
        pairs,
        scores,
        far=far,
        images_without_face=len(images.no_face) + len(images.unreadable),
    )


def run_identification(
    protocol_file: Path,
    source: EmbeddingSource,
    scorer: OpenSetScorer,
    *,
    det_png: Path | None = None,
) -> IdentificationReport:
    """Open-set identification report; with `det_png`, also draws the DET curve there."""
    entries = read_identification(protocol_file)
    images = source.embed(entry.path for entry in entries)
    result = search_probes(entries, images.embeddings, scorer)
    if det_png is not None:
        write_det_plot({f"Muster, {scorer.name}": det_curve(result.scores)}, det_png)
    return evaluate_identification(result, scorer)
