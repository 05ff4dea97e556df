"""Check-in at a device: recognise the largest face, decide, record once, answer the kiosk.

The decision follows `muster.domain.rules.direction` (dedupe window, in/out toggling,
minimum stay) and is recorded by `EventRepository.append`, which applies the idempotency
key, the dedupe window and the direction choice in one transaction under a per-person lock:
concurrent looks at one person make exactly one event.

Idempotency: a request may carry a key. A retry with the same key on the same device
returns the original answer with `replayed` set and records nothing. Answers are remembered
per process (every kind, including "not_recognised"); an answer that recorded an event is
also found through the event's stored key, by any replica, after any restart.

Faces that match nobody (and pass the quality gate) go to the review queue with their
embedding and a small thumbnail, unless the same stranger was queued from this device within
the dedupe window.

Liveness: with `liveness.required`, a single frame that shows a face is refused
(`LivenessRequiredError`; one without is still answered NO_FACE);
faces are then checked in only through `check_in_seen`, after the liveness service passed
a challenge answer, or through `check_in_identified` from a stream whose checks passed. A
device paused after repeated liveness failures is refused (`LivenessPausedError`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from muster.config import AttendanceSettings, RecognitionSettings
from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.domain.challenges import LivenessRequiredError, paused_error
from muster.domain.errors import MusterError
from muster.domain.faces import Box, Embedding
from muster.domain.people import Device, DeviceKind
from muster.domain.review import ReviewStatus
from muster.domain.rules.direction import DirectionPolicy, Outcome, decide_direction
from muster.matching.similarity import similarity
from muster.services.recognition import (
    FaceMatch,
    Identity,
    Recognition,
    RecognitionService,
    RejectionReason,
    face_thumbnail_jpeg,
)
from muster.services.webhooks import WebhookEventType, WebhookService
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.devices import DeviceRepository
from muster.storage.repositories.events import EventRepository
from muster.storage.repositories.liveness import LivenessRepository
from muster.storage.repositories.people import PeopleRepository
from muster.storage.repositories.unknown_faces import UnknownFaceRepository

_RECENT_UNKNOWN_FACES = 50


class CaptureTimeError(MusterError):
    """The capture time is too far in the past or the future to accept."""

    code = "capture_time_out_of_range"


class CheckinDecision(StrEnum):
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    ALREADY_CHECKED_IN = "already_checked_in"
    """Checked in too recently for a check-out (min_in_to_out_s); nothing recorded."""
    DUPLICATE = "duplicate"
    """Within the dedupe window of the person's last event; nothing recorded."""
    NOT_RECOGNISED = "not_recognised"
    NO_FACE = "no_face"
    LIVENESS_FAILED = "liveness_failed"
    """The liveness check of a challenge answer failed; nothing recorded."""


_RECORDED = frozenset({CheckinDecision.CHECKED_IN, CheckinDecision.CHECKED_OUT})
"""Decisions that recorded an event (unless the answer was replayed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinRequest:
    """One look at `device_id`. `captured_at` (aware) is when the photo was taken, for
    check-ins queued offline; None means now."""

    device_id: int
    image: bytes
    idempotency_key: str | None = None
    captured_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifiedCheckinRequest:
    """A look at `person`, identified at `device_id` by other means than the face (a code
    and PIN typed at a kiosk); otherwise as CheckinRequest."""

    device_id: int
    person: Identity
    idempotency_key: str | None = None
    captured_at: datetime | None = None
    liveness_passed: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SeenCheckinRequest:
    """A look at `device_id` whose frame was already recognised (`recognition`, largest face
    first), by the liveness service after a passed check; otherwise as CheckinRequest."""

    device_id: int
    recognition: Recognition
    idempotency_key: str | None = None
    captured_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinResult:
    """The answer for the kiosk.

    at: when the face was seen (the capture time, or when the request arrived).
    event_id / event_at: the event recorded (CHECKED_IN/OUT), or the earlier event that made
        this look a DUPLICATE or ALREADY_CHECKED_IN.
    rejection / quality_issue: why the face was NOT_RECOGNISED.
    review_item_id: the review-queue item made for an unrecognised face, if one was.
    replayed: True when this answers an earlier request with the same idempotency key.
    """

    decision: CheckinDecision
    device: Device
    at: datetime
    person: Identity | None = None
    event_id: int | None = None
    event_at: datetime | None = None
    similarity: float | None = None
    margin: float | None = None
    rejection: RejectionReason | None = None
    quality_issue: str | None = None
    box: Box | None = None
    review_item_id: int | None = None
    replayed: bool = False


class AnswerCache:
    """The last `capacity` answers by (device id, idempotency key); thread-safe LRU."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[tuple[int, str], CheckinResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> CheckinResult | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[int, str], answer: CheckinResult) -> CheckinResult:
        """Remember `answer` unless one is already there; returns the one kept (the first
        answer wins when two requests with one key race)."""
        with self._lock:
            kept = self._answers.setdefault(key, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)
            return kept


