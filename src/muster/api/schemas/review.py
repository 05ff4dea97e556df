"""The review queue, corrected matches and the retention purge over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from muster.api.schemas.attendance import CorrectionPublic
from muster.api.schemas.ids import RowId
from muster.api.schemas.recognition import QualityPublic
from muster.api.schemas.templates import TemplatingPublic
from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.domain.review import ReviewStatus, UnknownFace
from muster.services.retention import PurgeReport
from muster.services.review import AssignOutcome, ReassignOutcome


class UnknownFacePublic(BaseModel):
    id: int
    device_id: int | None
    seen_at: datetime
    status: ReviewStatus
    assigned_person_id: int | None
    resolved_at: datetime | None
    quality: QualityPublic | None = Field(description="Null when it was not recorded.")
    thumbnail_url: str = Field(description="Where to GET the face thumbnail (JPEG).")

    @classmethod
    def of(cls, item: UnknownFace) -> Self:
        return cls(
            id=item.id,
            device_id=item.device_id,
            seen_at=item.seen_at,
            status=item.status,
            assigned_person_id=item.assigned_person_id,
            resolved_at=item.resolved_at,
            quality=None if item.quality is None else QualityPublic.of(item.quality),
            thumbnail_url=f"/review/unknown-faces/{item.id}/thumbnail",
        )


class AssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: RowId = Field(description="Whose face this is.")


class AssignmentPublic(BaseModel):
    """The item is assigned either way; `templating` says whether its face became a
    template of the person (only when it passes the enrolment quality gates and the person
    has consent)."""

    item: UnknownFacePublic
    templating: TemplatingPublic

    @classmethod
    def of(cls, outcome: AssignOutcome) -> Self:
        return cls(
            item=UnknownFacePublic.of(outcome.item),
            templating=TemplatingPublic.of(outcome.gate),
        )


class ReassignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: RowId = Field(description="The attendance event recognised as the wrong person.")
    person_id: RowId = Field(description="Who it really was.")
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(description="Why; kept for the audit trail.")


class MovedEventPublic(BaseModel):
    id: int
    person_id: int
    direction: Direction
    at: datetime
    source: EventSource
    device_id: int | None

    @classmethod
    def of(cls, event: AttendanceEvent) -> Self:
        if event.id is None:
            raise ValueError("only stored events are shown")
        return cls(
            id=event.id,
            person_id=event.person_id,
            direction=event.direction,
            at=event.at,
            source=event.source,
            device_id=event.device_id,
        )


class ReassignmentPublic(BaseModel):
    """The wrong event is voided (kept, ignored by registers) and a copy is added for the
    right person, each with a correction. `templating` is null when no face was kept with
    the event (see privacy.keep_event_faces)."""

    voided_event: MovedEventPublic
    event: MovedEventPublic
    corrections: list[CorrectionPublic]
    templating: TemplatingPublic | None

    @classmethod
    def of(cls, outcome: ReassignOutcome) -> Self:
        return cls(
            voided_event=MovedEventPublic.of(outcome.voided_event),
            event=MovedEventPublic.of(outcome.event),
            corrections=[
                CorrectionPublic.of(outcome.voiding),
                CorrectionPublic.of(outcome.adding),
            ],
            templating=None if outcome.gate is None else TemplatingPublic.of(outcome.gate),
        )


class PurgePublic(BaseModel):
    unknown_faces_deleted: int
    thumbnails_deleted: int
    photos_deleted: int
    unknown_faces_seen_before: datetime
    thumbnails_created_before: datetime

    @classmethod
    def of(cls, report: PurgeReport) -> Self:
        return cls(
            unknown_faces_deleted=report.unknown_faces_deleted,
            thumbnails_deleted=report.thumbnails_deleted,
            photos_deleted=report.photos_deleted,
            unknown_faces_seen_before=report.unknown_faces_seen_before,
            thumbnails_created_before=report.thumbnails_created_before,
        )
