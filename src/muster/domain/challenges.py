"""Kiosk liveness challenges and the per-device cool-down: the domain values the liveness
service, its repository and the API share (the shared words of liveness itself are in
`muster.domain.liveness`).

A challenge is issued by the server (never chosen by the client), lives a short while, and
is answered at most once. A device whose liveness checks keep failing is paused: no face
check-in there until the pause ends or an admin lifts it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from muster.domain.errors import ForbiddenError, TooManyAttemptsError
from muster.domain.liveness import ChallengeKind, PassiveVerdict


class LivenessRequiredError(ForbiddenError):
    """A single frame was sent for a face check-in while liveness is required."""

    code = "liveness_required"


class LivenessPausedError(TooManyAttemptsError):
    """Face check-in on this device is paused after too many failed liveness checks."""

    code = "liveness_paused"

    def __init__(self, message: str, *, resumes_at: datetime, retry_after_s: int) -> None:
        super().__init__(message)
        self.resumes_at = resumes_at
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Challenge:
    """One challenge issued to `device_id`; `id` is an unguessable token. `used` turns true
    the moment an answer to it is taken (whatever the verdict)."""

    id: str
    device_id: int
    kind: ChallengeKind
    issued_at: datetime
    expires_at: datetime
    used: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DevicePause:
    """Face check-in on `device_id` is paused from `paused_at` until `paused_until` after
    `failures` failed liveness checks."""

    device_id: int
    paused_at: datetime
    paused_until: datetime
    failures: int

    def retry_after_s(self, now: datetime) -> int:
        """Whole seconds until the pause ends (at least 1 while it lasts)."""
        return max(1, math.ceil((self.paused_until - now).total_seconds()))


def instruction(kind: ChallengeKind) -> str:
    """The words the kiosk shows for `kind` (left and right are the person's own)."""
    match kind:
        case ChallengeKind.TURN_LEFT:
            return "Slowly turn your head to your left, then back"
        case ChallengeKind.TURN_RIGHT:
            return "Slowly turn your head to your right, then back"
        case ChallengeKind.NOD:
            return "Nod your head slowly, down and back up"


@dataclass(frozen=True, slots=True, kw_only=True)
class CooldownPolicy:
    """`max_failures` failed liveness checks on a device within `failure_window_s` pause face
    check-in on it for `cooldown_s`."""

    max_failures: int
    failure_window_s: float
    cooldown_s: float

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError(f"max_failures must be >= 1, got {self.max_failures}")
        if self.failure_window_s <= 0 or self.cooldown_s <= 0:
            raise ValueError("failure_window_s and cooldown_s must be positive")


def paused_error(pause: DevicePause, now: datetime) -> LivenessPausedError:
    """The error that refuses a face check-in at a paused device."""
    return LivenessPausedError(
        f"face check-in on this device is paused until {pause.paused_until.isoformat()} after "
        f"{pause.failures} failed liveness checks; an administrator can lift the pause",
        resumes_at=pause.paused_until,
        retry_after_s=pause.retry_after_s(now),
    )


def live_fraction(verdicts: Sequence[PassiveVerdict]) -> float:
    """The share of passive `verdicts` that found the face live (0 for none)."""
    return sum(verdict.is_live for verdict in verdicts) / len(verdicts) if verdicts else 0.0
