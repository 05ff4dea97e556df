"""Independent photos shared out over worker processes, one per idle CPU core.

Why processes and not threads: dlib's HOG detector (most of the time spent on a photo) holds
the GIL while it runs: two threads, each with its own detector, detected at 0.86x the rate of
one thread. And one detector instance must not run in two threads at all
(`muster.vision.detect.HogDetector`). Each worker process builds its own pipeline once.

Workers are started with `spawn`, not `fork`: the parent has already started onnxruntime's
and dlib's threads, and a forked copy of a process with running threads may deadlock.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from muster.config import VisionSettings
from muster.vision.pipeline import FacePipeline

_Job = TypeVar("_Job")
_Result = TypeVar("_Result")

PHOTOS_PER_WORKER = 24
"""A worker took about 6 s to become ready on a 2-core machine at a load average of 9
(imports 2.2 s, dlib's HOG detector 2.6 s, landmarks and the ONNX session 0.8 s), the time
of about 20 LFW photos at the 3.5 photos/s one process enrolled; below this many photos per
worker a serial run finishes first."""


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def busy_cores() -> float:
    """The 1-minute load average: about how many cores other work keeps busy."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def worker_count(
    requested: int | None, jobs: int, *, cores: int | None = None, busy: float | None = None
) -> int:
    """How many processes to run `jobs` photos in; 1 means run in this process.

    `requested` is used when given (at least 1, at most one per job). Otherwise: one per
    core that other work leaves idle (`cores` minus `busy`, default this machine's usable
    cores and load average), and no more than repay their start-up (`PHOTOS_PER_WORKER`
    photos each). Extra processes only help when there are idle cores for them: on a 2-core
    machine with a load average of 15, two processes enrolled 1.7 photos/s where one
    enrolled 3.5 (bench/bulk_enrolment.py), and face_recognition's own pool lost likewise."""
    if requested is not None:
        return max(1, min(requested, jobs))
    cores = usable_cores() if cores is None else cores
    busy = busy_cores() if busy is None else busy
    # Rounded: a load of 0.1 on 2 cores leaves 2 cores idle, a load of 1.5 leaves 0.
    idle = math.floor(max(0.0, cores - busy) + 0.5)
    return max(1, min(idle, jobs // PHOTOS_PER_WORKER))


def map_in_workers(
    work: Callable[[_Job], _Result], jobs: Sequence[_Job], workers: int
) -> Iterator[_Result]:
    """`work(job)` for each job, computed in `workers` spawned processes, yielded in the
    order of `jobs` as they complete. `work` and the jobs must be picklable (a module-level
    function and plain data). The processes end when the iterator is exhausted or closed;
    an exception in `work` is raised here."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(work, jobs)


@functools.cache
def worker_pipeline(settings: VisionSettings) -> FacePipeline:
    """The pipeline of this worker process for `settings`, built and warmed up on the first
    call and reused for every later photo (a process-wide cache on purpose: it lives only
    in worker processes, which exist to hold exactly this)."""
    pipeline = FacePipeline(settings)
    pipeline.warm_up()
    return pipeline
