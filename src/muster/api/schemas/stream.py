"""The /ws/stream messages: what the server answers for each video frame."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field

from muster.api.schemas.recognition import BoxPublic, IdentityPublic
from muster.domain.tracking import TrackState
from muster.services.checkin import CheckinDecision
from muster.services.stream_liveness import TrackLivenessState
from muster.services.streaming import FrameReport, TrackCheckin, TrackedFace


class StreamAuth(BaseModel):
    """The first (text) message when the token is not in the URL: {"token": "msk_..."}."""

    token: str = Field(min_length=1, max_length=500, description="The device's API key.")


class TrackPublic(BaseModel):
    track_id: int = Field(description="Stays the same while the face stays in view.")
    box: BoxPublic
    state: TrackState
    person: IdentityPublic | None = Field(None, description="Set when state is recognised.")
    similarity: float | None = Field(
        None, description="Best cosine similarity behind the state (-1..1)."
    )
    liveness: TrackLivenessState | None = Field(
        None,
        description="With liveness required: checking (the head has not moved enough to "
        "tell), passed, or failed (moved like a flat picture, or looked like a print or "
        "screen); a recognised track is checked in only once passed.",
    )

    @classmethod
    def of(cls, face: TrackedFace) -> Self:
        return cls(
            track_id=face.track_id,
            box=BoxPublic.of(face.box),
            state=face.state,
            person=None if face.person is None else IdentityPublic.of(face.person),
            similarity=face.similarity,
            liveness=face.liveness,
        )


class StreamCheckinPublic(BaseModel):
    """A check-in made when a track was recognised (or found a duplicate of an earlier
    one: the dedupe window applies)."""

    type: Literal["checkin"] = "checkin"
    track_id: int
    decision: CheckinDecision
    person: IdentityPublic | None
    event_id: int | None
    at: datetime

    @classmethod
    def of(cls, checkin: TrackCheckin) -> Self:
        result = checkin.result
        return cls(
            track_id=checkin.track_id,
            decision=result.decision,
            person=None if result.person is None else IdentityPublic.of(result.person),
            event_id=result.event_id,
            at=result.at,
        )


class StreamFramePublic(BaseModel):
    """The answer to one binary (JPEG) frame; `frame` counts this connection's frames."""

    frame: int
    faces: list[TrackPublic]
    events: list[StreamCheckinPublic]

    @classmethod
    def of(cls, report: FrameReport) -> Self:
        return cls(
            frame=report.frame,
            faces=[TrackPublic.of(face) for face in report.faces],
            events=[StreamCheckinPublic.of(checkin) for checkin in report.checkins],
        )
