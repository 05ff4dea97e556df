"""Bulk enrolment and group photos: images per second on this machine's cores, against
face_recognition in the same run, and whether both find and name the same faces.

    bash bench/reference_env.sh          # once: builds out/refenv
    .venv/bin/python bench/bulk_enrolment.py --faces ../shared/faces --photos 200

Bulk enrolment: `--photos` LFW photos (lfw_dev, whole people spread over the alphabet) laid
out as DIR/<person>/<photo> (symbolic links in a temporary folder), enrolled by
`enrol_folder` as `muster enroll` runs it: in this process (`workers=1`), and in `--workers`
processes (worker start-up included). The reference runs face_locations + face_encodings on
the same files, in one process and in a pool of `--workers` (as `face_recognition --cpus N`).

Equal accuracy: per photo, whether each finds exactly one face; and, over the photos both
embedded, leave-one-out rank-1 identification (each photo's nearest other photo names the
right person?), counted as agreements and disagreements.

Group photos: the photos of multi_face_index.csv with two or more faces, through the group
photo pipeline (`group_vision_settings`: upsample 1, detection on a copy of at most 2,560 px),
in one process and in `--workers` processes; the reference with upsample 1 on the same files.
Face counts are compared with the expected counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from muster.config import GroupPhotoSettings, Settings, VisionSettings
from muster.domain.quality_gates import QualityCode
from muster.services.container import EMBEDDER_NAME, embedder_version
from muster.services.group_photos import group_vision_settings
from muster.services.local_enrolment import FolderEnrolment, enrol_folder
from muster.services.parallel_photos import map_in_workers, worker_count, worker_pipeline
from muster.vision.pipeline import FacePipeline

REPO_ROOT = Path(__file__).resolve().parent.parent
F64Array = npt.NDArray[np.float64]


def lfw_folder(faces: Path, photos: int, target: Path) -> list[Path]:
    """Links about `photos` LFW photos (whole people, spread over the alphabet) into
    target/<person>/; returns the links in enrolment order."""
    people = sorted(p for p in (faces / "lfw_dev").iterdir() if p.is_dir())
    total = sum(len(list(p.glob("*.jpg"))) for p in people)
    step = max(1, total // photos)
    links: list[Path] = []
    for person in people[::step]:
        folder = target / person.name
        folder.mkdir(parents=True)
        for photo in sorted(person.glob("*.jpg")):
            (folder / photo.name).symlink_to(photo)
    for person in sorted(target.iterdir()):
        links += sorted(person.iterdir())
    return links


@dataclass(frozen=True, slots=True)
class Timed:
    result: FolderEnrolment
    seconds: float


def enrol_timed(root: Path, pipeline: FacePipeline, settings: Settings, workers: int) -> Timed:
    started = time.perf_counter()
    result = enrol_folder(
        root,
        pipeline,
        model_name=EMBEDDER_NAME,
        model_version=embedder_version(settings.vision),
        policy=settings.enrolment.quality_policy(),
        workers=workers,
    )
    return Timed(result, time.perf_counter() - started)


def run_reference(refenv: Path, out: Path, name: str, job: dict[str, Any]) -> dict[str, Any]:
    python = refenv / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"no reference environment at {refenv}: run bash bench/reference_env.sh")
    job_path, result_path = out / f"{name}-job.json", out / f"{name}.json"
    job_path.write_text(json.dumps(job))
    worker = REPO_ROOT / "bench" / "reference_worker.py"
    subprocess.run([str(python), str(worker), "bulk", str(job_path), str(result_path)], check=True)
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def muster_face_counts(result: FolderEnrolment, links: list[Path]) -> dict[Path, str]:
    """Per photo: "1" (one face, enrolled or refused by a quality gate), "0" or "2+"."""
    counts = dict.fromkeys(links, "1")
    for person in result.people:
        for skipped in person.skipped:
            if skipped.code == QualityCode.NO_FACE:
                counts[skipped.photo] = "0"
            elif skipped.code == QualityCode.SEVERAL_FACES:
                counts[skipped.photo] = "2+"
    return counts


def rank1_correct(vectors: F64Array, people: list[str], *, cosine: bool) -> list[bool | None]:
    """Leave-one-out: is each row's nearest other row the same person? None for a person
    with one photo. Cosine similarity for Muster's unit vectors, Euclidean distance for
    face_recognition's encodings (as each ranks matches)."""
    if cosine:
        scores = vectors @ vectors.T
    else:
        squared = (vectors**2).sum(axis=1)
        scores = -(squared[:, None] + squared[None, :] - 2 * vectors @ vectors.T)
    np.fill_diagonal(scores, -np.inf)
    counts: dict[str, int] = {}
    for person in people:
        counts[person] = counts.get(person, 0) + 1
    best = scores.argmax(axis=1)
    return [
        None if counts[people[i]] < 2 else people[int(best[i])] == people[i]
        for i in range(len(people))
    ]


