"""Check-ins over the API: what a kiosk sends and the decision it shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from muster.api.schemas.ids import RowId
from muster.api.schemas.recognition import BoxPublic, IdentityPublic
from muster.domain.attendance import load_zone
from muster.services.checkin import CheckinDecision, CheckinResult
from muster.services.recognition import RejectionReason

IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="A client-chosen id of this request (printable ASCII, no spaces), e.g. a "
        "UUID; a retry with the same key returns the original answer and records nothing.",
    ),
]


class CheckinCreate(BaseModel):
    """The fields of POST /checkins besides the image."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey | None = Field(
        None, description="The same as the Idempotency-Key header (send either)."
    )
    captured_at: AwareDatetime | None = Field(
        None,
        description="When the photo was taken, with an offset (ISO 8601), for check-ins "
        "queued while offline; default: now. Limited by attendance.max_capture_age_s and "
        "attendance.max_capture_ahead_s.",
    )
    device_id: RowId | None = Field(
        None,
        description="Optional; must be the calling key's own device (a device key acts only "
        "as its own device).",
    )


class CheckinPublic(BaseModel):
    decision: CheckinDecision = Field(
        description="checked_in, checked_out, already_checked_in (too soon after checking "
        "in to check out), duplicate (within the dedupe window), not_recognised, no_face; "
        "liveness_failed (POST /checkins/live only: the challenge was not passed)."
    )
    message: str = Field(description="A sentence for the kiosk screen, in the device's time.")
    device_id: int
    at: datetime = Field(description="When the face was seen (UTC).")
    at_local: datetime = Field(description="The same in the device's time zone.")
    person: IdentityPublic | None
    event_id: int | None = Field(
        description="The event recorded, or the earlier one that made this look a "
        "duplicate or already_checked_in."
    )
    event_at: datetime | None
    similarity: float | None
    margin: float | None
    rejection: RejectionReason | None = Field(description="Why the face was not recognised.")
    quality_issue: str | None
    box: BoxPublic | None = Field(description="The face the decision is about (the largest).")
    review_item_id: int | None = Field(
        description="The review-queue item made for an unrecognised face, if any."
    )
    replayed: bool = Field(
        description="True when this repeats the answer to an earlier request with the same "
        "idempotency key (nothing new was recorded)."
    )

    @classmethod
    def of(cls, result: CheckinResult) -> Self:
        return cls(
            decision=result.decision,
            message=kiosk_message(result),
            device_id=result.device.id,
            at=result.at,
            at_local=result.at.astimezone(load_zone(result.device.timezone)),
            person=None if result.person is None else IdentityPublic.of(result.person),
            event_id=result.event_id,
            event_at=result.event_at,
            similarity=result.similarity,
            margin=result.margin,
            rejection=result.rejection,
            quality_issue=result.quality_issue,
            box=None if result.box is None else BoxPublic.of(result.box),
            review_item_id=result.review_item_id,
            replayed=result.replayed,
        )


def kiosk_message(result: CheckinResult) -> str:
    """What the kiosk tells the person, with times in the device's zone."""
    zone = load_zone(result.device.timezone)
    name = result.person.name if result.person else ""
    event_time = (result.event_at or result.at).astimezone(zone).strftime("%H:%M")
    match result.decision:
        case CheckinDecision.CHECKED_IN:
            return f"Welcome, {name}: checked in at {event_time}."
        case CheckinDecision.CHECKED_OUT:
            return f"Goodbye, {name}: checked out at {event_time}."
        case CheckinDecision.ALREADY_CHECKED_IN:
            return f"{name}, you are already checked in (since {event_time})."
        case CheckinDecision.DUPLICATE:
            return f"{name}, you were already recorded at {event_time}."
        case CheckinDecision.NOT_RECOGNISED:
            hint = result.quality_issue or "please try again or ask a member of staff"
            return f"Not recognised: {hint}."
        case CheckinDecision.NO_FACE:
            return "No face found: please look at the camera."
        case CheckinDecision.LIVENESS_FAILED:
            return "Please try again: follow the instruction on the screen."
