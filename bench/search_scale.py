"""1:N search at scale: exact (ExactIndex) against approximate (ApproximateIndex, HNSW), same run.

For each gallery size (templates) it builds both indexes from the same synthetic unit vectors
and reports:

* build time of each index, and the time a replica needs to load the gallery from SQLite at
  start-up (the repository read, then filling the exact matrix; the HNSW build comes on top),
* latency p50 / p99 of one search, one probe at a time: exact limited to the persons a
  decision reads (`ExactIndex.search(probe, 2)`), exact ranking every person (how search
  worked before; fewer probes), the matrix product and argmax alone (the floor of any exact
  search), and approximate (`ApproximateIndex.search(probe, 2)`) per `expansion_search`,
* recall@1 of the approximate index: the share of probes whose best *person* is exact
  search's best person, for three kinds of probe (below),
* memory per template: exact float32 matrix; HNSW graph (vectors and links, usearch's count);
  and the process's resident-memory growth while each was built.

The gallery (`--gallery face-like`, the default) imitates dlib embeddings: unit vectors
around a common mean (norm 0.915) with an anisotropic spread over 76 dimensions, variance
falling as rank^-0.87 (0.162 in all). Those figures were fitted to 15,529 dlib embeddings of
the development face sets, and give impostor pairs a cosine similarity of about 0.84 +- 0.035
as the real ones have. `--gallery uniform` is isotropic in 128-d (the hardest case for a
graph index). Each person has `--templates-per-person` templates, related as two photos are.
Probes:

* mated: an enrolled template moved to a cosine similarity drawn from 0.90..0.96 (what real
  genuine pairs of dlib embeddings have), along a direction drawn like the gallery's spread,
* unknown: a new person drawn from the gallery's distribution (a visitor not enrolled),
* uniform: uniform random unit vectors (the worst case: best matches nearly tie).

Usage (the 1M build wants many cores: --threads 0 uses them all):
    python bench/search_scale.py --sizes 10000 100000 1000000 --threads 2 --json out/s.json
    python bench/search_scale.py --chart-from out/s.json --chart-dir docs/benchmarks
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from muster.matching.ann import ApproximateIndex, HnswParams
from muster.matching.index import ExactIndex

F32Array = npt.NDArray[np.float32]
I64Array = npt.NDArray[np.int64]
DIM = 128
FACE_MEAN_NORM = 0.915
FACE_SPREAD_DIMS = 76
FACE_SPREAD_VARIANCE = 0.162
FACE_SPREAD_DECAY = 0.87
GENUINE_COSINE = (0.90, 0.96)
NOT_RUN = float("nan")


class VectorModel:
    """Synthetic embeddings: `face_like` (see the module docstring) or isotropic."""

    def __init__(self, rng: np.random.Generator, *, face_like: bool) -> None:
        basis, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
        self._mean = FACE_MEAN_NORM * basis[:, 0] if face_like else np.zeros(DIM)
        if face_like:
            variances = np.arange(1, FACE_SPREAD_DIMS + 1) ** -FACE_SPREAD_DECAY
            scales = np.sqrt(FACE_SPREAD_VARIANCE * variances / variances.sum())
            self._spread = (scales[:, None] * basis[:, 1 : FACE_SPREAD_DIMS + 1].T).astype(
                np.float32
            )
        else:
            self._spread = np.eye(DIM, dtype=np.float32)

    def spread(self, rng: np.random.Generator, count: int) -> F32Array:
        """Unnormalised offsets, distributed as the gallery spreads around its mean."""
        z = rng.standard_normal((count, self._spread.shape[0]), dtype=np.float32)
        return np.asarray(z @ self._spread, dtype=np.float32)

    def people(self, rng: np.random.Generator, count: int) -> F32Array:
        """`count` new persons' first templates (unit rows), made in chunks to bound memory."""
        rows = np.empty((count, DIM), dtype=np.float32)
        for start in range(0, count, 100_000):
            chunk = self._mean + self.spread(rng, min(100_000, count - start))
            rows[start : start + len(chunk)] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
        return rows

    def moved(self, rng: np.random.Generator, rows: F32Array) -> F32Array:
        """Each row turned to a cosine similarity drawn from GENUINE_COSINE, as another photo
        of the same face lands."""
        cosines = rng.uniform(*GENUINE_COSINE, size=(len(rows), 1)).astype(np.float32)
        away = self.spread(rng, len(rows))
        away -= np.sum(away * rows, axis=1, keepdims=True) * rows
        away /= np.linalg.norm(away, axis=1, keepdims=True)
        return np.asarray(cosines * rows + np.sqrt(1 - cosines**2) * away, dtype=np.float32)