def accuracy_lines(
    serial: FolderEnrolment, links: list[Path], reference: dict[str, Any]
) -> list[str]:
    """Face-found agreement and identification agreement between Muster and the reference."""
    muster_counts = muster_face_counts(serial, links)
    ref_rows = dict(zip(links, reference["images"], strict=True))

    def ref_count(photo: Path) -> str:
        faces = int(ref_rows[photo]["faces"])
        return "2+" if faces > 1 else str(faces)

    same = sum(muster_counts[p] == ref_count(p) for p in links)
    differ = [
        (p.name, muster_counts[p], ref_count(p)) for p in links if muster_counts[p] != ref_count(p)
    ]
    templates = {t.source: t for t in serial.gallery.templates}
    root = links[0].parent.parent
    common = [
        p for p in links if p.relative_to(root).as_posix() in templates and ref_rows[p]["encodings"]
    ]
    people = [p.parent.name for p in common]
    muster_vectors = np.stack(
        [templates[p.relative_to(root).as_posix()].embedding for p in common]
    ).astype(np.float64)
    ref_vectors = np.asarray([ref_rows[p]["encodings"][0] for p in common], dtype=np.float64)
    muster_ok = rank1_correct(muster_vectors, people, cosine=True)
    ref_ok = rank1_correct(ref_vectors, people, cosine=False)
    judged = [
        (m, r) for m, r in zip(muster_ok, ref_ok, strict=True) if m is not None and r is not None
    ]
    return [
        f"faces found (0 / 1 / 2+) agree on {same}/{len(links)} photos; differ: {differ}",
        f"Muster enrolled {len(templates)} photos (quality gates refused the rest); "
        f"{len(common)} have an embedding from both",
        f"leave-one-out rank-1 over {len(judged)} photos of people with 2+ of them: "
        f"both right {sum(m and r for m, r in judged)}, both wrong "
        f"{sum(not m and not r for m, r in judged)}, only Muster right "
        f"{sum(bool(m) and not r for m, r in judged)}, only the reference right "
        f"{sum(bool(r) and not m for m, r in judged)}",
    ]


def same_gallery(a: FolderEnrolment, b: FolderEnrolment) -> str:
    sources_a = [t.source for t in a.gallery.templates]
    sources_b = [t.source for t in b.gallery.templates]
    if sources_a != sources_b:
        return "NO: different photos enrolled"
    if not sources_a:
        return "yes (both empty)"
    gap = max(
        float(np.abs(x.embedding - y.embedding).max())
        for x, y in zip(a.gallery.templates, b.gallery.templates, strict=True)
    )
    return (
        f"yes: same {len(sources_a)} photos in the same order, max |embedding difference| {gap:.1e}"
    )


def group_photos(faces: Path) -> list[tuple[Path, int, str]]:
    """(photo, expected faces, count kind) of every multi-face photo of the index."""
    with (faces / "multi_face_index.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [
        (faces / row["path"], int(row["n_faces"]), row["count_kind"])
        for row in rows
        if int(row["n_faces"]) >= 2
    ]


def group_face_count(job: tuple[VisionSettings, Path]) -> int:
    """Faces the group photo pipeline finds in one photo (run in a worker process)."""
    settings, photo = job
    return len(worker_pipeline(settings).analyze_path(photo))


