"""The review queue of faces that matched nobody, and its retention purge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.faces import Embedding, FaceQuality
from muster.domain.review import ReviewStatus, UnknownFace
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, delete_counting, get_row, utc_now
from muster.storage.tables import DeviceRow, EventRow, PersonRow, UnknownFaceRow

_WHAT = "unknown face"


class UnknownFaceRepository:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def add(
        self,
        *,
        embedding: Embedding,
        thumbnail_jpeg: bytes,
        seen_at: datetime,
        device_id: int | None = None,
        quality: FaceQuality | None = None,
    ) -> UnknownFace:
        """Queue a face as PENDING. Raises NotFoundError for a missing device."""
        with self._db.write() as session:
            if device_id is not None:
                get_row(session, DeviceRow, device_id, "device")
            row = UnknownFaceRow(
                embedding=embedding,
                thumbnail_jpeg=thumbnail_jpeg,
                device_id=device_id,
                seen_at=seen_at,
                status=ReviewStatus.PENDING,
                **_quality_columns(quality),
            )
            session.add(row)
            session.flush()
            return _to_unknown_face(row)

    def add_event_face(
        self,
        *,
        event_id: int,
        embedding: Embedding,
        thumbnail_jpeg: bytes,
        quality: FaceQuality,
    ) -> UnknownFace:
        """Keep the face behind a recognised attendance event, ASSIGNED to the event's person
        and device, seen at the event's time (so retention and erasure treat it like any
        queued face). Raises NotFoundError for a missing event."""
        with self._db.write() as session:
            event = get_row(session, EventRow, event_id, "attendance event")
            row = UnknownFaceRow(
                embedding=embedding,
                thumbnail_jpeg=thumbnail_jpeg,
                device_id=event.device_id,
                seen_at=event.at,
                status=ReviewStatus.ASSIGNED,
                assigned_person_id=event.person_id,
                resolved_at=event.at,
                event_id=event_id,
                **_quality_columns(quality),
            )
            session.add(row)
            session.flush()
            return _to_unknown_face(row)

    def for_event(self, event_id: int) -> UnknownFace | None:
        """The face kept for an attendance event, if one was."""
        query = select(UnknownFaceRow).where(UnknownFaceRow.event_id == event_id).limit(1)
        with self._db.read() as session:
            row = session.scalars(query).first()
            return None if row is None else _to_unknown_face(row)

    def reassign(self, unknown_face_id: int, person_id: int) -> UnknownFace:
        """Move an ASSIGNED item to another person (a corrected match). Raises
        NotFoundError, and ConflictError when the item is not ASSIGNED or the person was
        erased."""
        with self._db.write() as session:
            row = session.scalars(
                select(UnknownFaceRow).where(UnknownFaceRow.id == unknown_face_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no {_WHAT} with id {unknown_face_id}")
            if row.status is not ReviewStatus.ASSIGNED:
                raise ConflictError(f"unknown face {unknown_face_id} is {row.status.value}")
            _check_not_erased(get_row(session, PersonRow, person_id, "person"))
            row.assigned_person_id = person_id
            row.resolved_at = self._clock()
            session.flush()
            return _to_unknown_face(row)

    def get(self, unknown_face_id: int) -> UnknownFace:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_unknown_face(get_row(session, UnknownFaceRow, unknown_face_id, _WHAT))

    def all(
        self, *, status: ReviewStatus | None = ReviewStatus.PENDING, limit: int = 100
    ) -> list[UnknownFace]:
        """Items newest first; by default only those waiting for review."""
        query = select(UnknownFaceRow).order_by(UnknownFaceRow.seen_at.desc()).limit(limit)
        if status is not None:
            query = query.where(UnknownFaceRow.status == status)
        with self._db.read() as session:
            return [_to_unknown_face(row) for row in session.scalars(query)]

    def assign(self, unknown_face_id: int, person_id: int) -> UnknownFace:
        """Mark a PENDING item as this person's. Raises NotFoundError, and ConflictError when
        it was already resolved or the person was erased."""
        with self._db.write() as session:
            row = _pending(session, unknown_face_id)
            _check_not_erased(get_row(session, PersonRow, person_id, "person"))
            row.status = ReviewStatus.ASSIGNED
            row.assigned_person_id = person_id
            row.resolved_at = self._clock()
            session.flush()
            return _to_unknown_face(row)

    def discard(self, unknown_face_id: int) -> UnknownFace:
        """Mark a PENDING item DISCARDED (it stays until purged). Raises NotFoundError and
        ConflictError when it was already resolved."""
        with self._db.write() as session:
            row = _pending(session, unknown_face_id)
            row.status = ReviewStatus.DISCARDED
            row.resolved_at = self._clock()
            session.flush()
            return _to_unknown_face(row)

    def purge(self, seen_before: datetime) -> int:
        """Retention: delete every item (with its thumbnail and embedding) seen before
        `seen_before`, whatever its status; returns how many were deleted."""
        with self._db.write() as session:
            return delete_counting(session, UnknownFaceRow, UnknownFaceRow.seen_at < seen_before)


def _pending(session: Session, unknown_face_id: int) -> UnknownFaceRow:
    row = session.scalars(
        select(UnknownFaceRow).where(UnknownFaceRow.id == unknown_face_id).with_for_update()
    ).first()
    if row is None:
        raise NotFoundError(f"no {_WHAT} with id {unknown_face_id}")
    if row.status is not ReviewStatus.PENDING:
        raise ConflictError(f"unknown face {unknown_face_id} was already {row.status.value}")
    return row


def _check_not_erased(person: PersonRow) -> None:
    if person.erased_at is not None:
        raise ConflictError(f"person {person.id} was erased")


def _quality_columns(quality: FaceQuality | None) -> dict[str, float | None]:
    fields = ("interocular_px", "sharpness", "yaw_deg", "pitch_deg", "brightness", "contrast")
    return {name: None if quality is None else getattr(quality, name) for name in fields}


def _quality(row: UnknownFaceRow) -> FaceQuality | None:
    if (
        row.interocular_px is None
        or row.sharpness is None
        or row.yaw_deg is None
        or row.pitch_deg is None
        or row.brightness is None
        or row.contrast is None
    ):
        return None
    return FaceQuality(
        interocular_px=row.interocular_px,
        sharpness=row.sharpness,
        yaw_deg=row.yaw_deg,
        pitch_deg=row.pitch_deg,
        brightness=row.brightness,
        contrast=row.contrast,
    )


def _to_unknown_face(row: UnknownFaceRow) -> UnknownFace:
    return UnknownFace(
        id=row.id,
        embedding=row.embedding,
        thumbnail_jpeg=row.thumbnail_jpeg,
        device_id=row.device_id,
        seen_at=row.seen_at,
        status=row.status,
        assigned_person_id=row.assigned_person_id,
        resolved_at=row.resolved_at,
        quality=_quality(row),
        event_id=row.event_id,
    )
