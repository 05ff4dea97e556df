"""Muster against the `face_recognition` reference on the same protocols, in one run.

    bash bench/reference_env.sh                       # once: builds out/refenv
    .venv/bin/python bench/accuracy_vs_reference.py --faces ../shared/faces
    .venv/bin/python bench/accuracy_vs_reference.py --levers   # scorer grid and flip TTA

The reference runs as its users run it, in its own virtual environment (out/refenv, made by
bench/reference_env.sh): `load_image_file`, `face_encodings` with the default HOG detector and
5-point landmarks, the first encoding of each image, and `face_distance` to compare. This file
is also that worker (`reference-worker` mode, run by the reference venv's python), which is why
it imports nothing from Muster at module level: the reference venv has no Muster.
"""

# This file also runs in the reference venv, which has no Muster, so Muster is imported inside
# the functions that run in .venv:
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

REFERENCE_DIM = 128


def _file_key(path: Path, version: str) -> str:
    stat = path.stat()
    material = f"{path.resolve()}\0{stat.st_mtime_ns}\0{stat.st_size}\0{version}"
    return hashlib.sha256(material.encode()).hexdigest()


def reference_worker(job_path: Path, result_path: Path, cache_path: Path) -> None:
    """Runs inside out/refenv. Job (JSON): `images` (paths), `pairs` (index pairs), `gallery`
    and `probes` (image indices). Writes an .npz with, per image, the first face encoding (NaN
    row when no face) and the face count; per pair, `face_distance` (NaN when a face is
    missing); per probe and per gallery image, `face_distance` to every gallery encoding (NaN
    where missing). Encodings are cached in `cache_path` across runs."""
    from importlib.metadata import version

    import face_recognition
    from tqdm import tqdm

    job = json.loads(job_path.read_text())
    images = [Path(p) for p in job["images"]]
    tag = f"face_recognition {version('face_recognition')}, hog, first face"
    cached: dict[str, np.ndarray] = {}
    if cache_path.exists():
        with np.load(cache_path) as stored:
            cached = {key: stored[key] for key in stored.files}
    encodings = np.full((len(images), REFERENCE_DIM), np.nan)
    face_counts = np.zeros(len(images), dtype=np.int64)
    keys = [_file_key(path, tag) for path in images]
    for i, (path, key) in enumerate(tqdm(list(zip(images, keys, strict=True)), desc="reference")):
        if key not in cached:
            found = face_recognition.face_encodings(face_recognition.load_image_file(path))
            row = np.full(REFERENCE_DIM + 1, np.nan)
            row[0] = len(found)
            if found:
                row[1:] = found[0]
            cached[key] = row
            if len(cached) % 200 == 0:
                np.savez(cache_path, allow_pickle=False, **cached)
        face_counts[i] = int(cached[key][0])
        encodings[i] = cached[key][1:]
    np.savez(cache_path, allow_pickle=False, **cached)

    def distances(known: list[int], probe: int) -> np.ndarray:
        rows = encodings[known]
        have = ~np.isnan(rows[:, 0])
        out = np.full(len(known), np.nan)
        if not np.isnan(encodings[probe, 0]) and have.any():
            out[have] = face_recognition.face_distance(rows[have], encodings[probe])
        return out

    pair_distances = np.array([distances([a], b)[0] for a, b in job["pairs"]])
    probe_gallery = np.stack([distances(job["gallery"], p) for p in job["probes"]])
    gallery_gallery = np.stack([distances(job["gallery"], g) for g in job["gallery"]])
    np.savez(
        result_path,
        images=np.array([str(path) for path in images]),
        encodings=encodings,
        face_counts=face_counts,
        pair_distances=pair_distances,
        probe_gallery_distances=probe_gallery,
        gallery_gallery_distances=gallery_gallery,
        version=np.array(version("face_recognition")),
    )


# ---------------------------------------------------------------------------------------------
# The comparison (runs in Muster's .venv; Muster is imported here, never at module level).