def bench_groups(
    faces: Path, settings: Settings, workers: int, refenv: Path, out: Path
) -> list[str]:
    photos = group_photos(faces)
    vision = group_vision_settings(settings.vision, GroupPhotoSettings())
    pipeline = FacePipeline(vision)
    pipeline.warm_up()
    started = time.perf_counter()
    serial = [len(pipeline.analyze_path(photo)) for photo, _, _ in photos]
    serial_s = time.perf_counter() - started
    started = time.perf_counter()
    jobs = [(vision, photo) for photo, _, _ in photos]
    pooled = list(map_in_workers(group_face_count, jobs, workers))
    pooled_s = time.perf_counter() - started
    job = {"images": [str(p) for p, _, _ in photos], "upsample": 1, "cpus": workers}
    reference = run_reference(refenv, out, "bulk-groups-reference", job)
    ref_counts = [int(row["faces"]) for row in reference["images"]]
    lines = [
        f"\nGroup photos: {len(photos)} photos, {sum(n for _, n, _ in photos)} expected faces",
        f"| | images/s, 1 process | images/s, {workers} processes | faces found |",
        "|---|---:|---:|---:|",
        f"| Muster (group pipeline) | {len(photos) / serial_s:.2f} | "
        f"{len(photos) / pooled_s:.2f} | {sum(serial)} |",
        f"| face_recognition {reference['version']} | {len(photos) / reference['serial_s']:.2f} | "
        f"{len(photos) / reference['pooled_s']:.2f} | {sum(ref_counts)} |",
        f"Muster's {workers}-process counts equal its 1-process counts: {serial == pooled}",
        "| photo | expected | Muster | reference |",
        "|---|---:|---:|---:|",
    ]
    for (photo, expected, kind), mine, theirs in zip(photos, serial, ref_counts, strict=True):
        bound = "" if kind == "exact" else "≥"
        lines.append(f"| {photo.name} | {bound}{expected} | {mine} | {theirs} |")
    return lines


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=REPO_ROOT.parent / "shared" / "faces")
    parser.add_argument("--refenv", type=Path, default=REPO_ROOT / "out" / "refenv")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out" / "bench-pipeline")
    parser.add_argument("--photos", type=int, default=200, help="about this many LFW photos")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-groups", action="store_true")
    args = parser.parse_args()
    # The reference runs in a subprocess with its own working directory.
    args.faces = args.faces.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    # Settings() reads MUSTER_* variables, e.g. MUSTER_VISION__FLIP_AVERAGE=false.
    settings = Settings(data_dir=args.out)

    with tempfile.TemporaryDirectory(prefix="muster-bulk-") as folder:
        root = Path(folder)
        links = lfw_folder(args.faces, args.photos, root)
        print(f"cpus: {os.cpu_count()}; {load_line()}")
        print(
            f"{len(links)} LFW photos of {len(list(root.iterdir()))} people; automatic workers "
            f"for this folder: {worker_count(None, len(links))}"
        )
        pipeline = FacePipeline(settings.vision)
        pipeline.warm_up()
        serial = enrol_timed(root, pipeline, settings, 1)
        pooled = enrol_timed(root, pipeline, settings, args.workers)
        job = {"images": [str(p.resolve()) for p in links], "upsample": 1, "cpus": args.workers}
        reference = run_reference(args.refenv, args.out, "bulk-reference", job)
        print(f"Muster and reference done; {load_line()}")
        print(f"\n| bulk enrolment | images/s, 1 process | images/s, {args.workers} processes |")
        print("|---|---:|---:|")
        print(
            f"| Muster enrol_folder | {len(links) / serial.seconds:.2f} | "
            f"{len(links) / pooled.seconds:.2f} |"
        )
        print(
            f"| face_recognition {reference['version']} | "
            f"{len(links) / reference['serial_s']:.2f} | {len(links) / reference['pooled_s']:.2f} |"
        )
        equal = same_gallery(serial.result, pooled.result)
        print(f"{args.workers}-process gallery equals the 1-process one: {equal}")
        same = reference["pooled_same_counts"]
        print(f"reference pool found the same faces as its serial run: {same}")
        for line in accuracy_lines(serial.result, links, reference):
            print(line)
    if not args.no_groups:
        for line in bench_groups(args.faces, settings, args.workers, args.refenv, args.out):
            print(line)


if __name__ == "__main__":
    main()
