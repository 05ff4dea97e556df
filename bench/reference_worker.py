"""The face_recognition reference, timed, for bench/kiosk_path.py and bench/bulk_enrolment.py.

This file runs in the reference environment (out/refenv, made by bench/reference_env.sh), which
has face_recognition and no Muster; the benches start it as a subprocess and read the JSON it
writes. It calls face_recognition the way its README and examples do:

    frames JOB.json RESULT.json   per frame: load_image_file, face_locations (HOG, upsample 1),
                                  face_encodings at those locations, compare_faces (tolerance
                                  0.6) against the known encodings; the best match is named.
    bulk JOB.json RESULT.json     per image: load_image_file, face_locations(upsample),
                                  face_encodings; once in this process and once in a pool of
                                  `cpus` processes (what `face_recognition --cpus N` does).
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import face_recognition
import numpy as np

TOLERANCE = 0.6
"""face_recognition's default `compare_faces` tolerance (Euclidean distance)."""


def _known_encodings(photos: list[list[str]], cache_path: Path) -> tuple[np.ndarray, list[str]]:
    """The largest face's encoding of each [name, path] (photos without a face are left out),
    cached in `cache_path` by path, modification time and size."""
    cached: dict[str, list[float]] = {}
    if cache_path.exists():
        cached = json.loads(cache_path.read_text())
    rows, names = [], []
    for name, photo in photos:
        stat = Path(photo).stat()
        key = f"{photo}|{stat.st_mtime_ns}|{stat.st_size}"
        if key not in cached:
            found = _analyse((photo, 1))["encodings"]
            cached[key] = found[0] if found else []
        if cached[key]:
            rows.append(cached[key])
            names.append(name)
    cache_path.write_text(json.dumps(cached))
    return np.asarray(rows, dtype=np.float64).reshape(-1, 128), names


def frames(job: dict[str, Any]) -> dict[str, Any]:
    """Times every frame of `job["frames"]` stage by stage (seconds) and names its faces."""
    known, names = _known_encodings(job["known_photos"], Path(job["cache"]))
    # Warm-up: the first call of each stage loads models and allocates.
    warm = face_recognition.load_image_file(job["frames"][0])
    face_recognition.face_encodings(warm, face_recognition.face_locations(warm))
    rows = []
    for path in job["frames"]:
        t0 = time.perf_counter()
        image = face_recognition.load_image_file(path)
        t1 = time.perf_counter()
        locations = face_recognition.face_locations(image, number_of_times_to_upsample=1)
        t2 = time.perf_counter()
        encodings = face_recognition.face_encodings(image, locations)
        t3 = time.perf_counter()
        named = []
        for encoding in encodings:
            matches = face_recognition.compare_faces(known, encoding, tolerance=TOLERANCE)
            distances = face_recognition.face_distance(known, encoding)
            best = int(np.argmin(distances))
            named.append(names[best] if matches[best] else "unknown")
        t4 = time.perf_counter()
        rows.append(
            {
                "decode_s": t1 - t0,
                "detect_s": t2 - t1,
                "encode_s": t3 - t2,
                "compare_s": t4 - t3,
                "total_s": t4 - t0,
                "names": named,
            }
        )
    return {"version": version("face_recognition"), "known": len(names), "frames": rows}


def _analyse(task: tuple[str, int]) -> dict[str, Any]:
    path, upsample = task
    image = face_recognition.load_image_file(path)
    locations = face_recognition.face_locations(image, number_of_times_to_upsample=upsample)
    encodings = face_recognition.face_encodings(image, locations)
    # face_recognition's boxes are (top, right, bottom, left); the largest face first, as Muster
    # orders them.
    order = sorted(
        range(len(locations)),
        key=lambda i: (locations[i][2] - locations[i][0]) * (locations[i][1] - locations[i][3]),
        reverse=True,
    )
    return {
        "faces": len(locations),
        "boxes": [list(locations[i]) for i in order],
        "encodings": [[float(v) for v in encodings[i]] for i in order],
    }


def bulk(job: dict[str, Any]) -> dict[str, Any]:
    """Images per second over `job["images"]`, serially and with a pool of `job["cpus"]`."""
    tasks = [(path, int(job["upsample"])) for path in job["images"]]
    _analyse(tasks[0])  # warm-up: loads the models
    started = time.perf_counter()
    serial = [_analyse(task) for task in tasks]
    serial_s = time.perf_counter() - started
    cpus = int(job["cpus"])
    # forkserver, as face_recognition's own command-line tool starts its pool.
    context = multiprocessing.get_context("forkserver")
    started = time.perf_counter()
    with context.Pool(processes=cpus) as pool:
        pooled = pool.map(_analyse, tasks)
    pooled_s = time.perf_counter() - started
    return {
        "version": version("face_recognition"),
        "serial_s": serial_s,
        "pooled_s": pooled_s,
        "cpus": cpus,
        "pooled_same_counts": [r["faces"] for r in serial] == [r["faces"] for r in pooled],
        "images": serial,
    }


def main(argv: list[str]) -> None:
    mode, job_path, result_path = argv
    job = json.loads(Path(job_path).read_text())
    result = {"frames": frames, "bulk": bulk}[mode](job)
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