def uniform_rows(rng: np.random.Generator, count: int) -> F32Array:
    rows = rng.standard_normal((count, DIM), dtype=np.float32)
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


@dataclass(frozen=True)
class Gallery:
    """Template ids, their persons and vectors (one row each)."""

    ids: list[int]
    persons: list[int]
    vectors: F32Array


@dataclass
class Result:
    """One gallery size; times in seconds, latencies (p50, p99) in milliseconds."""

    size: int
    persons: int
    threads: int
    exact_build_s: float
    exact_ms: tuple[float, float]
    exact_full_ms: tuple[float, float]
    matmul_ms: tuple[float, float]
    exact_bytes: float
    exact_rss_bytes: float
    ann_params: dict[str, int] = field(default_factory=dict)
    ann_build_s: float = NOT_RUN
    ann_bytes: float = NOT_RUN
    ann_rss_bytes: float = NOT_RUN
    ann: list[dict[str, float]] = field(default_factory=list)
    """Per expansion_search: latency and recall@1 per probe kind."""
    load_read_s: float = NOT_RUN
    load_fill_s: float = NOT_RUN
    cohort_s: float = NOT_RUN
    """Seconds to compute the exact index's template cohort means (K=5) once, as the first
    cohort-scored search after every gallery change does."""
    check: list[int] = field(default_factory=list)
    """Best persons of the first mated probes through the index (checks the batched truth)."""


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def percentiles_ms(search: Callable[[F32Array], object], probes: F32Array) -> tuple[float, float]:
    search(probes[0])  # warm caches and lazy set-up
    times = []
    for probe in probes:
        start = time.perf_counter()
        search(probe)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def exact_best_rows(matrix: F32Array, probes: F32Array) -> I64Array:
    """Each probe's most similar template row, by blocks of the gallery (a batched check)."""
    best = np.full(len(probes), -np.inf, dtype=np.float32)
    rows = np.zeros(len(probes), dtype=np.int64)
    for start in range(0, len(matrix), 50_000):
        block = matrix[start : start + 50_000] @ probes.T
        top = np.argmax(block, axis=0)
        value = block[top, np.arange(len(probes))]
        better = value > best
        best[better], rows[better] = value[better], top[better] + start
    return rows


def load_from_sqlite(
    vectors: F32Array, persons: list[int], max_ranked_persons: int
) -> tuple[float, float]:
    """Seconds to read the gallery through the repository, and to fill the exact index with
    it, as a replica does at start-up."""
    # Imported here so that the search measurements run where only numpy and usearch are
    # installed (a many-core machine borrowed for the 1M build).
    from sqlalchemy import insert  # noqa: PLC0415

    from muster.storage import Database  # noqa: PLC0415
    from muster.storage.migrate import upgrade  # noqa: PLC0415
    from muster.storage.repositories.templates import TemplateRepository  # noqa: PLC0415
    from muster.storage.tables import PersonRow, TemplateRow  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/muster.db"
        upgrade(url)
        database = Database(url)
        now = datetime.now(UTC)
        with database.write_connection() as connection:
            people = sorted(set(persons))
            connection.execute(
                insert(PersonRow),
                [{"id": p + 1, "name": f"P{p}", "active": True, "created_at": now} for p in people],
            )
            for start in range(0, len(vectors), 50_000):
                connection.execute(
                    insert(TemplateRow),
                    [
                        {
                            "person_id": persons[row] + 1,
                            "embedding": vectors[row],
                            "model_name": "m",
                            "model_version": "1",
                            "interocular_px": 60.0,
                            "sharpness": 100.0,
                            "yaw_deg": 0.0,
                            "pitch_deg": 0.0,
                            "brightness": 120.0,
                            "contrast": 40.0,
                            "source": "import",
                            "created_at": now,
                        }
                        for row in range(start, min(start + 50_000, len(vectors)))
                    ],
                )
        start_s = time.perf_counter()
        _, templates = TemplateRepository(database).gallery("m", "1")
        read_s = time.perf_counter() - start_s
        start_s = time.perf_counter()
        index: ExactIndex[int] = ExactIndex(max_ranked_persons=max_ranked_persons)
        index.add_many(
            [t.id for t in templates],
            [t.person_id for t in templates],
            np.asarray([t.embedding for t in templates], dtype=np.float32),
        )
        fill_s = time.perf_counter() - start_s
        database.dispose()
    return read_s, fill_s