PAIRS_TEST = "lfw_pairs_view1_test.tsv"
PAIRS_TRAIN = "lfw_pairs_view1_train.tsv"
IDENTIFICATION = "lfw_dev_identification.tsv"
REFERENCE_TOLERANCE = 0.6
"""face_recognition's default `compare_faces` tolerance (Euclidean distance)."""


def _scores_from_distances(distances: np.ndarray) -> np.ndarray:
    """Higher-is-better scores for the shared metrics: -distance, and -inf where missing."""
    return np.where(np.isnan(distances), -np.inf, -distances)


def _run_reference(
    pairs: list[Any], entries: list[Any], refenv: Path, out: Path
) -> dict[str, np.ndarray]:
    """Runs the reference worker in the reference venv on every image of both protocols."""
    python = refenv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no reference environment at {refenv}: run bash bench/reference_env.sh")
    images: dict[str, int] = {}

    def index(path: Path) -> int:
        return images.setdefault(str(path.resolve()), len(images))

    job = {
        "pairs": [[index(pair.path_a), index(pair.path_b)] for pair in pairs],
        "gallery": [index(e.path) for e in entries if e.role == "gallery"],
        "probes": [index(e.path) for e in entries if e.role != "gallery"],
    }
    job["images"] = list(images)
    out.mkdir(parents=True, exist_ok=True)
    job_path, result_path = out / "reference-job.json", out / "reference-result.npz"
    job_path.write_text(json.dumps(job))
    command = [str(python), str(Path(__file__).resolve()), "reference-worker"]
    command += [str(job_path), str(result_path), str(out / "reference-cache.npz")]
    subprocess.run(command, check=True)
    with np.load(result_path) as result:
        return {key: result[key] for key in result.files}


def compare(
    faces: Path, refenv: Path, out: Path, cache_dir: Path, progress: bool
) -> dict[str, Any]:
    """Every number of both systems on LFW View 1 (pairs) and the open-set protocol."""
    from muster.config import Settings
    from muster.eval.det_plot import write_det_plot
    from muster.eval.identify import evaluate_identification, search_probes
    from muster.eval.metrics import det_curve
    from muster.eval.pairs import evaluate_pairs
    from muster.eval.protocols import read_identification, read_pairs
    from muster.eval.run import EmbeddingSource, run_pairs
    from muster.matching.normalization import (
        CohortCentredScorer,
        RawSimilarityScorer,
    )

    pairs = read_pairs(faces / PAIRS_TEST) + read_pairs(faces / PAIRS_TRAIN)
    entries = read_identification(faces / IDENTIFICATION)
    reference = _run_reference(pairs, entries, refenv, out)
    version = str(reference["version"])
    source = EmbeddingSource(Settings().vision, cache_dir, progress)
    no_face = int(np.sum(reference["face_counts"] == 0))

    pair_results = {
        "muster": run_pairs(faces / PAIRS_TEST, source, train_file=faces / PAIRS_TRAIN),
        "reference": evaluate_pairs(
            pairs, _scores_from_distances(reference["pair_distances"]), images_without_face=no_face
        ),
    }
    pair_results |= _pairs_on_reference_encodings(pairs, reference)

    images = source.embed(entry.path for entry in entries)
    open_set, curves = {}, {}
    for name, scorer in (("muster_raw", RawSimilarityScorer()), ("muster", CohortCentredScorer())):
        found = search_probes(entries, images.embeddings, scorer)
        open_set[name] = evaluate_identification(found, scorer)
        curves[f"Muster, {scorer.name}"] = det_curve(found.scores)
    ref_scores, ref_report = _reference_open_set(entries, reference)
    open_set["reference"] = ref_report
    curves[f"face_recognition {version}, distance"] = det_curve(ref_scores)
    open_set |= _open_set_on_reference_encodings(entries, reference)
    write_det_plot(curves, out / "det_vs_reference.png")
    tolerance = _reference_at_tolerance(pairs, reference, ref_scores)
    return {
        "reference_version": version,
        "pairs": {name: asdict(report) for name, report in pair_results.items()},
        "identify": {name: asdict(report) for name, report in open_set.items()},
        "reference_at_tolerance_0.6": tolerance,
    }


