"""Liveness over the API: challenges, a challenge's answer (POST /checkins/live) and how it
was judged, and paused devices."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from muster.api.schemas.checkins import CheckinPublic, IdempotencyKey
from muster.api.schemas.ids import RowId
from muster.domain.challenges import Challenge, DevicePause, instruction
from muster.domain.liveness import ChallengeKind, LivenessFailure
from muster.domain.people import Device
from muster.services.liveness import LiveCheckinResult, LivenessCheck


class ChallengePublic(BaseModel):
    """A challenge to show at the kiosk; answer it once, before `expires_at`."""

    challenge_id: str = Field(description="Send it back with the answer (POST /checkins/live).")
    kind: ChallengeKind = Field(description="turn_left, turn_right or nod (the person's own).")
    instruction: str = Field(description="The words to show the person.")
    issued_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, challenge: Challenge) -> Self:
        return cls(
            challenge_id=challenge.id,
            kind=challenge.kind,
            instruction=instruction(challenge.kind),
            issued_at=challenge.issued_at,
            expires_at=challenge.expires_at,
        )


class LiveCheckinCreate(BaseModel):
    """The fields of POST /checkins/live besides the frames."""

    model_config = ConfigDict(extra="forbid")

    challenge_id: str = Field(
        min_length=1, max_length=64, description="The challenge these frames answer."
    )
    idempotency_key: IdempotencyKey | None = Field(
        None, description="The same as the Idempotency-Key header (send either)."
    )
    captured_at: AwareDatetime | None = Field(
        None, description="When the first frame was taken, with an offset; default: now."
    )
    device_id: RowId | None = Field(
        None, description="Optional; must be the calling key's own device."
    )


class LivenessPublic(BaseModel):
    """How a challenge answer was judged."""

    kind: ChallengeKind | None = Field(description="The challenge (None on a replayed answer).")
    passed: bool
    failure: LivenessFailure | None = Field(
        description="no_face, too_few_frames, wrong_movement, planar_motion, "
        "different_faces, passive_attack or expired (too late, or answered twice)."
    )
    yaw_change_deg: float | None = Field(
        None, description="The largest change of the head's yaw seen (+ = the person's left)."
    )
    pitch_change_deg: float | None = Field(
        None, description="The largest change of the head's pitch seen (+ = down)."
    )
    planar_residual: float | None = Field(
        None, description="How unlike a flat picture the movement was (near 0: a picture)."
    )
    live_fraction: float | None = Field(
        None, description="The share of faces the passive check found live (0..1)."
    )
    frames_used: int = Field(description="Frames that showed exactly one face.")
    paused_until: datetime | None = Field(
        None, description="Set when this failure paused face check-in on the device."
    )

    @classmethod
    def of(cls, check: LivenessCheck) -> Self:
        verdict = check.verdict
        return cls(
            kind=check.kind,
            passed=check.passed,
            failure=check.failure,
            yaw_change_deg=None if verdict is None else verdict.yaw_change_deg,
            pitch_change_deg=None if verdict is None else verdict.pitch_change_deg,
            planar_residual=None if verdict is None else verdict.planar_residual,
            live_fraction=check.live_fraction,
            frames_used=check.frames_used,
            paused_until=check.paused_until,
        )


class LiveCheckinPublic(CheckinPublic):
    """A check-in answer (decision liveness_failed when the check failed) with how the
    liveness check went."""

    liveness: LivenessPublic

    @classmethod
    def of_live(cls, result: LiveCheckinResult) -> Self:
        base = CheckinPublic.of(result.checkin).model_dump()
        return cls.model_validate({**base, "liveness": LivenessPublic.of(result.liveness)})


class DevicePausePublic(BaseModel):
    """A device whose face check-in is paused after repeated failed liveness checks."""

    device_id: int
    device_name: str
    failures: int = Field(description="Failed liveness checks that started the pause.")
    paused_at: datetime
    paused_until: datetime = Field(description="When face check-in resumes by itself.")

    @classmethod
    def of(cls, pause: DevicePause, device: Device) -> Self:
        return cls(
            device_id=pause.device_id,
            device_name=device.name,
            failures=pause.failures,
            paused_at=pause.paused_at,
            paused_until=pause.paused_until,
        )
