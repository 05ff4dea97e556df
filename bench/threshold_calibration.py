"""How well does the gallery-calibrated threshold keep its promise? (Not a test; prints figures.)

On the LFW development open-set protocol (../shared/faces/lfw_dev_identification.tsv), the
threshold is calibrated *from the gallery alone*, exactly as the service does
(`muster.services.thresholds`), for several target FPIRs; the unknown probes (people who are
not enrolled) then measure the FPIR it really gives, and the known probes the true-positive
identification rate (right person, accepted) and the wrong-identity rate, with and without the
margin rule. Random smaller galleries (people with 3+ images, 2 templates each) show how the
calibration behaves as the gallery shrinks. The baseline in the same run is the fixed
threshold dlib suggests (distance 0.6, cosine similarity 0.82).

    .venv/bin/python bench/threshold_calibration.py --faces ../shared/faces

Embeddings come from the same cache as `muster eval` (out/cache/embeddings): after `make
eval-identify` this takes seconds; the first run embeds ~5,000 images (half an hour or more
on one CPU core).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from muster.config import RecognitionSettings, Settings
from muster.eval.protocols import Role, read_identification
from muster.eval.run import DEFAULT_CACHE_DIR, EmbeddingSource
from muster.matching.index import ExactIndex
from muster.matching.normalization import RawSimilarityScorer
from muster.matching.similarity import euclidean_distance_to_similarity
from muster.services.thresholds import (
    ThresholdChoice,
    choose_threshold,
    impostor_comparison_scores,
)

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Gallery:
    person_ids: list[int]
    embeddings: FloatArray

    @property
    def people(self) -> int:
        return len(set(self.person_ids))

    def best_per_person(self, probes: FloatArray) -> FloatArray:
        """(probes x people) best-template similarity, people in id order 0..n-1."""
        scores = probes @ self.embeddings.T
        best = np.full((probes.shape[0], self.people), -np.inf, dtype=np.float32)
        for column, person in enumerate(self.person_ids):
            best[:, person] = np.maximum(best[:, person], scores[:, column])
        return best


def calibrate(gallery: Gallery, target_fpir: float) -> ThresholdChoice:
    index: ExactIndex[int] = ExactIndex()
    for template_id, (person, embedding) in enumerate(
        zip(gallery.person_ids, gallery.embeddings, strict=True)
    ):
        index.add(template_id, person, embedding)
    scorer = RawSimilarityScorer()
    impostors = impostor_comparison_scores(index, scorer, max_probes=2000)
    return choose_threshold(
        impostors,
        RecognitionSettings(target_fpir=target_fpir),
        scorer=scorer.name,
        people=gallery.people,
        templates=len(gallery.person_ids),
        gallery_version=None,
        now=datetime.now(UTC),
    )


def accepted(best: FloatArray, threshold: float, margin: float) -> npt.NDArray[np.bool_]:
    ordered = np.sort(best, axis=1)
    runner_up = ordered[:, -2] if best.shape[1] > 1 else np.full(best.shape[0], -np.inf)
    return (ordered[:, -1] >= threshold) & (ordered[:, -1] - runner_up >= margin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--targets", type=float, nargs="+", default=[0.001, 0.01, 0.05])
    parser.add_argument("--margins", type=float, nargs="+", default=[0.0, 0.02, 0.04])
    parser.add_argument("--repeats", type=int, default=40, help="random galleries per size")
    args = parser.parse_args()

    entries = read_identification(args.faces / "lfw_dev_identification.tsv")
    embedded = EmbeddingSource(Settings().vision, args.cache_dir).embed(e.path for e in entries)
    names = sorted({e.identity for e in entries if e.role is Role.GALLERY})
    code = {name: i for i, name in enumerate(names)}
    gallery_rows = [(e, embedded.embeddings.get(e.path)) for e in entries if e.role is Role.GALLERY]
    gallery = Gallery(
        [code[e.identity] for e, v in gallery_rows if v is not None],
        np.stack([v for _, v in gallery_rows if v is not None]).astype(np.float32),
    )
    known = [
        (code[e.identity], v)
        for e in entries
        if e.role is Role.PROBE_KNOWN and (v := embedded.embeddings.get(e.path)) is not None
    ]
    unknown = np.stack(
        [
            v
            for e in entries
            if e.role is Role.PROBE_UNKNOWN and (v := embedded.embeddings.get(e.path)) is not None
        ]
    ).astype(np.float32)
    known_best = gallery.best_per_person(np.stack([v for _, v in known]).astype(np.float32))
    known_mate = np.array([person for person, _ in known])
    unknown_best = gallery.best_per_person(unknown)
    print(
        f"LFW dev open set: {gallery.people} people enrolled (1 template each), "
        f"{len(known)} known and {unknown.shape[0]} unknown probes with a face "
        f"({len(embedded.no_face)} images without one)"
    )
    dlib_threshold = euclidean_distance_to_similarity(0.6)
    rows: list[tuple[str, float, str, float | None]] = [
        (f"{target:g}", c.min_score, c.method.value, c.expected_fpir)
        for target in args.targets
        for c in [calibrate(gallery, target)]
    ]
    rows.append(("baseline: dlib 0.6", dlib_threshold, "fixed", None))
    print(f"{'target FPIR':>18} {'threshold':>9} {'method':>16} {'expected':>8}  margin:", end="")
    print("".join(f"   {m:.2f}: FPIR  TPIR  wrong" for m in args.margins))
    for label, threshold, method, expected in rows:
        cells = []
        for margin in args.margins:
            fpir = accepted(unknown_best, threshold, margin).mean()
            hit = accepted(known_best, threshold, margin)
            right = known_best.argmax(axis=1) == known_mate
            cells.append(f"{fpir:.4f} {np.mean(hit & right):.3f} {np.mean(hit & ~right):.4f}")
        shown = "-" if expected is None else f"{expected:.4f}"
        print(f"{label:>18} {threshold:9.4f} {method:>16} {shown:>8}  " + "   ".join(cells))

    by_person: defaultdict[str, list[FloatArray]] = defaultdict(list)
    for e in entries:
        if e.role is not Role.PROBE_UNKNOWN and (v := embedded.embeddings.get(e.path)) is not None:
            by_person[e.identity].append(v)
    candidates = sorted(name for name, vs in by_person.items() if len(vs) >= 3)
    rng = np.random.default_rng(0)
    print(f"\nRandom galleries from {len(candidates)} people with 3+ images, 2 templates each;")
    print("measured FPIR of the unknown probes (no margin rule), mean and worst over the repeats:")
    for size in (5, 20, 100):
        for target in args.targets:
            measured, thresholds = [], []
            for _ in range(args.repeats):
                chosen = rng.choice(len(candidates), size, replace=False)
                sub = Gallery(
                    [i for i, c in enumerate(chosen) for _ in by_person[candidates[c]][:2]],
                    np.stack([v for c in chosen for v in by_person[candidates[c]][:2]]),
                )
                choice = calibrate(sub, target)
                thresholds.append(choice.min_score)
                measured.append(accepted(sub.best_per_person(unknown), choice.min_score, 0).mean())
            print(
                f"  {size:>3} people, target {target:<6g} threshold {np.mean(thresholds):.3f} "
                f"({choice.method.value}): FPIR {np.mean(measured):.4f} mean, "
                f"{np.max(measured):.3f} worst"
            )


if __name__ == "__main__":
    main()
