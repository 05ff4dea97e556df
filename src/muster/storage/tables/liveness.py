"""Rows for kiosk liveness challenges, liveness attempts and per-device pauses: kept in the
database, not in a process, so that a challenge issued by one replica can be answered at
another and every replica sees the same cool-down."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from muster.domain.liveness import ChallengeKind
from muster.storage.tables.base import Base
from muster.storage.types import UTCDateTime, enum_type


class LivenessChallengeRow(Base):
    __tablename__ = "liveness_challenges"

    # An unguessable token (secrets.token_urlsafe), not a counter: it is the capability.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChallengeKind] = mapped_column(enum_type(ChallengeKind, "challenge_kind"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used: Mapped[bool] = mapped_column(Boolean)


class LivenessAttemptRow(Base):
    """One judged liveness check at a device (a challenge answer, or a stream's track)."""

    __tablename__ = "liveness_attempts"
    __table_args__ = (Index("ix_liveness_attempts_device_id_at", "device_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    passed: Mapped[bool] = mapped_column(Boolean)
    # A LivenessFailure value; plain text so that a new failure needs no migration.
    failure: Mapped[str | None] = mapped_column(String(32))


class LivenessPauseRow(Base):
    """The cool-down state of one device: paused while `paused_until` is in the future.
    Failures before `counted_from` (the end of the last pause, or when it was lifted) do not
    count towards the next pause."""

    __tablename__ = "liveness_pauses"

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer)
    counted_from: Mapped[datetime] = mapped_column(UTCDateTime)
