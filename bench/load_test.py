"""Load test across replicas: N concurrent kiosk clients against one `muster serve` process
on SQLite, one on PostgreSQL and two on one PostgreSQL database; throughput, p50/p95 latency,
errors by status, and the events lost or doubled, counted in the database afterwards. (Not a
test; prints figures. tests/integration/test_load_consistency.py asserts the counts.)

Each configuration enrols `--people` LFW identities (shared/faces/lfw_dev, one photo each)
through the API and keeps those whose other photo, the probe, the server recognises as them.
Then, for each client count, the clients send three rounds of visits (check-in, a look that
is 'already checked in', check-out) exactly as the kiosk does: a multipart POST /checkins
with a device key, an Idempotency-Key and the capture time, round-robin across the processes.
A quarter of the visits retry one request with the same key after its answer, a quarter
retry it while the first is in flight, a quarter are seen by two kiosks at once (so the two
requests usually reach different processes). See tests/integration/kiosk_load.py.

Afterwards it reads the attendance_events rows of that run with SQL and compares them with
the events the domain rules expect from what was sent (tests/integration/event_audit.py):
lost = expected events with no row; doubled = rows repeating a (device, key) or inside the
dedupe window of the person's previous row; unexpected and wrong-direction rows too. Every
client count runs on a capture day of its own, so runs do not interact. The baseline is the
first row: one client, one process, in the same run.

    bash scripts/with-services.sh nice .venv/bin/python -m bench.load_test \\
        --faces /work/shared/faces --people 60 --clients 1 4 8 16

(`-m` from the repository root: it imports the test helpers from `tests.integration`.)
Without MUSTER_TEST_POSTGRES_URL (or --postgres-url) only the SQLite configuration runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from tests.integration.event_audit import (
    Audit,
    audit,
    expected_events,
    policy_of,
    stored_events,
)
from tests.integration.kiosk_load import Kiosk, Subject, Traffic, drive, plan
from tests.integration.load_world import add_kiosks, enrol_subjects, lfw_candidates
from tests.integration.replica_harness import Replica, admin_token, server_env, serving

from muster.config import AttendanceSettings
from muster.storage import sqlite_url

ZONE = "UTC"
KIOSKS = 16
WARM_UP_LOOKS = 4
SETTINGS = AttendanceSettings()
# Every run captures on a day of its own, up to 2 x len(--clients) days back: allow them.
MAX_CAPTURE_AGE_S = 30 * 86_400


@dataclass(frozen=True)
class Row:
    config: str
    processes: int
    clients: int
    people: int
    traffic: Traffic
    audit: Audit


def capture_day(days_back: int) -> datetime:
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=days_back), time(9), tzinfo=UTC)


def percentile_ms(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def run_level(
    config: str,
    replicas: Sequence[Replica],
    database_url: str,
    world: tuple[list[Subject], list[Kiosk]],
    *,
    clients: int,
    days_back: int,
) -> Row:
    subjects, kiosks = world
    first_round_at = capture_day(days_back)
    rounds = plan(subjects, kiosks, first_round_at, seed=days_back)
    traffic = drive([replica.base_url for replica in replicas], rounds, clients)
    expected = expected_events(rounds, policy_of(SETTINGS), ZONE, traffic.undelivered)
    stored = stored_events(database_url, first_round_at, first_round_at + timedelta(hours=12))
    result = audit(expected, stored, SETTINGS.dedupe_window_s)
    return Row(config, len(replicas), clients, len(subjects), traffic, result)


def warm_up(replicas: Sequence[Replica], world: tuple[list[Subject], list[Kiosk]]) -> None:
    """A few check-ins on every process (first requests fill caches), on a day no run uses."""
    subjects, kiosks = world
    rounds = plan(subjects[:WARM_UP_LOOKS], kiosks, capture_day(29), seed=0, offsets_s=[0])
    for replica in replicas:
        drive([replica.base_url], rounds, 1)


def run_backend(
    name: str, database_url: str, process_counts: Sequence[int], args: argparse.Namespace
) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="muster-load-") as data_dir:
        env = server_env(
            database_url,
            Path(data_dir),
            {"MUSTER_ATTENDANCE__MAX_CAPTURE_AGE_S": str(MAX_CAPTURE_AGE_S)},
        )
        names = "abcdefgh"[: max(process_counts)]
        with serving(env, Path(data_dir), names) as replicas:
            with replicas[0].client(admin_token(env)) as admin:
                candidates = lfw_candidates(args.faces, args.people)
                world = enrol_subjects(admin, args.faces, candidates), add_kiosks(admin, KIOSKS)
            warm_up(replicas, world)
            for processes in process_counts:
                for clients in args.clients:
                    row = run_level(
                        name,
                        replicas[:processes],
                        database_url,
                        world,
                        clients=clients,
                        days_back=len(rows) + 1,
                    )
                    print_row(row)
                    rows.append(row)
    return rows


HEADER = (
    "| database | processes | clients | requests | check-ins/s | p50 ms | p95 ms | errors "
    "| expected | found | lost | doubled | unexpected | wrong direction |"
)


def print_row(row: Row) -> None:
    traffic, result = row.traffic, row.audit
    errors = ", ".join(f"{status}: {n}" for status, n in traffic.errors.items()) or "0"
    if traffic.undelivered:
        errors += f" ({len(traffic.undelivered)} undelivered)"
    print(
        f"| {row.config} | {row.processes} | {row.clients} | {sum(traffic.statuses.values())} "
        f"| {traffic.answered_ok / traffic.wall_s:.2f} "
        f"| {percentile_ms(traffic.latencies_s, 50):.0f} "
        f"| {percentile_ms(traffic.latencies_s, 95):.0f} | {errors} "
        f"| {result.expected} | {result.found} | {result.lost} | {result.doubled} "
        f"| {result.unexpected} | {result.wrong_direction} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--people", type=int, default=60, help="LFW identities to enrol")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MUSTER_TEST_POSTGRES_URL"),
        help="an empty PostgreSQL database it may fill (default: MUSTER_TEST_POSTGRES_URL, "
        "the throwaway one scripts/with-services.sh makes)",
    )
    args = parser.parse_args()

    print(f"cpus: {os.cpu_count()}; people asked: {args.people}; kiosks: {KIOSKS}")
    print(HEADER)
    print("|---" * (HEADER.count("|") - 1) + "|")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="muster-load-db-") as sqlite_dir:
        rows += run_backend("sqlite", sqlite_url(Path(sqlite_dir) / "load.sqlite3"), [1], args)
    if args.postgres_url:
        rows += run_backend("postgresql", args.postgres_url, [1, 2], args)
    failed = [row for row in rows if not row.audit.consistent or row.traffic.undelivered]
    print(f"people recognised and used: {rows[0].people if rows else 0}")
    print("every run consistent" if not failed else f"{len(failed)} runs NOT consistent")


if __name__ == "__main__":
    main()
