"""Check-ins per second and their latency through HTTP, with N concurrent kiosks, on real
faces. (Not a test; prints figures.)

It enrols the five knn_examples people (../shared/faces), starts its own Muster server
(uvicorn, one process, a fresh SQLite file unless --database-url is given), and then each of
N client threads posts check-ins of the knn test photos as fast as the server answers, each
with its own Idempotency-Key. Most looks after the first per person are duplicates: they
still go through decoding, detection, embedding, the search and the atomic append, which is
what a kiosk facing a queue costs. The baseline, in the same run, is the pipeline alone
(`FacePipeline.analyze_bytes`, in process, one thread) on the same photos.

    .venv/bin/python bench/checkin_throughput.py --faces ../shared/faces --clients 1 2 4 8
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from muster.config import Settings
from muster.domain.people import DeviceKind, Role, TemplateSource
from muster.services.container import EMBEDDER_NAME, build_services, embedder_version
from muster.storage import Repositories
from muster.vision.pipeline import FacePipeline

KNN = Path("face_recognition_examples/examples/knn_examples")
PROBES = ["test/alex_lacamoire1.jpg", "test/johnsnow_test1.jpg", "test/obama1.jpg"]


def seed(settings: Settings, faces: Path) -> str:
    """Enrols the knn train people and makes a kiosk; returns its device key."""
    services = build_services(settings)
    try:
        repos = Repositories.create(services.database)
        for folder in sorted((faces / KNN / "train").iterdir()):
            person = repos.people.create(name=folder.name)
            for photo in sorted(folder.iterdir()):
                face = services.pipeline.analyze_path(photo)[0]
                repos.templates.add(
                    person_id=person.id,
                    embedding=face.embedding,
                    model_name=EMBEDDER_NAME,
                    model_version=embedder_version(settings.vision),
                    quality=face.quality,
                    source=TemplateSource.UPLOAD,
                )
        location = repos.locations.create(name="bench", timezone="UTC")
        device = repos.devices.create(name="kiosk", location_id=location.id, kind=DeviceKind.KIOSK)
        return services.keys.issue(name="bench", role=Role.DEVICE, device_id=device.id).token
    finally:
        services.close()


@contextmanager
def server(env: dict[str, str], port: int) -> Iterator[str]:
    """A Muster server in a child process (its own interpreter, as in production)."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "muster.api.app:create_app"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 120 s")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_clients(
    base_url: str, token: str, photos: list[bytes], clients: int, seconds: float
) -> tuple[list[float], Counter[str], float]:
    """Each client posts check-ins back to back for `seconds`; returns the latencies (s),
    the decisions and the wall time."""
    latencies: list[float] = []
    decisions: Counter[str] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def kiosk(index: int) -> None:
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            sent = 0
            while time.monotonic() < stop_at:
                photo = photos[(index + sent) % len(photos)]
                started = time.perf_counter()
                response = client.post(
                    "/checkins",
                    files={"image": ("look.jpg", photo, "image/jpeg")},
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
                decision = response.json()["decision"]
                with lock:
                    latencies.append(elapsed)
                    decisions[decision] += 1
                sent += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(kiosk, range(clients)))
    return latencies, decisions, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seconds", type=float, default=20.0, help="per concurrency level")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    photos = [(args.faces / KNN / p).read_bytes() for p in PROBES]
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as data_dir:
        env = {"MUSTER_DATA_DIR": data_dir}
        if args.database_url:
            env["MUSTER_DATABASE_URL"] = args.database_url
        # Settings() reads the MUSTER_* variables the server also gets (e.g.
        # MUSTER_VISION__FLIP_AVERAGE), so both sides use the same vision settings.
        settings = Settings(data_dir=Path(data_dir), database_url=args.database_url)
        token = seed(settings, args.faces)

        pipeline = FacePipeline(settings.vision)
        pipeline.warm_up()
        baseline: list[float] = []
        for photo in photos * 3:
            started = time.perf_counter()
            pipeline.analyze_bytes(photo)
            baseline.append(time.perf_counter() - started)
        print(f"cpus: {os.cpu_count()}; photos: {', '.join(Path(p).name for p in PROBES)}")
        print(
            f"baseline, pipeline only (1 thread, in process): {len(baseline) / sum(baseline):.2f} "
            f"images/s, p50 {statistics.median(baseline) * 1000:.0f} ms"
        )
        with server(env, args.port or free_port()) as base_url:
            run_clients(base_url, token, photos, 1, 2.0)  # warm-up: first requests, JIT caches
            print(f"{'clients':>7} {'requests':>8} {'check-ins/s':>11} {'p50 ms':>7} {'p95 ms':>7}")
            for clients in args.clients:
                latencies, decisions, wall_s = run_clients(
                    base_url, token, photos, clients, args.seconds
                )
                print(
                    f"{clients:>7} {len(latencies):>8} {len(latencies) / wall_s:>11.2f} "
                    f"{percentile(latencies, 50) * 1000:>7.0f} "
                    f"{percentile(latencies, 95) * 1000:>7.0f}   {dict(decisions)}"
                )


if __name__ == "__main__":
    main()