def _reference_open_set(entries: list[Any], reference: dict[str, np.ndarray]) -> tuple[Any, Any]:
    """The reference's open-set answer per probe: the gallery image at the smallest
    face_distance, scored -distance; gallery members against the other persons give the
    gallery-calibrated threshold, as for Muster."""
    from muster.eval.identify import open_set_report
    from muster.eval.metrics import OpenSetScores

    gallery = [e.identity for e in entries if e.role == "gallery"]
    probes = [e for e in entries if e.role != "gallery"]
    distances = reference["probe_gallery_distances"]
    known_scores, known_mates, unknown_scores = [], [], []
    for probe, row in zip(probes, distances, strict=True):
        found = not np.all(np.isnan(row))
        best = int(np.nanargmin(row)) if found else -1
        score = -float(row[best]) if found else -np.inf
        if probe.role == "probe_known":
            known_scores.append(score)
            known_mates.append(found and gallery[best] == probe.identity)
        else:
            unknown_scores.append(score)
    scores = OpenSetScores(np.array(known_scores), np.array(known_mates), np.array(unknown_scores))
    gallery_rows = reference["gallery_gallery_distances"]
    same = np.array(gallery)[:, None] == np.array(gallery)[None, :]
    enrolled = ~np.all(np.isnan(gallery_rows), axis=1)
    impostor = np.where(same | np.isnan(gallery_rows), np.inf, gallery_rows)[enrolled]
    report = open_set_report(
        scores,
        -impostor.min(axis=1),
        scorer_name="face_recognition: -face_distance",
        enrolled_persons=int(enrolled.sum()),
        gallery_without_face=int((~enrolled).sum()),
        probes_without_face=int(np.all(np.isnan(distances), axis=1).sum()),
    )
    return scores, report


def _reference_embeddings(paths: list[Path], reference: dict[str, np.ndarray]) -> dict[Path, Any]:
    """The reference's encodings scaled to unit length, keyed like Muster's embeddings."""
    encodings = reference["encodings"]
    index = {path: i for i, path in enumerate(reference["images"].tolist())}
    found = {}
    for path in paths:
        row = encodings[index[str(path.resolve())]]
        if not np.isnan(row[0]):
            found[path] = (row / np.linalg.norm(row)).astype(np.float32)
    return found


