"""Group photos: one class or team photo marks everyone recognised in it present for a session.

Detection uses its own settings (`GroupPhotoSettings`): a group photo holds many small faces,
so it is detected with more upsampling on a larger copy than a kiosk frame. Each face is then
decided by `RecognitionService.identify` (the same open-set rule and quality gate as every
other recognition), and each recognised person gets one IN event with source `photo` at the
session's start time, so the register counts them present.

Idempotency: every event carries the key `photo:<sha256 of the photo, 32 hex>:<schedule>:
<day>:<person>`, so uploading the same photo for the same session again records nothing new
(the events repository finds the key). Faces that match nobody go to the review queue,
unless an identical stranger is already waiting there (a re-upload, or two photos of one
session): an operator assigns each one once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from muster.config import GroupPhotoSettings, RecognitionSettings, VisionSettings
from muster.domain.attendance import AttendanceEvent, Direction, EventSource, Schedule
from muster.domain.errors import MusterError
from muster.domain.faces import Embedding, RGBImage
from muster.domain.review import ReviewStatus
from muster.domain.rules.sessions import SessionWindow, session_window
from muster.matching.similarity import similarity
from muster.services.checkin import event_webhook_data
from muster.services.recognition import (
    FaceMatch,
    RecognitionService,
    RejectionReason,
    face_thumbnail_jpeg,
)
from muster.services.thresholds import ThresholdChoice
from muster.services.webhooks import WebhookEventType, WebhookService
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.events import EventRepository
from muster.storage.repositories.schedules import ScheduleRepository
from muster.storage.repositories.unknown_faces import UnknownFaceRepository

# How many pending queue items a new stranger is compared with before queueing it.
_RECENT_UNKNOWN_FACES = 200


class NoSessionError(MusterError):
    """The schedule has no session on the requested day."""

    code = "no_session"


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPhotoRequest:
    """A photo for the session of `schedule_id` that starts on local `day` (None: today in
    the schedule's time zone)."""

    schedule_id: int
    image: bytes
    day: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPhotoFace:
    """One face of the photo.

    event_id: the attendance event that marks the person present (None when unrecognised);
    recorded: True when this upload created that event, False when an earlier upload of
        the same photo, or an earlier check-in within the dedupe window, already had.
    review_item_id: the review-queue item of an unrecognised face (the one already waiting
        when an identical face was queued before); None for faces too poor to review.
    """

    match: FaceMatch
    event_id: int | None = None
    recorded: bool = False
    review_item_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPhotoResult:
    """Every face found (largest first), the session it was counted for, and the photo's
    size after EXIF rotation (the frame the boxes are in)."""

    schedule: Schedule
    day: date
    session_start: datetime
    photo_sha256: str
    width_px: int
    height_px: int
    threshold: ThresholdChoice
    faces: list[GroupPhotoFace]


class GroupPhotoService:
    def __init__(
        self,
        *,
        recognition: RecognitionService,
        schedules: ScheduleRepository,
        events: EventRepository,
        unknown_faces: UnknownFaceRepository,
        audit: AuditRepository,
        webhooks: WebhookService,
        settings: GroupPhotoSettings,
        recognition_settings: RecognitionSettings,
        dedupe_window_s: float,
        clock: Clock = utc_now,
    ) -> None:
        """`recognition` must run a pipeline built with `settings`' detector settings (the
        composition root gives it its own one)."""
        self._recognition = recognition
        self._schedules = schedules
        self._events = events
        self._unknown_faces = unknown_faces
        self._audit = audit
        self._webhooks = webhooks
        self._settings = settings
        self._recognition_settings = recognition_settings
        self._dedupe_window_s = dedupe_window_s
        self._clock = clock

    def process(self, request: GroupPhotoRequest, *, actor: str) -> GroupPhotoResult:
        """Recognise every face and mark the recognised present. Raises NotFoundError for an
        unknown schedule, NoSessionError for a day without its session, InvalidImageError
        (or a subclass) for bytes that are not an acceptable image."""
        schedule = self._schedules.get(request.schedule_id)
        day = request.day or self._clock().astimezone(schedule.zone).date()
        window = session_window(schedule, day)
        if window is None:
            raise NoSessionError(
                f"schedule {schedule.name!r} has no session on {day.isoformat()} "
                f"({day.strftime('%A')}); choose a day it runs"
            )
        recognition = self._recognition.recognise_bytes(request.image)
        digest = hashlib.sha256(request.image).hexdigest()
        faces = [
            self._settle(match, recognition.image, schedule.id, window, digest)
            for match in recognition.faces
        ]
        height_px, width_px = recognition.image.shape[:2]
        self._audit.record(
            actor=actor,
            action="group_photo.processed",
            target_type="schedule",
            target_id=schedule.id,
            detail={
                "day": day.isoformat(),
                "photo_sha256": digest,
                "faces": len(faces),
                "events_recorded": [f.event_id for f in faces if f.recorded],
                "review_items": [f.review_item_id for f in faces if f.review_item_id],
            },
        )
        return GroupPhotoResult(
            schedule=schedule,
            day=day,
            session_start=window.start_at,
            photo_sha256=digest,
            width_px=width_px,
            height_px=height_px,
            threshold=recognition.threshold,
            faces=faces,
        )

    def _settle(
        self,
        match: FaceMatch,
        image: RGBImage,
        schedule_id: int | None,
        window: SessionWindow,
        digest: str,
    ) -> GroupPhotoFace:
        if match.identity is None:
            return GroupPhotoFace(match=match, review_item_id=self._queue(match, image))
        person_id = match.identity.person_id
        event, created = self._events.append(
            AttendanceEvent(
                id=None,
                person_id=person_id,
                direction=Direction.IN,
                at=window.start_at,
                source=EventSource.PHOTO,
                similarity=match.similarity,
                idempotency_key=f"photo:{digest[:32]}:{schedule_id}:{window.day}:{person_id}",
            ),
            self._dedupe_window_s,
        )
        if created:
            self._webhooks.publish(WebhookEventType.ATTENDANCE_CREATED, event_webhook_data(event))
        return GroupPhotoFace(match=match, event_id=event.id, recorded=created)

    def _queue(self, match: FaceMatch, image: RGBImage) -> int | None:
        """The review item for an unrecognised face: an identical pending one, or a new one;
        None when the face is too poor to review or reviewing is off."""
        if (
            not self._recognition_settings.review_unknown_faces
            or match.rejection is RejectionReason.LOW_QUALITY
        ):
            return None
        waiting = self._waiting(match.face.embedding)
        if waiting is not None:
            return waiting
        item = self._unknown_faces.add(
            embedding=match.face.embedding,
            thumbnail_jpeg=face_thumbnail_jpeg(
                image, match.face.box, self._recognition_settings.thumbnail_px
            ),
            seen_at=self._clock(),
            quality=match.face.quality,
        )
        return item.id

    def _waiting(self, embedding: Embedding) -> int | None:
        """A pending queue item whose face is the same face as `embedding` (a re-upload)."""
        pending = self._unknown_faces.all(status=ReviewStatus.PENDING, limit=_RECENT_UNKNOWN_FACES)
        return next(
            (
                item.id
                for item in pending
                if similarity(item.embedding, embedding) >= self._settings.same_face_min_similarity
            ),
            None,
        )


def group_vision_settings(vision: VisionSettings, group: GroupPhotoSettings) -> VisionSettings:
    """The vision settings for group photos: the kiosk's models and limits, with the group
    photo upsampling and detection size. No CNN fallback: it only runs when HOG finds
    nobody, and a group photo where HOG finds nobody is rarely saved by one close-up look."""
    return vision.model_copy(
        update={
            "upsample": group.upsample,
            "detect_max_side_px": group.detect_max_side_px,
            "fallback_max_side_px": 0,
        }
    )
