"""1:N search at scale: exact (ExactIndex) against approximate (ApproximateIndex, HNSW), same run.

For each gallery size it builds both indexes from the same synthetic unit vectors (128-d,
one template per person), then times single-probe searches through the path the Gallery
uses and reports:

* build time (what a replica spends turning the gallery into an index on every reload),
* latency p50 / p99 of one search: exact as the Gallery runs it (similarity to every template
  plus ranking every person), exact reduced to a matrix product and argmax (the floor of any
  brute-force search), and approximate (graph search plus ranking the candidates),
* recall@1 of the approximate index against exact search, on mated probes (noisy copies of
  enrolled vectors: a second photo of an enrolled face) and on unknown probes (uniform random:
  in 128-d their top matches nearly tie, so disagreement there is between near-equals),
* memory per template (vector storage, and the process's resident-memory growth).

Usage: python bench/search_scale.py [--sizes 10000 100000 1000000] [--probes 500]
Writes a Markdown table to stdout (pasted into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from muster.matching.ann import ApproximateIndex
from muster.matching.index import ExactIndex

F32Array = npt.NDArray[np.float32]
DIM = 128
MATED_NOISE = 1.0
"""Noise added to an enrolled vector to make its mated probe (see the tests' recall check)."""


@dataclass(frozen=True)
class Row:
    size: int
    exact_build_s: float
    ann_build_s: float
    exact_ms: tuple[float, float]
    matmul_ms: tuple[float, float]
    ann_ms: tuple[float, float]
    mated_recall: float
    unknown_recall: float
    exact_bytes: float
    ann_bytes: float
    exact_rss_bytes: float
    ann_rss_bytes: float


def unit_rows(rng: np.random.Generator, count: int) -> F32Array:
    rows = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):  # in chunks: a float64 copy of 1M rows is 1 GB
        chunk = rng.standard_normal((min(100_000, count - start), DIM), dtype=np.float32)
        rows[start : start + len(chunk)] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return rows


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def percentiles_ms(search: Callable[[F32Array], object], probes: F32Array) -> tuple[float, float]:
    search(probes[0])  # warm caches and lazy set-up
    times = []
    for probe in probes:
        start = time.perf_counter()
        search(probe)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


NOT_RUN = float("nan")


def measure(size: int, probe_count: int, rng: np.random.Generator, *, with_ann: bool) -> Row:
    vectors = unit_rows(rng, size)
    ids = list(range(size))
    exact: ExactIndex[int] = ExactIndex()
    before = rss_bytes()
    start = time.perf_counter()
    for i in ids:
        exact.add(i, i, vectors[i])
    exact_build_s = time.perf_counter() - start
    exact_rss = rss_bytes() - before
    approximate: ApproximateIndex[int] = ApproximateIndex()
    before = rss_bytes()
    ann_build_s = timed(lambda: approximate.add_many(ids, ids, vectors)) if with_ann else NOT_RUN
    ann_rss = rss_bytes() - before if with_ann else NOT_RUN

    enrolled = rng.choice(size, probe_count, replace=False)
    moved = vectors[enrolled] + MATED_NOISE * unit_rows(rng, probe_count)
    mated = np.asarray(moved / np.linalg.norm(moved, axis=1, keepdims=True), dtype=np.float32)
    unknown = unit_rows(rng, probe_count)
    matrix = vectors

    def recall(probes: F32Array) -> float:
        if not with_ann:
            return NOT_RUN
        hits = [
            approximate.search(p, 1)[0].person_id == exact.search(p, 1)[0].person_id for p in probes
        ]
        return float(np.mean(hits))

    return Row(
        size=size,
        exact_build_s=exact_build_s,
        ann_build_s=ann_build_s,
        exact_ms=percentiles_ms(lambda p: exact.search(p, 2), mated),
        matmul_ms=percentiles_ms(lambda p: int(np.argmax(matrix @ p)), mated),
        ann_ms=percentiles_ms(lambda p: approximate.search(p, 2), mated)
        if with_ann
        else (NOT_RUN, NOT_RUN),
        mated_recall=recall(mated),
        unknown_recall=recall(unknown),
        exact_bytes=DIM * 4,
        ann_bytes=approximate.memory_bytes() / size if with_ann else NOT_RUN,
        exact_rss_bytes=exact_rss / size,
        ann_rss_bytes=ann_rss / size,
    )


def table(rows: list[Row]) -> str:
    header = [
        "templates",
        "build exact / ANN (s)",
        "exact p50 / p99 (ms)",
        "exact matmul only p50 / p99 (ms)",
        "ANN p50 / p99 (ms)",
        "ANN recall@1 mated / unknown",
        "bytes per template: vectors exact / ANN graph",
        "RSS growth per template exact / ANN",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [
            f"{r.size:,}",
            f"{r.exact_build_s:.1f} / {r.ann_build_s:.1f}",
            f"{r.exact_ms[0]:.2f} / {r.exact_ms[1]:.2f}",
            f"{r.matmul_ms[0]:.2f} / {r.matmul_ms[1]:.2f}",
            f"{r.ann_ms[0]:.2f} / {r.ann_ms[1]:.2f}",
            f"{r.mated_recall:.3f} / {r.unknown_recall:.3f}",
            f"{r.exact_bytes:.0f} / {r.ann_bytes:.0f}",
            f"{r.exact_rss_bytes:.0f} / {r.ann_rss_bytes:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--probes", type=int, default=500, help="probes per size and kind")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--ann-max-size",
        type=int,
        default=10**9,
        help="larger galleries are measured exactly only (bounds the run: an HNSW build "
        "inserts a few thousand templates per second per free core)",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    for size in args.sizes:
        rows.append(measure(size, args.probes, rng, with_ann=size <= args.ann_max_size))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(f"\ncores: {os.cpu_count()}, probes per size: {args.probes}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