def _pairs_on_reference_encodings(
    pairs: list[Any], reference: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Same faces, same descriptors as the reference; only the comparison changes: cosine of
    unit-length descriptors instead of Euclidean distance of raw ones."""
    from muster.eval.pairs import evaluate_pairs, score_pairs
    from muster.matching.similarity import similarity

    paths = [path for pair in pairs for path in (pair.path_a, pair.path_b)]
    unit = _reference_embeddings(paths, reference)
    no_face = int(np.sum(reference["face_counts"] == 0))
    return {
        "reference_encodings_cosine": evaluate_pairs(
            pairs, score_pairs(pairs, unit, similarity), images_without_face=no_face
        )
    }


def _open_set_on_reference_encodings(
    entries: list[Any], reference: dict[str, np.ndarray]
) -> dict[str, Any]:
    """The reference's own descriptors searched with Muster's scorers, which separates the
    scoring's share of the gain from the pipeline's (detection fallback, face choice)."""
    from muster.eval.identify import evaluate_identification, search_probes
    from muster.matching.normalization import (
        CohortCentredScorer,
        RawSimilarityScorer,
    )

    unit = _reference_embeddings([e.path for e in entries], reference)
    reports = {}
    for name, scorer in (
        ("reference_encodings_cosine", RawSimilarityScorer()),
        ("reference_encodings_cohort", CohortCentredScorer()),
    ):
        reports[name] = evaluate_identification(search_probes(entries, unit, scorer), scorer)
    return reports


def _reference_at_tolerance(
    pairs: list[Any], reference: dict[str, np.ndarray], ref_scores: Any
) -> dict[str, float]:
    """What a face_recognition user gets at the default tolerance (distance <= 0.6)."""
    from muster.eval.metrics import accuracy, fnir_at

    test = np.array([pair.split == "test" for pair in pairs])
    same = np.array([pair.same for pair in pairs])
    scores = _scores_from_distances(reference["pair_distances"])
    point = fnir_at(ref_scores, -REFERENCE_TOLERANCE)
    return {
        "pairs_test_accuracy": accuracy(scores[test], same[test], -REFERENCE_TOLERANCE),
        "open_set_fpir": point.false_positive_rate,
        "open_set_fnir": point.false_negative_rate,
    }


def _row(label: str, values: list[str]) -> str:
    return f"| {label} | " + " | ".join(values) + " |"


def print_tables(results: dict[str, Any]) -> None:
    """Markdown tables, ready for docs/accuracy.md."""
    print("\nLFW View 1 pairs (threshold from the 2,200 train pairs, 1,000 test pairs):\n")
    print("| system | accuracy | ROC AUC | TAR @ FAR 1e-3 | images without face |")
    print("|---|---|---|---|---|")
    for name, report in results["pairs"].items():
        print(
            _row(
                name,
                [
                    f"{report['accuracy']:.2%}",
                    f"{report['roc_auc']:.4f}",
                    f"{report['tar_at_far']:.2%}",
                    str(report["images_without_face"]),
                ],
            )
        )
    tolerance = results["reference_at_tolerance_0.6"]
    print(
        f"\nreference at its default tolerance 0.6: pairs accuracy "
        f"{tolerance['pairs_test_accuracy']:.2%}; open set FPIR {tolerance['open_set_fpir']:.2%}"
        f", FNIR {tolerance['open_set_fnir']:.2%}"
    )
    print("\nOpen-set identification, one enrolment photo per person (FNIR; FPIR reached):\n")
    ways = "DET | held-out | gallery-calibrated"
    print(f"| system | rank-1 | FNIR@1%: {ways} | FNIR@0.3%: {ways} |")
    print("|---|---|---|---|---|---|---|---|")
    for name, report in results["identify"].items():
        cells = [f"{report['rank1']:.2%}"]
        for point in report["points"]:
            cells.append(f"{point['det']['false_negative_rate']:.2%}")
            for way in ("held_out", "gallery"):
                reached = point[way]
                cells.append(
                    f"{reached['false_negative_rate']:.2%} ({reached['false_positive_rate']:.2%})"
                )
        print(_row(name, cells))
    muster = results["identify"]["muster"]["points"][0]["det"]["false_negative_rate"]
    ref = results["identify"]["reference"]["points"][0]["det"]["false_negative_rate"]
    print(
        f"\nFNIR at FPIR 1%: Muster {muster:.2%} vs reference {ref:.2%} "
        f"(ratio {muster / ref:.2f}; target <= 0.50)"
    )


# ---------------------------------------------------------------------------------------------
# Levers (--levers): what else was tried, measured on Muster's own pipeline.

LEVER_GRID = [(k, a, b) for k in (3, 5, 10) for a, b in ((0.25, 0.25), (0.5, 0.25), (0.25, 0.5))]
"""(cohort_size, probe_weight, template_weight) tried for the cohort-centred scorer."""


def _flip_variants(vision: Any) -> dict[str, Any]:
    """The vision settings without ("plain") and with ("flip") flip test-time augmentation
    (`vision.flip_average`), everything else as configured."""
    return {
        name: vision.model_copy(update={"flip_average": flip})
        for name, flip in (("plain", False), ("flip", True))
    }


def _person_half(identity: str) -> int:
    return zlib.crc32(identity.encode()) % 2


def levers(faces: Path, cache_dir: Path, progress: bool) -> dict[str, Any]:
    """FNIR at FPIR 1% (DET) for each scorer setting, with and without flip TTA
    (`vision.flip_average`), on two person-disjoint halves of the protocol (A: settings are
    chosen here; B: confirmed here) and on the whole; plus pairs accuracy of each variant."""
    from muster.config import Settings
    from muster.eval.identify import search_probes
    from muster.eval.metrics import fnir_at_fpir, rank1_accuracy
    from muster.eval.pairs import evaluate_pairs, score_pairs
    from muster.eval.protocols import read_identification, read_pairs
    from muster.eval.run import EmbeddingSource
    from muster.matching.normalization import (
        CohortCentredScorer,
        OpenSetScorer,
        RawSimilarityScorer,
    )
    from muster.matching.similarity import similarity

    entries = read_identification(faces / IDENTIFICATION)
    pairs = read_pairs(faces / PAIRS_TEST) + read_pairs(faces / PAIRS_TRAIN)
    pair_paths = [path for pair in pairs for path in (pair.path_a, pair.path_b)]
    every = list(dict.fromkeys([e.path for e in entries] + pair_paths))
    variants = {
        name: EmbeddingSource(vision, cache_dir, progress).embed(every).embeddings
        for name, vision in _flip_variants(Settings().vision).items()
    }
    scorers: list[OpenSetScorer] = [RawSimilarityScorer()]
    scorers += [CohortCentredScorer(k, a, b) for k, a, b in LEVER_GRID]
    halves = {
        "A": [e for e in entries if _person_half(e.identity) == 0],
        "B": [e for e in entries if _person_half(e.identity) == 1],
        "all": entries,
    }
    rows: list[dict[str, Any]] = []
    for variant, embeddings in variants.items():
        pairs_report = evaluate_pairs(pairs, score_pairs(pairs, embeddings, similarity))
        rows.append({"variant": variant, "pairs": asdict(pairs_report)})
        for scorer in scorers:
            row: dict[str, Any] = {"variant": variant, "scorer": scorer.name}
            for half, chosen in halves.items():
                result = search_probes(chosen, embeddings, scorer)
                row[half] = fnir_at_fpir(result.scores, 0.01).false_negative_rate
                row[f"{half}_rank1"] = rank1_accuracy(result.scores)
            rows.append(row)
            print(
                f"{variant:5s} {scorer.name:42s} FNIR@1%: A {row['A']:.2%}  B {row['B']:.2%}"
                f"  all {row['all']:.2%}  (rank-1 all {row['all_rank1']:.2%})"
            )
        print(
            f"{variant:5s} pairs: accuracy {pairs_report.accuracy:.2%}, AUC "
            f"{pairs_report.roc_auc:.4f}, TAR@FAR1e-3 {pairs_report.tar_at_far:.2%}"
        )
    return {"levers": rows}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--refenv", type=Path, default=Path("out/refenv"))
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    parser.add_argument("--cache-dir", type=Path, default=Path("out/cache/embeddings"))
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument(
        "--levers", action="store_true", help="Measure the scorer grid and flip TTA instead."
    )
    args = parser.parse_args(argv)
    from muster.eval.report import finite_json

    if args.levers:
        found = levers(args.faces, args.cache_dir, not args.no_progress)
        path = args.out / "levers.json"
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(finite_json(found), indent=2, allow_nan=False) + "\n")
        print(f"wrote {path}")
        return
    results = compare(args.faces, args.refenv, args.out, args.cache_dir, not args.no_progress)
    print_tables(results)
    report = args.out / "accuracy_vs_reference.json"
    report.write_text(json.dumps(finite_json(results), indent=2, allow_nan=False) + "\n")
    print(f"\nwrote {report} and {args.out / 'det_vs_reference.png'}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "reference-worker":
    worker = argparse.ArgumentParser(prog="accuracy_vs_reference.py reference-worker")
    worker.add_argument("job", type=Path)
    worker.add_argument("result", type=Path)
    worker.add_argument("cache", type=Path)
    parsed = worker.parse_args(sys.argv[2:])
    reference_worker(parsed.job, parsed.result, parsed.cache)
elif __name__ == "__main__":
    main(sys.argv[1:])
