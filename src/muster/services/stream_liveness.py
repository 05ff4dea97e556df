"""Liveness of one face followed through a video stream, where no challenge can be issued (a
fixed camera): the track passes when its head has moved like a head, not like a flat picture
(`muster.vision.liveness.judge_motion` over the track's landmarks), and enough of its faces
pass the passive check. Until the head has moved enough to tell, the track stays CHECKING,
so a person who stands perfectly still is not checked in while liveness is required.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from enum import StrEnum

from muster.config import LivenessSettings
from muster.domain.challenges import live_fraction
from muster.domain.faces import Point
from muster.domain.liveness import LivenessFailure, PassiveVerdict
from muster.vision.liveness import judge_motion

# The most recent frames of a track that count (a track may live for hours; a head that
# turned in the last ~10 s of 10 fps video is what matters).
_MAX_TRACK_FRAMES = 100


class TrackLivenessState(StrEnum):
    CHECKING = "checking"
    """The head has not moved enough yet to tell a live face from a picture."""
    PASSED = "passed"
    FAILED = "failed"
    """It moved like a flat picture, or too few of its faces looked live; never checked in."""


class TrackLiveness:
    """The liveness evidence of one track: each frame's landmarks and passive verdict.
    Not thread-safe (one stream session feeds it)."""

    def __init__(self, settings: LivenessSettings) -> None:
        self._settings = settings
        self._landmarks: deque[Sequence[Point]] = deque(maxlen=_MAX_TRACK_FRAMES)
        self._verdicts: deque[PassiveVerdict] = deque(maxlen=_MAX_TRACK_FRAMES)
        self._state = TrackLivenessState.CHECKING
        self._failure: LivenessFailure | None = None

    @property
    def state(self) -> TrackLivenessState:
        return self._state

    @property
    def failure(self) -> LivenessFailure | None:
        """Why the track FAILED."""
        return self._failure

    def add(self, landmarks: Sequence[Point], verdict: PassiveVerdict) -> bool:
        """Add one frame's evidence while CHECKING; returns True when it made the track
        FAILED (a failure to count against the device, once)."""
        if self._state is not TrackLivenessState.CHECKING:
            return False
        self._landmarks.append(landmarks)
        self._verdicts.append(verdict)
        motion = judge_motion(list(self._landmarks), self._settings)
        if motion is None:
            return False
        if not motion.passed:
            self._fail(motion.failure or LivenessFailure.PLANAR_MOTION)
            return True
        if live_fraction(self._verdicts) < self._settings.min_live_fraction:
            self._fail(LivenessFailure.PASSIVE_ATTACK)
            return True
        self._state = TrackLivenessState.PASSED
        return False

    def _fail(self, failure: LivenessFailure) -> None:
        self._state = TrackLivenessState.FAILED
        self._failure = failure
