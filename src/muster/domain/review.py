"""The review queue of faces that matched nobody, for an operator to assign or discard.

Each item keeps the face's embedding and a small JPEG thumbnail, which are personal data:
items are purged after the retention period and erased with the person they are assigned to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from muster.domain.attendance import ensure_utc
from muster.domain.faces import Embedding, FaceQuality


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownFace:
    """A face seen at `device_id` at `seen_at` that matched nobody.

    `assigned_person_id` is set exactly when `status` is ASSIGNED; `resolved_at` is when an
    operator assigned or discarded it (None while PENDING).
    `quality`: the face's measured quality, None when it was not recorded (assigning such an
    item cannot make a template: the enrolment gates need it).
    `event_id`: set for the face behind a recognised attendance event, which is kept ASSIGNED
    to the recognised person so that a wrong match can be corrected (see
    `muster.services.review`); None for a face that matched nobody.
    """

    id: int
    embedding: Embedding
    thumbnail_jpeg: bytes
    device_id: int | None
    seen_at: datetime
    status: ReviewStatus
    assigned_person_id: int | None = None
    resolved_at: datetime | None = None
    quality: FaceQuality | None = None
    event_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "seen_at", ensure_utc(self.seen_at, "UnknownFace.seen_at"))
        if self.resolved_at is not None:
            object.__setattr__(self, "resolved_at", ensure_utc(self.resolved_at, "resolved_at"))
        if (self.status is ReviewStatus.ASSIGNED) != (self.assigned_person_id is not None):
            raise ValueError("assigned_person_id is set exactly when the status is ASSIGNED")