def measure(size: int, args: argparse.Namespace, rng: np.random.Generator) -> Result:
    model = VectorModel(rng, face_like=args.gallery == "face-like")
    per = args.templates_per_person
    first = model.people(rng, -(-size // per))
    vectors = np.repeat(first, per, axis=0)[:size]
    for k in range(1, per):  # the person's other photos
        vectors[k::per] = model.moved(rng, first[: len(vectors[k::per])])
    persons = [row // per for row in range(size)]
    gallery = Gallery(list(range(size)), persons, vectors)
    probe_count = args.probes
    probes = {
        "mated": model.moved(rng, vectors[rng.choice(size, probe_count, replace=False)]),
        "unknown": model.people(rng, probe_count),
        "uniform": uniform_rows(rng, probe_count),
    }
    exact_top = {kind: exact_best_rows(vectors, p) // per for kind, p in probes.items()}

    result = measure_exact(gallery, len(first), probes["mated"], args)
    assert all(  # the batched check agrees with the index
        a == b for a, b in zip(result.check, exact_top["mated"][:20].tolist(), strict=True)
    )
    if size <= args.load_max_size:
        result.load_read_s, result.load_fill_s = load_from_sqlite(
            vectors, persons, args.ranked_persons
        )
    if size <= args.ann_max_size:
        measure_ann(result, gallery, probes, exact_top, args)
    return result


def measure_exact(
    gallery: Gallery, persons_count: int, mated: F32Array, args: argparse.Namespace
) -> Result:
    size, vectors = len(gallery.ids), gallery.vectors
    before = rss_bytes()
    start = time.perf_counter()
    exact: ExactIndex[int] = ExactIndex(max_ranked_persons=args.ranked_persons)
    exact.add_many(gallery.ids, gallery.persons, vectors)
    exact_build_s = time.perf_counter() - start
    exact_rss = rss_bytes() - before
    cohort_s = NOT_RUN
    if size <= args.cohort_max_size:
        start = time.perf_counter()
        exact.cohort_means(5)
        cohort_s = time.perf_counter() - start
    return Result(
        size=size,
        persons=persons_count,
        cohort_s=cohort_s,
        threads=args.threads,
        exact_build_s=exact_build_s,
        exact_ms=percentiles_ms(lambda p: exact.search(p, 2), mated),
        exact_full_ms=percentiles_ms(
            lambda p: exact.ranked_persons(p, limit=size), mated[: args.baseline_probes]
        ),
        matmul_ms=percentiles_ms(lambda p: int(np.argmax(vectors @ p)), mated),
        exact_bytes=exact.memory_bytes() / size,
        exact_rss_bytes=exact_rss / size,
        check=[exact.search(p, 1)[0].person_id for p in mated[:20]],
    )


def measure_ann(
    result: Result,
    gallery: Gallery,
    probes: dict[str, F32Array],
    exact_top: dict[str, I64Array],
    args: argparse.Namespace,
) -> None:
    params = {
        "connectivity": args.connectivity,
        "expansion_add": args.expansion_add,
        "candidate_templates": args.candidate_templates,
    }
    hnsw = HnswParams(args.connectivity, args.expansion_add, args.expansion_search[0])
    before = rss_bytes()
    start = time.perf_counter()
    approximate: ApproximateIndex[int] = ApproximateIndex(
        params=hnsw, candidate_templates=args.candidate_templates, threads=args.threads
    )
    approximate.add_many(gallery.ids, gallery.persons, gallery.vectors)
    result.ann_build_s = time.perf_counter() - start
    result.ann_rss_bytes = (rss_bytes() - before) / result.size
    result.ann_bytes = approximate.memory_bytes() / result.size
    result.ann_params = params
    for expansion in args.expansion_search:
        approximate.expansion_search = expansion
        row: dict[str, float] = {"expansion_search": expansion}
        for kind, kind_probes in probes.items():
            found = [approximate.search(p, 1)[0].person_id for p in kind_probes]
            row[f"recall_{kind}"] = float(np.mean(np.asarray(found) == exact_top[kind]))
        row["p50_ms"], row["p99_ms"] = percentiles_ms(
            lambda p: approximate.search(p, 2), probes["mated"]
        )
        result.ann.append(row)
        print(f"  {result.size:,} ef={expansion}: {row}", flush=True)


def table(results: Sequence[Result]) -> str:
    header = [
        "templates",
        "build exact / HNSW (s)",
        "load from SQLite: read + fill (s)",
        "exact p50 / p99 (ms)",
        "exact, every person ranked p50 / p99 (ms)",
        "matmul + argmax p50 / p99 (ms)",
        "bytes per template: exact matrix / HNSW",
        "RSS growth per template exact / HNSW",
        "exact cohort means (s)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        cells = [
            f"{r.size:,}",
            f"{r.exact_build_s:.2f} / {r.ann_build_s:.0f}",
            f"{r.load_read_s:.1f} + {r.load_fill_s:.2f}",
            f"{r.exact_ms[0]:.1f} / {r.exact_ms[1]:.1f}",
            f"{r.exact_full_ms[0]:.0f} / {r.exact_full_ms[1]:.0f}",
            f"{r.matmul_ms[0]:.1f} / {r.matmul_ms[1]:.1f}",
            f"{r.exact_bytes:.0f} / {r.ann_bytes:.0f}",
            f"{r.exact_rss_bytes:.0f} / {r.ann_rss_bytes:.0f}",
            f"{r.cohort_s:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| templates | HNSW M / ef_add / candidates | ef_search | HNSW p50 / p99 (ms) "
        "| recall@1 mated / unknown / uniform |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        for row in r.ann:
            p = r.ann_params
            lines.append(
                f"| {r.size:,} | {p['connectivity']} / {p['expansion_add']} / "
                f"{p['candidate_templates']} | {row['expansion_search']:.0f} | "
                f"{row['p50_ms']:.2f} / {row['p99_ms']:.2f} | {row['recall_mated']:.3f} / "
                f"{row['recall_unknown']:.3f} / {row['recall_uniform']:.3f} |"
            )
    return "\n".join(lines)


def charts(results: Sequence[Result], folder: Path, machine: str) -> None:
    """Recall@1 against latency per graph shape (exact search marked), and exact search's
    latency against gallery size, as PNG files in `folder`."""
    import matplotlib  # noqa: PLC0415 (only this function draws)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    figure, panels = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    sizes = sorted({r.size for r in results})
    graphs = {
        (r.size, r.ann_params["connectivity"], r.ann_params["expansion_add"]): r
        for r in reversed(results)
        if r.ann
    }  # the first run of each graph shape
    for panel, kind in zip(panels, ("mated", "uniform"), strict=True):
        for n, r in enumerate(
            sorted(graphs.values(), key=lambda r: (r.size, r.ann_params["connectivity"]))
        ):
            p = r.ann_params
            panel.plot(
                [row["p50_ms"] for row in r.ann],
                [row[f"recall_{kind}"] for row in r.ann],
                marker="o",
                color=colours[n % len(colours)],
                label=f"HNSW {r.size:,}: M {p['connectivity']}, ef_add {p['expansion_add']}",
            )
        for n, size in enumerate(sizes):
            exact_ms = min(r.exact_ms[0] for r in results if r.size == size)
            panel.plot([exact_ms], [1.0], marker="*", markersize=12, color="black")
            short = f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"
            panel.annotate(
                f"exact {short}",
                (exact_ms, 1.0),
                textcoords="offset points",
                xytext=(-12, -14 - 9 * (n % 2)),
                fontsize=7,
            )
        panel.axhline(0.99, color="grey", linewidth=0.8, linestyle="--")
        panel.set(
            xscale="log",
            xlabel="p50 latency of one search (ms)",
            title=f"{kind} probes (ef_search grows to the right)",
        )
        panel.grid(True, which="both", alpha=0.3)
    panels[0].set_ylabel("recall@1 (same best person as exact search)")
    panels[0].legend(fontsize=7, loc="lower right")
    figure.suptitle(f"HNSW against exact search, synthetic face-like 128-d gallery ({machine})")
    figure.tight_layout()
    figure.savefig(folder / "search_recall_latency.png", dpi=110)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6.5, 4))
    exact = sorted({r.size: r for r in results}.values(), key=lambda r: r.size)
    xs = [r.size for r in exact]
    for label, values in (
        ("exact, every person ranked", [r.exact_full_ms[0] for r in exact]),
        ("exact, first persons only (search k=2)", [r.exact_ms[0] for r in exact]),
        ("matrix product + argmax (floor)", [r.matmul_ms[0] for r in exact]),
    ):
        axes.plot(xs, values, marker="o", label=label)
    axes.set(xscale="log", yscale="log", xlabel="templates", ylabel="p50 latency (ms)")
    axes.set_title(f"Exact 1:N search, one probe ({machine})")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(folder / "search_exact_latency.png", dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--threads", type=int, default=0, help="HNSW build threads (0: all)")
    parser.add_argument("--probes", type=int, default=500, help="probes per size and kind")
    parser.add_argument(
        "--baseline-probes", type=int, default=50, help="probes for the slow every-person ranking"
    )
    parser.add_argument("--gallery", choices=["face-like", "uniform"], default="face-like")
    parser.add_argument("--templates-per-person", type=int, default=2)
    parser.add_argument("--ranked-persons", type=int, default=100)
    parser.add_argument("--connectivity", type=int, default=HnswParams().connectivity)
    parser.add_argument("--expansion-add", type=int, default=HnswParams().expansion_add)
    parser.add_argument(
        "--expansion-search",
        type=int,
        nargs="+",
        default=[HnswParams().expansion_search],
    )
    parser.add_argument("--candidate-templates", type=int, default=64)
    parser.add_argument(
        "--ann-max-size", type=int, default=10**9, help="larger galleries are measured exactly only"
    )
    parser.add_argument(
        "--load-max-size",
        type=int,
        default=10**9,
        help="larger galleries skip the SQLite load measurement",
    )
    parser.add_argument(
        "--cohort-max-size",
        type=int,
        default=0,
        help="time the exact template cohort (O(templates^2)) up to this size",
    )
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--chart-dir", type=Path, help="write PNG charts here")
    parser.add_argument(
        "--chart-from", type=Path, nargs="+", help="only chart earlier --json files"
    )
    parser.add_argument("--machine", default=f"{os.cpu_count()} cores", help="chart caption")
    args = parser.parse_args()
    if args.chart_from:
        results = [
            Result(**r) for f in args.chart_from for r in json.loads(f.read_text())["results"]
        ]
    else:
        rng = np.random.default_rng(args.seed)
        results = []
        for size in args.sizes:
            results.append(measure(size, args, rng))
            print(table(results[-1:]), flush=True)
            if args.json:  # after every size, so a run cut short keeps what it measured
                args.json.parent.mkdir(parents=True, exist_ok=True)
                settings = {k: str(v) for k, v in vars(args).items()}
                report = {"args": settings, "results": [asdict(r) for r in results]}
                args.json.write_text(json.dumps(report, indent=1))
        print(
            f"\ncores: {os.cpu_count()}, threads: {args.threads}, probes: {args.probes}, "
            f"gallery: {args.gallery}, templates per person: {args.templates_per_person}\n"
        )
        print(table(results))
    if args.chart_dir:
        charts(results, args.chart_dir, args.machine)


if __name__ == "__main__":
    main()
