"""Rows for the review queue of unknown faces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from muster.domain.faces import Embedding
from muster.domain.review import ReviewStatus
from muster.storage.tables.base import Base
from muster.storage.types import Float32Vector, UTCDateTime, enum_type


class UnknownFaceRow(Base):
    __tablename__ = "unknown_faces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    embedding: Mapped[Embedding] = mapped_column(Float32Vector)
    thumbnail_jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[ReviewStatus] = mapped_column(enum_type(ReviewStatus, "review_status"))
    assigned_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The face's measured quality (None when it was not recorded): assigning the item makes
    # a template only when these pass the enrolment quality gates.
    interocular_px: Mapped[float | None] = mapped_column(Float)
    sharpness: Mapped[float | None] = mapped_column(Float)
    yaw_deg: Mapped[float | None] = mapped_column(Float)
    pitch_deg: Mapped[float | None] = mapped_column(Float)
    brightness: Mapped[float | None] = mapped_column(Float)
    contrast: Mapped[float | None] = mapped_column(Float)
    # Set for the face behind a recognised attendance event, kept (ASSIGNED to the
    # recognised person) so that a wrong match can be moved and the face enrolled as the
    # right person; None for faces that matched nobody.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendance_events.id", ondelete="CASCADE"), index=True
    )
