"""Recognition in video: follow faces across frames, decide each followed face once, record
one check-in per decision.

Per frame: detect every face; the tracker (`muster.domain.tracking.IouTracker`) gives each
box a track id; only the tracks that want it (new, undecided for a few frames, or grown
closer) are embedded and identified by the open-set rule of `RecognitionService.identify`;
`TrackEvidence` decides a track once k of its last n answers agree. A track decided as a
person is checked in through `CheckinService.check_in_identified`, so the dedupe window,
in/out toggling and idempotency are the check-in rules, not copies of them: a person who
leaves the picture and comes back within the dedupe window is a DUPLICATE, not a second
event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from muster.config import StreamSettings
from muster.domain.faces import Box, Detection, RGBImage
from muster.domain.tracking import (
    FusionPolicy,
    IouTracker,
    Observation,
    TrackerPolicy,
    TrackEvidence,
    TrackState,
)
from muster.services.checkin import CheckinResult, CheckinService, IdentifiedCheckinRequest
from muster.services.recognition import FaceMatch, Identity, RecognitionService, RejectionReason
from muster.services.thresholds import ThresholdService
from muster.storage.repositories.devices import DeviceRepository
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedFace:
    """A face of one frame: its track, box, the track's state, and for a RECOGNISED track
    the person; `similarity` is the best similarity behind the track's current state."""

    track_id: int
    box: Box
    state: TrackState
    person: Identity | None = None
    similarity: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackCheckin:
    """The check-in recorded (or found a duplicate) when `track_id` was recognised."""

    track_id: int
    result: CheckinResult


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameReport:
    """What one frame showed: `frame` counts the frames of this session from 1."""

    frame: int
    faces: list[TrackedFace]
    checkins: list[TrackCheckin]


class StreamSession:
    """The state of one video stream from one device. Not thread-safe: feed it one frame
    at a time (several streams use several sessions)."""

    def __init__(
        self,
        *,
        device_id: int,
        pipeline: FacePipeline,
        recognition: RecognitionService,
        thresholds: ThresholdService,
        checkins: CheckinService,
        settings: StreamSettings,
    ) -> None:
        self.device_id = device_id
        self._pipeline = pipeline
        self._recognition = recognition
        self._thresholds = thresholds
        self._checkins = checkins
        self._settings = settings
        self._tracker = IouTracker(
            TrackerPolicy(min_iou=settings.min_iou, max_missed_frames=settings.max_missed_frames)
        )
        self._fusion = FusionPolicy(
            window=settings.vote_window,
            votes_needed=settings.votes_needed,
            embed_every_frames=settings.embed_every_frames,
        )
        self._evidence: dict[int, TrackEvidence] = {}
        self._people: dict[int, Identity] = {}
        # Idempotency keys unique to this session: a retried decision records nothing twice,
        # and another session's track 1 is another look.
        self._key_prefix = f"stream:{uuid.uuid4().hex[:16]}"
        self._frame = 0

    def process_bytes(self, data: bytes) -> FrameReport:
        """`process` of an encoded frame (JPEG, PNG, ...); raises InvalidImageError (or a
        subclass) for bytes that are not an acceptable image."""
        return self.process(load_image(data, self._pipeline.settings.limits))

    def process(self, image: RGBImage) -> FrameReport:
        """Track, identify where needed, and check in the tracks this frame decided."""
        self._frame += 1
        detections = self._pipeline.detect(image)
        track_ids = self._tracker.update([d.box for d in detections])
        for ended in self._tracker.ended:
            self._evidence.pop(ended, None)
        tracks = list(zip(track_ids, detections, strict=True))
        newly_recognised = self._identify(image, tracks)
        checkins = [
            TrackCheckin(track_id=track_id, result=self._check_in(track_id))
            for track_id in newly_recognised
        ]
        return FrameReport(
            frame=self._frame,
            faces=[self._tracked_face(track_id, d.box) for track_id, d in tracks],
            checkins=checkins,
        )

    def _identify(self, image: RGBImage, tracks: list[tuple[int, Detection]]) -> list[int]:
        """Embeds the faces of the tracks that want it; returns the tracks now RECOGNISED."""
        wanted: list[tuple[int, Detection]] = []
        for track_id, detection in tracks:
            evidence = self._evidence.setdefault(track_id, TrackEvidence(self._fusion))
            if evidence.wants_embedding(self._frame, detection.box):
                wanted.append((track_id, detection))
        if not wanted:
            return []
        threshold = self._thresholds.current()
        faces = self._pipeline.describe(image, [d for _, d in wanted])
        recognised: list[int] = []
        for (track_id, detection), face in zip(wanted, faces, strict=True):
            match = self._recognition.identify(face, threshold)
            if match.identity is not None:
                self._people[match.identity.person_id] = match.identity
            if self._evidence[track_id].add(self._frame, detection.box, self._observation(match)):
                recognised.append(track_id)
        return recognised

    def _observation(self, match: FaceMatch) -> Observation | None:
        """The vote of one identified face; None when its quality makes it no evidence."""
        if match.rejection is RejectionReason.LOW_QUALITY:
            return None
        full_weight_px = self._settings.full_weight_interocular_px
        return Observation(
            person_id=None if match.identity is None else match.identity.person_id,
            weight=min(1.0, match.face.quality.interocular_px / full_weight_px),
            similarity=match.similarity,
        )

    def _check_in(self, track_id: int) -> CheckinResult:
        person_id = self._evidence[track_id].person_id
        assert person_id is not None  # only RECOGNISED tracks are checked in
        return self._checkins.check_in_identified(
            IdentifiedCheckinRequest(
                device_id=self.device_id,
                person=self._people[person_id],
                idempotency_key=f"{self._key_prefix}:{track_id}",
            )
        )

    def _tracked_face(self, track_id: int, box: Box) -> TrackedFace:
        evidence = self._evidence[track_id]
        person_id = evidence.person_id
        return TrackedFace(
            track_id=track_id,
            box=box,
            state=evidence.state,
            person=None if person_id is None else self._people[person_id],
            similarity=evidence.similarity,
        )


class StreamingService:
    """Opens stream sessions; holds a pipeline tuned for video (its own detection size, no
    CNN fallback), sharing the loaded models of the photo pipeline."""

    def __init__(
        self,
        *,
        pipeline: FacePipeline,
        recognition: RecognitionService,
        thresholds: ThresholdService,
        checkins: CheckinService,
        devices: DeviceRepository,
        settings: StreamSettings,
    ) -> None:
        self._pipeline = pipeline
        self._recognition = recognition
        self._thresholds = thresholds
        self._checkins = checkins
        self._devices = devices
        self._settings = settings

    @property
    def settings(self) -> StreamSettings:
        return self._settings

    def open(self, device_id: int) -> StreamSession:
        """A new session for a stream from `device_id`; raises NotFoundError for an unknown
        device."""
        self._devices.get(device_id)
        return StreamSession(
            device_id=device_id,
            pipeline=self._pipeline,
            recognition=self._recognition,
            thresholds=self._thresholds,
            checkins=self._checkins,
            settings=self._settings,
        )
