"""The review queue, and corrections of wrong matches: the feedback that improves the gallery.

Unknown faces (seen at a device, matched nobody) wait for an operator, who assigns each to
a person or discards it. An assigned face becomes a template of that person only when it
passes the enrolment quality gates and the person has consent; otherwise it is assigned but
not templated, and the outcome says why.

A wrong match (an attendance event recognised as the wrong person) is corrected without
rewriting history: the event is VOIDED for the person it named and a copy is ADDED for the
right person, each with a correction record carrying the reason and the actor (so
registers, exports and the audit trail agree). The face behind the event, when the privacy
settings kept it (`privacy.keep_event_faces`), moves to the right person and is offered to
them as a template through the same gates: the correction is kept *and used*, so the next
look is matched correctly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from muster.domain.attendance import AttendanceEvent, Correction, EventChange, load_zone
from muster.domain.errors import ConflictError, MusterError
from muster.domain.people import TemplateSource
from muster.domain.review import ReviewStatus, UnknownFace
from muster.services.enrolment import EnrolmentService, GateResult
from muster.services.people import PersonErasedError
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.corrections import CorrectionRepository
from muster.storage.repositories.devices import DeviceRepository
from muster.storage.repositories.events import EventRepository
from muster.storage.repositories.people import PeopleRepository
from muster.storage.repositories.unknown_faces import UnknownFaceRepository


class AlreadyCorrectedError(ConflictError):
    code = "already_corrected"


class SamePersonError(MusterError):
    code = "same_person"


class ReasonRequiredError(MusterError):
    code = "reason_required"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignOutcome:
    """The assigned item, and whether its face became a template (see GateResult)."""

    item: UnknownFace
    gate: GateResult


@dataclass(frozen=True, slots=True, kw_only=True)
class ReassignOutcome:
    """A corrected match: the voided event, its replacement, both corrections, and what
    became of the face behind it (`gate` None when no face was kept for the event)."""

    voided_event: AttendanceEvent
    voiding: Correction
    event: AttendanceEvent
    adding: Correction
    gate: GateResult | None


class ReviewService:
    def __init__(
        self,
        *,
        unknown_faces: UnknownFaceRepository,
        enrolment: EnrolmentService,
        people: PeopleRepository,
        events: EventRepository,
        corrections: CorrectionRepository,
        devices: DeviceRepository,
        audit: AuditRepository,
        clock: Clock = utc_now,
    ) -> None:
        self._unknown_faces = unknown_faces
        self._enrolment = enrolment
        self._people = people
        self._events = events
        self._corrections = corrections
        self._devices = devices
        self._audit = audit
        self._clock = clock

    def items(
        self, *, status: ReviewStatus | None = ReviewStatus.PENDING, limit: int = 100
    ) -> list[UnknownFace]:
        """Queue items newest first (by default those waiting for review). Faces kept with
        recognised check-ins are ASSIGNED from the start and so never wait here."""
        return self._unknown_faces.all(status=status, limit=limit)

    def get(self, unknown_face_id: int) -> UnknownFace:
        """Raises NotFoundError."""
        return self._unknown_faces.get(unknown_face_id)

    def assign(self, unknown_face_id: int, person_id: int, *, actor: str) -> AssignOutcome:
        """Assign a PENDING item to a person and offer its face as their template. Raises
        NotFoundError, PersonErasedError, ConflictError (already resolved)."""
        self._live_person(person_id)
        item = self._unknown_faces.assign(unknown_face_id, person_id)
        gate = self._enrolment.offer_face(
            person_id,
            embedding=item.embedding,
            quality=item.quality,
            thumbnail_jpeg=item.thumbnail_jpeg,
            source=TemplateSource.REVIEW,
        )
        self._audit.record(
            actor=actor,
            action="unknown_face.assigned",
            target_type="unknown_face",
            target_id=unknown_face_id,
            detail=_gate_detail(person_id, gate),
        )
        return AssignOutcome(item=item, gate=gate)

    def discard(self, unknown_face_id: int, *, actor: str) -> UnknownFace:
        """Raises NotFoundError, ConflictError (already resolved)."""
        item = self._unknown_faces.discard(unknown_face_id)
        self._audit.record(
            actor=actor,
            action="unknown_face.discarded",
            target_type="unknown_face",
            target_id=unknown_face_id,
        )
        return item

    def reassign_event(
        self, event_id: int, person_id: int, *, reason: str, actor: str
    ) -> ReassignOutcome:
        """Move a wrongly recognised event to `person_id` (see the module docstring).
        Raises NotFoundError, PersonErasedError, SamePersonError, AlreadyCorrectedError,
        ReasonRequiredError."""
        if not reason.strip():
            raise ReasonRequiredError(
                "a reassignment needs a reason (it is kept for the audit trail)"
            )
        event = self._events.get(event_id)
        if event.person_id == person_id:
            raise SamePersonError(f"event {event_id} already belongs to person {person_id}")
        self._live_person(person_id)
        day = self._local_day(event)
        if self._voided(event, day):
            raise AlreadyCorrectedError(f"event {event_id} was already voided or reassigned")
        # The right person's event first: if it fails (say, they were erased meanwhile),
        # the wrong person's event is still intact.
        adding, moved = self._corrections.add_with_event(
            _copy_for(event, person_id),
            day=day,
            schedule_id=None,
            reason=reason,
            actor=actor,
        )
        voiding = self._corrections.add(
            Correction(
                id=None,
                person_id=event.person_id,
                day=day,
                schedule_id=None,
                reason=reason,
                actor=actor,
                at=self._clock(),
                event_change=EventChange.VOIDED,
                event_id=event_id,
            )
        )
        gate = self._feed_back(event_id, person_id)
        self._audit.record(
            actor=actor,
            action="event.reassigned",
            target_type="attendance_event",
            target_id=event_id,
            detail={
                "from_person_id": event.person_id,
                "new_event_id": moved.id,
                "corrections": [voiding.id, adding.id],
                **({} if gate is None else _gate_detail(person_id, gate)),
            },
        )
        return ReassignOutcome(
            voided_event=event, voiding=voiding, event=moved, adding=adding, gate=gate
        )

    def _feed_back(self, event_id: int, person_id: int) -> GateResult | None:
        face = self._unknown_faces.for_event(event_id)
        if face is None:
            return None
        self._unknown_faces.reassign(face.id, person_id)
        return self._enrolment.offer_face(
            person_id,
            embedding=face.embedding,
            quality=face.quality,
            thumbnail_jpeg=face.thumbnail_jpeg,
            source=TemplateSource.REVIEW,
        )

    def _voided(self, event: AttendanceEvent, day: date) -> bool:
        corrections = self._corrections.between(day, day, person_ids=[event.person_id])
        return any(
            c.event_id == event.id and c.event_change is EventChange.VOIDED for c in corrections
        )

    def _live_person(self, person_id: int) -> None:
        if self._people.get(person_id).erased:
            raise PersonErasedError(f"person {person_id} was erased")

    def _local_day(self, event: AttendanceEvent) -> date:
        """The event's date where it happened (its device's zone; UTC without a device)."""
        if event.device_id is None:
            return event.at.date()
        zone = load_zone(self._devices.get(event.device_id).timezone)
        return event.at.astimezone(zone).date()


def _copy_for(event: AttendanceEvent, person_id: int) -> AttendanceEvent:
    """The event as it should have been recorded: same time, direction, device and score.
    The idempotency key stays with the original (keys are unique per device)."""
    return AttendanceEvent(
        id=None,
        person_id=person_id,
        direction=event.direction,
        at=event.at,
        source=event.source,
        device_id=event.device_id,
        similarity=event.similarity,
        liveness_passed=event.liveness_passed,
    )


def _gate_detail(person_id: int, gate: GateResult) -> dict[str, object]:
    return {
        "person_id": person_id,
        "template_id": None if gate.template is None else gate.template.id,
        "refused_by": [problem.code.value for problem in gate.problems],
    }