class CheckinService:
    def __init__(
        self,
        *,
        recognition: RecognitionService,
        events: EventRepository,
        devices: DeviceRepository,
        people: PeopleRepository,
        unknown_faces: UnknownFaceRepository,
        webhooks: WebhookService,
        attendance: AttendanceSettings,
        recognition_settings: RecognitionSettings,
        liveness: LivenessRepository,
        liveness_required: bool = False,
        keep_event_faces: bool = False,
        clock: Clock = utc_now,
    ) -> None:
        self._recognition = recognition
        self._events = events
        self._devices = devices
        self._people = people
        self._unknown_faces = unknown_faces
        self._webhooks = webhooks
        self._settings = attendance
        self._recognition_settings = recognition_settings
        self._liveness = liveness
        self._liveness_required = liveness_required
        self._keep_event_faces = keep_event_faces
        self._clock = clock
        # Built once so that a bad day_start fails at start-up, not on the first check-in.
        self._policy = DirectionPolicy(
            dedupe_window_s=attendance.dedupe_window_s,
            min_in_to_out_s=attendance.min_in_to_out_s,
            day_start=attendance.day_start,
        )
        self._answers = AnswerCache(attendance.idempotency_cache_size)

    def check_in(self, request: CheckinRequest) -> CheckinResult:
        """Recognise, decide and record one look. Raises LivenessRequiredError when the
        frame shows a face while liveness is required (a frame without one is answered
        NO_FACE, so that a kiosk can tell when someone arrived), LivenessPausedError at a
        paused device, NotFoundError for an unknown device, CaptureTimeError for a capture
        time out of range, InvalidImageError (or a subclass) for bytes that are not an
        acceptable image."""
        at = self._capture_time(request.captured_at)
        device = self._devices.get(request.device_id)
        self.check_not_paused(device.id)

        def decide() -> CheckinResult:
            recognition = self._recognition.recognise_bytes(request.image)
            if self._liveness_required and recognition.faces:
                raise LivenessRequiredError(
                    "liveness is required here: ask for a challenge (POST "
                    "/liveness/challenges) and send its answer, a burst of frames, to POST "
                    "/checkins/live"
                )
            return self._decide(device, at, recognition, request.idempotency_key, None)

        return self._answer_once(device, request.idempotency_key, decide)

    def check_in_seen(self, request: SeenCheckinRequest) -> CheckinResult:
        """Decide and record a look at an already recognised frame that passed a liveness
        check (the event says so), by the rules and idempotency of `check_in`. Raises
        NotFoundError for an unknown device, CaptureTimeError."""
        at = self._capture_time(request.captured_at)
        device = self._devices.get(request.device_id)
        return self._answer_once(
            device,
            request.idempotency_key,
            lambda: self._decide(device, at, request.recognition, request.idempotency_key, True),
        )

    def remembered_answer(
        self, device_id: int, idempotency_key: str | None
    ) -> CheckinResult | None:
        """The answer this process gave to an earlier request with this key, marked
        replayed; None when there was none (or no key)."""
        if idempotency_key is None:
            return None
        earlier = self._answers.get((device_id, idempotency_key))
        return None if earlier is None else replace(earlier, replayed=True)

    def check_not_paused(self, device_id: int) -> None:
        """Raises LivenessPausedError while face check-in on the device is paused."""
        now = self._clock()
        pause = self._liveness.pause(device_id, now)
        if pause is not None:
            raise paused_error(pause, now)

    def check_in_identified(self, request: IdentifiedCheckinRequest) -> CheckinResult:
        """Decide and record a look at an already identified person, by the same rules and
        idempotency as `check_in`; the answer has no similarity, margin or box. Raises
        NotFoundError for an unknown device, CaptureTimeError, ConflictError for an erased
        person."""
        at = self._capture_time(request.captured_at)
        device = self._devices.get(request.device_id)
        return self._answer_once(
            device,
            request.idempotency_key,
            lambda: self._record(
                device,
                at,
                None,
                request.person,
                request.idempotency_key,
                liveness_passed=request.liveness_passed,
            ),
        )

    def _answer_once(
        self, device: Device, idempotency_key: str | None, decide: Callable[[], CheckinResult]
    ) -> CheckinResult:
        """`decide()`, or the remembered answer to an earlier request with the same key."""
        if idempotency_key is None:
            return decide()
        cache_key = (device.id, idempotency_key)
        if (earlier := self._answers.get(cache_key)) is not None:
            return replace(earlier, replayed=True)
        answer = decide()
        kept = self._answers.put(cache_key, answer)
        return answer if kept is answer else replace(kept, replayed=True)

    def _capture_time(self, captured_at: datetime | None) -> datetime:
        now = self._clock()
        if captured_at is None:
            return now
        if captured_at.tzinfo is None or captured_at.utcoffset() is None:
            raise CaptureTimeError("captured_at needs a time zone offset, e.g. ...T08:55:00Z")
        oldest = now - timedelta(seconds=self._settings.max_capture_age_s)
        latest = now + timedelta(seconds=self._settings.max_capture_ahead_s)
        if not oldest <= captured_at <= latest:
            raise CaptureTimeError(
                f"captured_at {captured_at.isoformat()} is out of range: it must be at most "
                f"{self._settings.max_capture_age_s} s in the past and "
                f"{self._settings.max_capture_ahead_s} s in the future (check the device clock)"
            )
        return captured_at

    def _decide(
        self,
        device: Device,
        at: datetime,
        recognition: Recognition,
        idempotency_key: str | None,
        liveness_passed: bool | None,
    ) -> CheckinResult:
        if not recognition.faces:
            return CheckinResult(decision=CheckinDecision.NO_FACE, device=device, at=at)
        match = recognition.faces[0]  # the pipeline puts the largest face first
        if match.identity is None:
            return self._not_recognised(device, at, match, recognition)
        result = self._record(
            device, at, match, match.identity, idempotency_key, liveness_passed=liveness_passed
        )
        recorded = result.decision in _RECORDED and not result.replayed
        if self._keep_event_faces and recorded and result.event_id is not None:
            self._keep_event_face(result.event_id, match, recognition)
        return result

    def _record(
        self,
        device: Device,
        at: datetime,
        match: FaceMatch | None,
        identity: Identity,
        idempotency_key: str | None,
        *,
        liveness_passed: bool | None = None,
    ) -> CheckinResult:
        """Record a look at `identity`; `match` is the face it was recognised by, None when
        it was identified otherwise (a PIN). `liveness_passed`: None when no check ran."""
        refused_as_already_in = False

        def choose(previous: AttendanceEvent | None) -> Direction | None:
            nonlocal refused_as_already_in
            decision = decide_direction(
                [] if previous is None else [previous],
                at,
                timezone=device.timezone,
                policy=self._policy,
            )
            refused_as_already_in = decision.outcome is Outcome.ALREADY_IN
            return decision.direction

        candidate = AttendanceEvent(
            id=None,
            person_id=identity.person_id,
            direction=Direction.IN,  # replaced by `choose`
            at=at,
            source=EventSource.CAMERA if device.kind is DeviceKind.CAMERA else EventSource.KIOSK,
            device_id=device.id,
            similarity=None if match is None else match.similarity,
            liveness_passed=liveness_passed,
            idempotency_key=idempotency_key,
        )
        event, created = self._events.append(
            candidate, self._settings.dedupe_window_s, choose_direction=choose
        )
        replayed = (
            not created
            and idempotency_key is not None
            and event.idempotency_key == idempotency_key
            and event.device_id == device.id
        )
        if created or replayed:
            decision = (
                CheckinDecision.CHECKED_IN
                if event.direction is Direction.IN
                else CheckinDecision.CHECKED_OUT
            )
        elif refused_as_already_in:
            decision = CheckinDecision.ALREADY_CHECKED_IN
        else:
            decision = CheckinDecision.DUPLICATE
        if created:
            self._webhooks.publish(WebhookEventType.ATTENDANCE_CREATED, event_webhook_data(event))
        person = identity
        if replayed and event.person_id != identity.person_id:
            person = Identity(
                person_id=event.person_id, name=self._people.get(event.person_id).name
            )
        return CheckinResult(
            decision=decision,
            device=device,
            at=at,
            person=person,
            event_id=event.id,
            event_at=event.at,
            similarity=None if match is None else match.similarity,
            margin=None if match is None else match.margin,
            box=None if match is None else match.face.box,
            replayed=replayed,
        )

    def queue_unknown(
        self, device: Device, at: datetime, match: FaceMatch, recognition: Recognition
    ) -> int | None:
        """Queue an unrecognised face seen at `device` for review; returns the new item's
        id, or None when reviewing is off, the face is too poor to review, or the same
        stranger was queued from this device within the dedupe window."""
        if (
            not self._recognition_settings.review_unknown_faces
            or match.rejection is RejectionReason.LOW_QUALITY
            or self._recently_queued(device, at, match.face.embedding, recognition)
        ):
            return None
        item = self._unknown_faces.add(
            embedding=match.face.embedding,
            thumbnail_jpeg=face_thumbnail_jpeg(
                recognition.image, match.face.box, self._recognition_settings.thumbnail_px
            ),
            seen_at=at,
            device_id=device.id,
            quality=match.face.quality,
        )
        return item.id

    def _not_recognised(
        self, device: Device, at: datetime, match: FaceMatch, recognition: Recognition
    ) -> CheckinResult:
        review_item_id = self.queue_unknown(device, at, match, recognition)
        return CheckinResult(
            decision=CheckinDecision.NOT_RECOGNISED,
            device=device,
            at=at,
            similarity=match.similarity,
            margin=match.margin,
            rejection=match.rejection,
            quality_issue=match.quality_issue,
            box=match.face.box,
            review_item_id=review_item_id,
        )

    def _keep_event_face(self, event_id: int, match: FaceMatch, recognition: Recognition) -> None:
        """Keep the face behind a new event (privacy.keep_event_faces), so that a wrong match
        can be corrected and the face enrolled as the right person (services.review)."""
        self._unknown_faces.add_event_face(
            event_id=event_id,
            embedding=match.face.embedding,
            thumbnail_jpeg=face_thumbnail_jpeg(
                recognition.image, match.face.box, self._recognition_settings.thumbnail_px
            ),
            quality=match.face.quality,
        )

    def _recently_queued(
        self, device: Device, at: datetime, embedding: Embedding, recognition: Recognition
    ) -> bool:
        """Is this stranger already waiting in the queue from this device, seen within the
        dedupe window? (Someone standing at a kiosk would otherwise fill the queue.)"""
        window = timedelta(seconds=self._settings.dedupe_window_s)
        recent = self._unknown_faces.all(status=ReviewStatus.PENDING, limit=_RECENT_UNKNOWN_FACES)
        return any(
            item.device_id == device.id
            and abs(item.seen_at - at) < window
            and similarity(item.embedding, embedding) >= recognition.threshold.pair_min_similarity
            for item in recent
        )


def event_webhook_data(event: AttendanceEvent) -> dict[str, object]:
    """The webhook payload of an attendance event: ids and times, no names or images."""
    return {
        "event_id": event.id,
        "person_id": event.person_id,
        "direction": event.direction.value,
        "at": event.at.isoformat(),
        "device_id": event.device_id,
        "source": event.source.value,
        "similarity": event.similarity,
    }
