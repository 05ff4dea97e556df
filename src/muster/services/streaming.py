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

With `liveness.required`, every face of a track still being checked is described each frame
(landmarks for `judge_motion`, a passive verdict), and a RECOGNISED track is checked in only
once its liveness PASSED (`muster.services.stream_liveness`); a FAILED track counts against
the device's cool-down and is never checked in, and a paused device checks nobody in.

A track decided UNKNOWN is queued once for review through `CheckinService.queue_unknown`
(the kiosk's path: review_unknown_faces, the quality gate and the per-device dedupe apply).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from muster.config import StreamSettings
from muster.domain.challenges import LivenessPausedError
from muster.domain.faces import Box, Detection, Face, RGBImage
from muster.domain.people import Device
from muster.domain.tracking import (
    FusionPolicy,
    IouTracker,
    Observation,
    TrackerPolicy,
    TrackEvidence,
    TrackState,
)
from muster.services.checkin import CheckinResult, CheckinService, IdentifiedCheckinRequest
from muster.services.liveness import LivenessService
from muster.services.recognition import (
    FaceMatch,
    Identity,
    Recognition,
    RecognitionService,
    RejectionReason,
)
from muster.services.stream_liveness import TrackLiveness, TrackLivenessState
from muster.services.thresholds import ThresholdService
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.devices import DeviceRepository
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedFace:
    """A face of one frame: its track, box, the track's state, and for a RECOGNISED track
    the person; `similarity` is the best similarity behind the track's current state;
    `liveness` the track's liveness state (None when liveness is not required)."""

    track_id: int
    box: Box
    state: TrackState
    person: Identity | None = None
    similarity: float | None = None
    liveness: TrackLivenessState | None = None


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
        device: Device,
        pipeline: FacePipeline,
        recognition: RecognitionService,
        thresholds: ThresholdService,
        checkins: CheckinService,
        settings: StreamSettings,
        liveness: LivenessService | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """`liveness`: the liveness service when liveness is required, else None."""
        self.device_id = device.id
        self._device = device
        self._liveness = liveness
        self._clock = clock
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
        self._track_liveness: dict[int, TrackLiveness] = {}
        self._checked_in: set[int] = set()
        self._queued: set[int] = set()
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
            self._track_liveness.pop(ended, None)
            self._checked_in.discard(ended)
            self._queued.discard(ended)
        tracks = list(zip(track_ids, detections, strict=True))
        faces = self._describe(image, tracks)
        self._identify(image, tracks, faces)
        self._check_liveness(image, faces)
        checkins = [
            TrackCheckin(track_id=track_id, result=result)
            for track_id in track_ids
            if (result := self._check_in_when_due(track_id)) is not None
        ]
        return FrameReport(
            frame=self._frame,
            faces=[self._tracked_face(track_id, d.box) for track_id, d in tracks],
            checkins=checkins,
        )

    def _describe(self, image: RGBImage, tracks: list[tuple[int, Detection]]) -> dict[int, Face]:
        """The described faces (landmarks, embedding) of the tracks that want an embedding
        or, while liveness is being checked, liveness evidence."""
        wanted: list[tuple[int, Detection]] = []
        for track_id, detection in tracks:
            evidence = self._evidence.setdefault(track_id, TrackEvidence(self._fusion))
            liveness = self._liveness_of(track_id)
            checking = liveness is not None and liveness.state is TrackLivenessState.CHECKING
            if checking or evidence.wants_embedding(self._frame, detection.box):
                wanted.append((track_id, detection))
        if not wanted:
            return {}
        described = self._pipeline.describe(image, [d for _, d in wanted])
        return {track_id: face for (track_id, _), face in zip(wanted, described, strict=True)}

    def _liveness_of(self, track_id: int) -> TrackLiveness | None:
        """The track's liveness evidence (started on first sight); None when liveness is
        not required."""
        if self._liveness is None:
            return None
        return self._track_liveness.setdefault(track_id, TrackLiveness(self._liveness.settings))

    def _identify(
        self, image: RGBImage, tracks: list[tuple[int, Detection]], faces: dict[int, Face]
    ) -> None:
        """Identifies the faces of the tracks that want an embedding; queues a track newly
        decided UNKNOWN for review."""
        wanted = [
            (track_id, detection)
            for track_id, detection in tracks
            if track_id in faces
            and self._evidence[track_id].wants_embedding(self._frame, detection.box)
        ]
        if not wanted:
            return
        threshold = self._thresholds.current()
        for track_id, detection in wanted:
            match = self._recognition.identify(faces[track_id], threshold)
            if match.identity is not None:
                self._people[match.identity.person_id] = match.identity
            evidence = self._evidence[track_id]
            evidence.add(self._frame, detection.box, self._observation(match))
            if evidence.state is TrackState.UNKNOWN and track_id not in self._queued:
                self._queued.add(track_id)
                recognition = Recognition(faces=[match], threshold=threshold, image=image)
                self._checkins.queue_unknown(self._device, self._clock(), match, recognition)

    def _check_liveness(self, image: RGBImage, faces: dict[int, Face]) -> None:
        """Adds each checked track's face to its liveness evidence; a track that FAILED
        counts once against the device's cool-down."""
        if self._liveness is None:
            return
        for track_id, face in faces.items():
            liveness = self._track_liveness[track_id]
            if liveness.state is not TrackLivenessState.CHECKING:
                continue
            if liveness.add(face.landmarks, self._liveness.assess(image, face)):
                assert liveness.failure is not None  # set whenever add reports a failure
                self._liveness.record_stream_failure(self.device_id, liveness.failure)

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

    def _check_in_when_due(self, track_id: int) -> CheckinResult | None:
        """Checks in a RECOGNISED track not checked in yet, once its liveness PASSED (when
        required) and unless the device is paused; None when nothing was due."""
        person_id = self._evidence[track_id].person_id
        if person_id is None or track_id in self._checked_in:
            return None
        liveness = self._track_liveness.get(track_id)
        if self._liveness is not None and (
            liveness is None or liveness.state is not TrackLivenessState.PASSED
        ):
            return None
        try:
            self._checkins.check_not_paused(self.device_id)
        except LivenessPausedError:
            return None  # tried again on the next frame; the pause may be lifted
        self._checked_in.add(track_id)
        return self._checkins.check_in_identified(
            IdentifiedCheckinRequest(
                device_id=self.device_id,
                person=self._people[person_id],
                idempotency_key=f"{self._key_prefix}:{track_id}",
                liveness_passed=None if self._liveness is None else True,
            )
        )

    def _tracked_face(self, track_id: int, box: Box) -> TrackedFace:
        evidence = self._evidence[track_id]
        person_id = evidence.person_id
        liveness = self._track_liveness.get(track_id)
        return TrackedFace(
            track_id=track_id,
            box=box,
            state=evidence.state,
            person=None if person_id is None else self._people[person_id],
            similarity=evidence.similarity,
            liveness=None if liveness is None else liveness.state,
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
        liveness: LivenessService | None = None,
    ) -> None:
        """`liveness`: the liveness service when liveness is required, else None."""
        self._liveness = liveness
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
        return StreamSession(
            device=self._devices.get(device_id),
            pipeline=self._pipeline,
            recognition=self._recognition,
            thresholds=self._thresholds,
            checkins=self._checkins,
            settings=self._settings,
            liveness=self._liveness,
        )
