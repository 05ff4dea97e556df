"""Group photos over the API: the session a photo counts for, and every face in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from muster.api.schemas.ids import RowId
from muster.api.schemas.recognition import FacePublic, ThresholdUsed
from muster.services.group_photos import GroupPhotoFace, GroupPhotoResult

UNKNOWN_NAME = "unknown"


class GroupPhotoCreate(BaseModel):
    """The fields of POST /group-photos besides the image."""

    model_config = ConfigDict(extra="forbid")

    schedule_id: RowId = Field(description="The schedule whose session the photo shows.")
    day: date | None = Field(
        None,
        description="The local date the session starts (YYYY-MM-DD); default: today in the "
        "schedule's time zone.",
    )


class GroupPhotoFacePublic(FacePublic):
    name: str = Field(description=f"The person's name, or {UNKNOWN_NAME!r}.")
    event_id: int | None = Field(
        description="The attendance event that marks the person present; null when unknown."
    )
    recorded: bool = Field(
        description="True when this upload recorded that event; false when an earlier upload "
        "of the same photo (or a check-in moments apart) already had."
    )
    review_item_id: int | None = Field(
        description="The review-queue item of an unknown face (assign it with POST "
        "/review/unknown-faces/{id}/assign); null for recognised or low-quality faces."
    )

    @classmethod
    def of_face(cls, face: GroupPhotoFace) -> Self:
        base = FacePublic.of(face.match)
        identity = face.match.identity
        return cls(
            **base.model_dump(),
            name=UNKNOWN_NAME if identity is None else identity.name,
            event_id=face.event_id,
            recorded=face.recorded,
            review_item_id=face.review_item_id,
        )


class GroupPhotoPublic(BaseModel):
    schedule_id: int
    schedule_name: str
    day: date = Field(description="The session's local date.")
    session_start: datetime = Field(description="When the session starts; events are at it.")
    photo_sha256: str = Field(description="Identifies the photo; a re-upload records nothing.")
    width_px: int = Field(description="The photo's width after EXIF rotation (boxes use it).")
    height_px: int
    recognised: int = Field(description="Faces named.")
    unknown: int = Field(description="Faces not named.")
    events_recorded: int = Field(description="People this upload marked present.")
    faces: list[GroupPhotoFacePublic] = Field(description="Every face found, largest first.")
    threshold: ThresholdUsed

    @classmethod
    def of(cls, result: GroupPhotoResult) -> Self:
        faces = [GroupPhotoFacePublic.of_face(face) for face in result.faces]
        recognised = sum(face.identity is not None for face in faces)
        return cls(
            schedule_id=result.schedule.id or 0,
            schedule_name=result.schedule.name,
            day=result.day,
            session_start=result.session_start,
            photo_sha256=result.photo_sha256,
            width_px=result.width_px,
            height_px=result.height_px,
            recognised=recognised,
            unknown=len(faces) - recognised,
            events_recorded=sum(face.recorded for face in faces),
            faces=faces,
            threshold=ThresholdUsed(
                min_score=result.threshold.min_score,
                min_margin=result.threshold.min_margin,
                method=result.threshold.method,
            ),
        )
