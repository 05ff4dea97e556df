"""Liveness storage on real SQLite and PostgreSQL: a challenge is taken once, failures at a
device are counted within the window, the `max_failures`-th pauses it, a lifted pause counts
afresh, and deleting a device deletes its challenges, attempts and pause."""

from __future__ import annotations

from datetime import timedelta

from muster.domain.challenges import Challenge, CooldownPolicy
from muster.domain.liveness import ChallengeKind, LivenessFailure
from muster.storage import Database, Repositories
from muster.storage.repositories.liveness import LivenessRepository

from .factories import add_device, at, count_rows

POLICY = CooldownPolicy(max_failures=3, failure_window_s=60, cooldown_s=600)
WRONG = LivenessFailure.WRONG_MOVEMENT


def issue(liveness: LivenessRepository, device_id: int, token: str) -> Challenge:
    return liveness.add_challenge(
        Challenge(
            id=token,
            device_id=device_id,
            kind=ChallengeKind.TURN_LEFT,
            issued_at=at(0),
            expires_at=at(30),
            used=False,
        )
    )


def test_a_challenge_is_taken_once_and_only_by_its_device(database: Database) -> None:
    repos = Repositories.create(database)
    kiosk, other = add_device(repos), add_device(repos, "back door")
    liveness = LivenessRepository(database)
    issue(liveness, kiosk.id, "token-1")

    assert liveness.take_challenge("token-1", other.id) is None
    first = liveness.take_challenge("token-1", kiosk.id)
    second = liveness.take_challenge("token-1", kiosk.id)

    assert first is not None
    assert not first.used
    assert first.kind is ChallengeKind.TURN_LEFT
    assert first.expires_at == at(30)
    assert second is not None
    assert second.used
    assert liveness.take_challenge("never-issued", kiosk.id) is None


def test_the_third_failure_within_the_window_pauses_the_device(database: Database) -> None:
    kiosk = add_device(Repositories.create(database))
    liveness = LivenessRepository(database)

    outcomes = [
        liveness.record_attempt(device_id=kiosk.id, at=at(s), failure=f, policy=POLICY)
        for s, f in [(0, WRONG), (10, None), (70, WRONG), (80, WRONG), (90, WRONG)]
    ]

    # 0 s fell out of the 60 s window by 90 s, and a pass does not count either way.
    assert outcomes[:4] == [None, None, None, None]
    pause = outcomes[4]
    assert pause is not None
    assert (pause.failures, pause.paused_at, pause.paused_until) == (3, at(90), at(690))
    assert liveness.pause(kiosk.id, at(100)) == pause
    assert liveness.pause(kiosk.id, at(690)) is None
    assert liveness.active_pauses(at(100)) == [pause]
    # Failures before the pause ended do not count towards the next one.
    assert (
        liveness.record_attempt(device_id=kiosk.id, at=at(700), failure=WRONG, policy=POLICY)
        is None
    )


def test_a_lifted_pause_ends_now_and_counts_failures_afresh(database: Database) -> None:
    kiosk = add_device(Repositories.create(database))
    liveness = LivenessRepository(database)
    for second in (0, 1, 2):
        liveness.record_attempt(device_id=kiosk.id, at=at(second), failure=WRONG, policy=POLICY)

    lifted = liveness.lift(kiosk.id, at(5))

    assert lifted is not None
    assert lifted.paused_until == at(602)
    assert liveness.pause(kiosk.id, at(6)) is None
    assert liveness.lift(kiosk.id, at(6)) is None
    assert (
        liveness.record_attempt(device_id=kiosk.id, at=at(7), failure=WRONG, policy=POLICY) is None
    )


def test_deleting_a_device_deletes_its_liveness_rows(database: Database) -> None:
    repos = Repositories.create(database)
    kiosk = add_device(repos)
    liveness = LivenessRepository(database)
    issue(liveness, kiosk.id, "token-1")
    for second in (0, 1, 2):
        liveness.record_attempt(device_id=kiosk.id, at=at(second), failure=WRONG, policy=POLICY)

    repos.devices.delete(kiosk.id)

    for table in ("liveness_challenges", "liveness_attempts", "liveness_pauses"):
        assert count_rows(database, table) == 0, table
    assert liveness.active_pauses(at(3) + timedelta(seconds=1)) == []
