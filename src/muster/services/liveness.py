"""Liveness at the kiosk: issue a challenge, judge its answer, record the attempt, and pause a
device whose checks keep failing.

A challenge (turn left or turn right) is drawn by the server with `secrets` and stored, so
any replica can judge its answer and the client cannot choose or skip it. The answer is a
burst of frames (about 10 over 2 s). It passes when

1. the challenge is this device's, unexpired, and answered for the first time;
2. enough frames show exactly one face, and every one of them is the first frame's person
   (`same_person_min_similarity`), so nobody can be swapped in mid-answer;
3. the landmarks across the frames show the asked movement of a head, not of a flat picture
   (`muster.vision.liveness.judge_challenge`);
4. the passive check finds at least `min_live_fraction` of the faces live.

Every judged answer is recorded as an attempt; the `max_failures`-th failure within
`failure_window_s` pauses face check-in on the device for `cooldown_s`, and the admin is told
three ways: an audit entry, a `liveness.device_paused` webhook, and the dashboard notice
(`active_pauses`). A passed answer is recognised from its most frontal frame and checked in
through `CheckinService.check_in_seen`, so the check-in rules and idempotency are the usual
ones and the event records `liveness_passed`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from muster.config import ImageLimits, LivenessSettings
from muster.domain.challenges import Challenge, CooldownPolicy, DevicePause, live_fraction
from muster.domain.errors import NotFoundError
from muster.domain.faces import Face, RGBImage
from muster.domain.liveness import (
    ChallengeKind,
    ChallengeVerdict,
    LivenessFailure,
    PassiveVerdict,
)
from muster.matching.similarity import similarity
from muster.services.checkin import (
    CheckinDecision,
    CheckinResult,
    CheckinService,
    SeenCheckinRequest,
)
from muster.services.recognition import Recognition, RecognitionService
from muster.services.thresholds import ThresholdService
from muster.services.webhooks import WebhookEventType, WebhookService
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.devices import DeviceRepository
from muster.storage.repositories.liveness import LivenessRepository
from muster.vision.decode import load_image
from muster.vision.liveness import PassiveLivenessDetector, judge_challenge
from muster.vision.pipeline import FacePipeline

_TOKEN_BYTES = 24

ISSUED_CHALLENGES = (ChallengeKind.TURN_LEFT, ChallengeKind.TURN_RIGHT)
"""The kinds the kiosk is asked for. Not NOD: with 5 landmarks a nod cannot be told from a
photo tilted back and forth (live nods and tilted photos overlap in planar residual, see
docs/accuracy.md), so a nod challenge would either let photos through or fail live people."""
_SYSTEM_ACTOR = "system:liveness"


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCheckinRequest:
    """The answer to challenge `challenge_id` from `device_id`: the encoded frames in the
    order they were captured; otherwise as `CheckinRequest`."""

    device_id: int
    challenge_id: str
    frames: Sequence[bytes]
    idempotency_key: str | None = None
    captured_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LivenessCheck:
    """How an answer was judged. `verdict` is the movement's judgement (None when judging
    stopped before it: expired, no face, different faces); `live_fraction` the share of
    faces the passive check found live (None when it did not run); `paused_until` is set
    when this failure paused the device."""

    kind: ChallengeKind | None
    passed: bool
    failure: LivenessFailure | None
    verdict: ChallengeVerdict | None = None
    live_fraction: float | None = None
    frames_used: int = 0
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCheckinResult:
    """The check-in (decision LIVENESS_FAILED when the check failed) and how the liveness
    check went."""

    checkin: CheckinResult
    liveness: LivenessCheck


@dataclass(frozen=True, slots=True)
class _SeenFrame:
    image: RGBImage
    face: Face


class LivenessService:
    """Thread-safe: state lives in the database; the pipeline and detector guard their own."""

    def __init__(
        self,
        *,
        pipeline: FacePipeline,
        recognition: RecognitionService,
        thresholds: ThresholdService,
        checkins: CheckinService,
        devices: DeviceRepository,
        liveness: LivenessRepository,
        audit: AuditRepository,
        webhooks: WebhookService,
        settings: LivenessSettings,
        limits: ImageLimits,
        clock: Clock = utc_now,
    ) -> None:
        """`pipeline` should be the video pipeline (no slow CNN fallback on frames)."""
        self._pipeline = pipeline
        self._recognition = recognition
        self._thresholds = thresholds
        self._checkins = checkins
        self._devices = devices
        self._liveness = liveness
        self._audit = audit
        self._webhooks = webhooks
        self._settings = settings
        self._limits = limits
        self._clock = clock
        self._passive = PassiveLivenessDetector(settings)
        self._policy = CooldownPolicy(
            max_failures=settings.max_failures,
            failure_window_s=settings.failure_window_s,
            cooldown_s=settings.cooldown_s,
        )

    @property
    def settings(self) -> LivenessSettings:
        return self._settings

    # Challenges ----------------------------------------------------------------------------

    def issue(self, device_id: int) -> Challenge:
        """A new challenge for `device_id`, its kind drawn at random. Raises NotFoundError
        for an unknown device, LivenessPausedError at a paused device."""
        self._checkins.check_not_paused(device_id)
        now = self._clock()
        challenge = Challenge(
            id=secrets.token_urlsafe(_TOKEN_BYTES),
            device_id=device_id,
            kind=secrets.choice(ISSUED_CHALLENGES),
            issued_at=now,
            expires_at=now + timedelta(seconds=self._settings.challenge_ttl_s),
            used=False,
        )
        return self._liveness.add_challenge(challenge)

    def check_in(self, request: LiveCheckinRequest) -> LiveCheckinResult:
        """Judge a challenge answer and, when it passes, check in the face it shows.

        A retry with the idempotency key of a passed answer gets that answer again. Raises
        LivenessPausedError at a paused device, NotFoundError for an unknown device or a
        challenge never issued to it, InvalidImageError for a frame that is not an
        acceptable image, CaptureTimeError as `CheckinService.check_in`."""
        remembered = self._checkins.remembered_answer(request.device_id, request.idempotency_key)
        if remembered is not None:
            return LiveCheckinResult(
                checkin=remembered, liveness=LivenessCheck(kind=None, passed=True, failure=None)
            )
        device = self._devices.get(request.device_id)
        self._checkins.check_not_paused(device.id)
        now = self._clock()
        images = [load_image(frame, self._limits) for frame in request.frames]
        challenge = self._liveness.take_challenge(request.challenge_id, device.id)
        if challenge is None:
            raise NotFoundError(
                "no such challenge for this device: ask for one (POST /liveness/challenges)"
            )
        check, best = self._judge(challenge, images, now)
        check = self._record(device.id, check, now)
        if not check.passed or best is None:
            failed = CheckinResult(decision=CheckinDecision.LIVENESS_FAILED, device=device, at=now)
            return LiveCheckinResult(checkin=failed, liveness=check)
        threshold = self._thresholds.current()
        recognition = Recognition(
            faces=[self._recognition.identify(best.face, threshold)],
            threshold=threshold,
            image=best.image,
        )
        checkin = self._checkins.check_in_seen(
            SeenCheckinRequest(
                device_id=device.id,
                recognition=recognition,
                idempotency_key=request.idempotency_key,
                captured_at=request.captured_at,
            )
        )
        return LiveCheckinResult(checkin=checkin, liveness=check)

    def _judge(
        self, challenge: Challenge, images: list[RGBImage], now: datetime
    ) -> tuple[LivenessCheck, _SeenFrame | None]:
        """The judgement of an answer, and its most frontal frame (None unless it passed)."""
        kind = challenge.kind
        if challenge.used or now > challenge.expires_at:
            return _failed(kind, LivenessFailure.EXPIRED), None
        seen = self._one_face_frames(images)
        if not seen:
            return _failed(kind, LivenessFailure.NO_FACE), None
        first = seen[0].face.embedding
        if any(
            similarity(first, frame.face.embedding) < self._settings.same_person_min_similarity
            for frame in seen[1:]
        ):
            return _failed(kind, LivenessFailure.DIFFERENT_FACES, frames=len(seen)), None
        verdict = judge_challenge(kind, [frame.face.landmarks for frame in seen], self._settings)
        if not verdict.passed:
            failure = verdict.failure or LivenessFailure.WRONG_MOVEMENT
            return _failed(kind, failure, verdict=verdict, frames=len(seen)), None
        live = live_fraction([self.assess(frame.image, frame.face) for frame in seen])
        if live < self._settings.min_live_fraction:
            check = _failed(
                kind,
                LivenessFailure.PASSIVE_ATTACK,
                verdict=verdict,
                frames=len(seen),
                live_fraction=live,
            )
            return check, None
        best = min(seen, key=lambda frame: abs(frame.face.quality.yaw_deg))
        passed = LivenessCheck(
            kind=kind,
            passed=True,
            failure=None,
            verdict=verdict,
            live_fraction=live,
            frames_used=len(seen),
        )
        return passed, best

    def _one_face_frames(self, images: list[RGBImage]) -> list[_SeenFrame]:
        """The frames that show exactly one face, in order, with that face."""
        seen: list[_SeenFrame] = []
        for image in images:
            faces = self._pipeline.analyze(image)
            if len(faces) == 1:
                seen.append(_SeenFrame(image, faces[0]))
        return seen

    # The passive check and failures, shared with streams -----------------------------------

    def assess(self, image: RGBImage, face: Face) -> PassiveVerdict:
        """The passive verdict on one face of one frame."""
        # The pipeline predicts the 5-point model, so these are the contract's landmarks.
        return self._passive.assess(image, face.box, face.landmarks)

    def record_stream_failure(self, device_id: int, failure: LivenessFailure) -> None:
        """Count a stream track's failed check towards the device's cool-down."""
        self._record(device_id, _failed(None, failure), self._clock())

    def _record(self, device_id: int, check: LivenessCheck, now: datetime) -> LivenessCheck:
        """Record the attempt; tell the admin when it paused the device."""
        pause = self._liveness.record_attempt(
            device_id=device_id, at=now, failure=check.failure, policy=self._policy
        )
        if pause is None:
            return check
        self._announce(pause)
        return replace(check, paused_until=pause.paused_until)

    def _announce(self, pause: DevicePause) -> None:
        detail = pause_data(pause)
        self._audit.record(
            actor=_SYSTEM_ACTOR,
            action="liveness.device_paused",
            target_type="device",
            target_id=pause.device_id,
            detail=detail,
        )
        self._webhooks.publish(WebhookEventType.LIVENESS_DEVICE_PAUSED, detail)

    # Pauses ----------------------------------------------------------------------------------

    def active_pauses(self) -> list[DevicePause]:
        """Every device paused now, the soonest to resume first."""
        return self._liveness.active_pauses(self._clock())

    def lift(self, device_id: int, *, actor: str) -> DevicePause:
        """End a device's pause now (audited). Raises NotFoundError for an unknown device
        or one that is not paused."""
        lifted = self._liveness.lift(device_id, self._clock())
        if lifted is None:
            raise NotFoundError(f"device {device_id} is not paused")
        self._audit.record(
            actor=actor,
            action="liveness.pause_lifted",
            target_type="device",
            target_id=device_id,
            detail=pause_data(lifted),
        )
        return lifted


def pause_data(pause: DevicePause) -> dict[str, object]:
    """The audit detail and webhook payload of a pause: ids, counts and times only."""
    return {
        "device_id": pause.device_id,
        "failures": pause.failures,
        "paused_at": pause.paused_at.isoformat(),
        "paused_until": pause.paused_until.isoformat(),
    }


def _failed(
    kind: ChallengeKind | None,
    failure: LivenessFailure,
    *,
    verdict: ChallengeVerdict | None = None,
    frames: int = 0,
    live_fraction: float | None = None,
) -> LivenessCheck:
    return LivenessCheck(
        kind=kind,
        passed=False,
        failure=failure,
        verdict=verdict,
        live_fraction=live_fraction,
        frames_used=frames,
    )
