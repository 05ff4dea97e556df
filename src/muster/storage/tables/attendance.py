"""Rows for schedules, attendance events and register corrections."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from muster.domain.attendance import Direction, EventChange, EventSource, RegisterStatus
from muster.storage.tables.base import Base
from muster.storage.types import UTCDateTime, enum_type


class ScheduleRow(Base):
    __tablename__ = "schedules"
    __table_args__ = (
        CheckConstraint("weekdays_mask BETWEEN 1 AND 127", name="weekdays_mask_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Bit d set = runs on weekday d (0 = Monday).
    weekdays_mask: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    grace_period_s: Mapped[int] = mapped_column(Integer)
    opens_before_s: Mapped[int] = mapped_column(Integer)
    auto_checkout: Mapped[bool] = mapped_column(Boolean)


class EventRow(Base):
    """An attendance event. People are never deleted (erasure leaves a tombstone row), so
    events always point at a person. An idempotency key is unique per device; keys sent
    without a device share one scope (the partial index)."""

    __tablename__ = "attendance_events"
    __table_args__ = (
        Index("ix_attendance_events_person_id_at", "person_id", "at"),
        UniqueConstraint("device_id", "idempotency_key"),
        Index(
            "uq_attendance_events_idempotency_key_without_device",
            "idempotency_key",
            unique=True,
            sqlite_where="device_id IS NULL",
            postgresql_where="device_id IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[EventSource] = mapped_column(enum_type(EventSource, "event_source"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    similarity: Mapped[float | None] = mapped_column(Float)
    liveness_passed: Mapped[bool | None] = mapped_column(Boolean)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CorrectionRow(Base):
    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_person_id_day", "person_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    day: Mapped[date] = mapped_column(Date)
    # A correction for a deleted schedule would otherwise silently apply to every session.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[RegisterStatus | None] = mapped_column(
        enum_type(RegisterStatus, "register_status")
    )
    event_change: Mapped[EventChange | None] = mapped_column(enum_type(EventChange, "event_change"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("attendance_events.id"), index=True)
