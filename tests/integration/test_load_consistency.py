"""Concurrent kiosks lose and double no check-in, across replicas: counted in the database.

Real: `muster serve` subprocesses (two replicas on one PostgreSQL schema, through
scripts/with-services.sh; one process on a SQLite file), the dlib models, LFW photos posted
over HTTP as the kiosk posts them, and the attendance_events rows, read with SQL afterwards.
Several kiosk threads send three rounds of visits (check-in, a look that is 'already checked
in', check-out) round-robin across the replicas, with retries of one request (after its
answer, and while it is in flight) and two kiosks seeing one person at once; the expected
events follow from what was sent by the domain rules (tests/integration/event_audit.py).
bench/load_test.py runs the same traffic at scale and times it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from muster.config import AttendanceSettings
from muster.domain.attendance import Direction

from .event_audit import (
    Audit,
    ExpectedEvent,
    StoredEvent,
    audit,
    expected_events,
    policy_of,
    stored_events,
)
from .kiosk_load import Pattern, drive, plan
from .load_world import add_kiosks, enrol_subjects, lfw_candidates
from .replica_harness import admin_token, server_env, serving

CANDIDATES = 8
KIOSKS = 3
CLIENTS = 4
SEED = 6
SETTINGS = AttendanceSettings()  # what the servers run with: no MUSTER_ATTENDANCE__* set
ZONE = "UTC"


def yesterday_at_nine() -> datetime:
    """A capture time the servers accept (within max_capture_age_s) on a day of its own."""
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=1), time(9), tzinfo=UTC)


@pytest.mark.models
def test_concurrent_kiosks_with_retries_and_duplicates_record_each_event_exactly_once(
    backend: str, database_url: str, tmp_path: Path, faces_dir: Path
) -> None:
    env = server_env(database_url, tmp_path)
    first_round_at = yesterday_at_nine()
    with serving(env, tmp_path, names="ab" if backend == "postgresql" else "a") as replicas:
        with replicas[0].client(admin_token(env)) as admin:
            subjects = enrol_subjects(admin, faces_dir, lfw_candidates(faces_dir, CANDIDATES))
            kiosks = add_kiosks(admin, KIOSKS, ZONE)
        rounds = plan(subjects, kiosks, first_round_at, SEED)
        traffic = drive([replica.base_url for replica in replicas], rounds, CLIENTS)

    expected = expected_events(rounds, policy_of(SETTINGS), ZONE, traffic.undelivered)
    stored = stored_events(database_url, first_round_at, first_round_at + timedelta(hours=12))
    result = audit(expected, stored, SETTINGS.dedupe_window_s)

    assert {visit.pattern for visits in rounds for visit in visits} == set(Pattern), (
        f"only {len(subjects)} LFW probes recognised: too few to send every pattern"
    )
    assert traffic.errors == {}
    assert traffic.undelivered == set()
    # Each person: IN, then 'already checked in' (nothing), then OUT.
    assert [event.direction for event in expected[: len(subjects)]] == [Direction.IN] * len(
        subjects
    )
    assert result == Audit(
        expected=2 * len(subjects),
        found=2 * len(subjects),
        lost=0,
        doubled=0,
        unexpected=0,
        wrong_direction=0,
    )


def test_the_audit_counts_lost_doubled_unexpected_and_wrongly_directed_events() -> None:
    at = yesterday_at_nine()
    later = at + timedelta(minutes=15)
    expected = [
        ExpectedEvent(1, Direction.IN, frozenset({at, at + timedelta(seconds=2)})),
        ExpectedEvent(1, Direction.OUT, frozenset({later})),
        ExpectedEvent(2, Direction.IN, frozenset({at})),
        ExpectedEvent(3, Direction.IN, frozenset({at})),
    ]
    stored = [
        StoredEvent(1, 1, Direction.IN, at + timedelta(seconds=2), 1, "a"),
        StoredEvent(2, 1, Direction.IN, later, 1, "b"),  # should be OUT
        StoredEvent(3, 2, Direction.IN, at, 1, "c"),
        StoredEvent(4, 2, Direction.IN, at + timedelta(seconds=30), 2, "d"),  # in the window
        StoredEvent(5, 4, Direction.IN, at, 1, "e"),  # nobody looked at person 4
    ]  # person 3's event is lost

    result = audit(expected, stored, SETTINGS.dedupe_window_s)

    assert result == Audit(expected=4, found=5, lost=1, doubled=1, unexpected=1, wrong_direction=1)
    assert not result.consistent
