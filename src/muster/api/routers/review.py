"""The review queue of unknown faces, corrections of wrong matches, and the retention purge.

Staff (operators and admins) work the queue and correct matches; only admins purge.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.routers.templates import JPEG_RESPONSE
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.review import (
    AssignmentCreate,
    AssignmentPublic,
    PurgePublic,
    ReassignmentCreate,
    ReassignmentPublic,
    UnknownFacePublic,
)
from muster.domain.review import ReviewStatus

router = APIRouter(prefix="/review", tags=["review"])
admin_router = APIRouter(prefix="/admin", tags=["privacy"])

UnknownFaceId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("/unknown-faces", summary="List queued faces, newest first")
def list_unknown_faces(
    services: ServicesDep,
    _: StaffDep,
    status: ReviewStatus = ReviewStatus.PENDING,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[UnknownFacePublic]:
    return [UnknownFacePublic.of(i) for i in services.review.items(status=status, limit=limit)]


@router.get(
    "/unknown-faces/{unknown_face_id}/thumbnail",
    response_class=Response,
    responses=JPEG_RESPONSE,
    summary="The face thumbnail of a queued face",
)
def unknown_face_thumbnail(
    unknown_face_id: UnknownFaceId, services: ServicesDep, _: StaffDep
) -> Response:
    item = services.review.get(unknown_face_id)
    return Response(item.thumbnail_jpeg, media_type="image/jpeg")


@router.post(
    "/unknown-faces/{unknown_face_id}/assign",
    summary="Say whose face it is; it becomes their template if it passes the quality gates",
)
def assign_unknown_face(
    unknown_face_id: UnknownFaceId,
    body: AssignmentCreate,
    services: ServicesDep,
    staff: StaffDep,
) -> AssignmentPublic:
    outcome = services.review.assign(unknown_face_id, body.person_id, actor=staff.actor)
    return AssignmentPublic.of(outcome)


@router.post("/unknown-faces/{unknown_face_id}/discard", summary="Discard a queued face")
def discard_unknown_face(
    unknown_face_id: UnknownFaceId, services: ServicesDep, staff: StaffDep
) -> UnknownFacePublic:
    return UnknownFacePublic.of(services.review.discard(unknown_face_id, actor=staff.actor))


@router.post(
    "/reassignments",
    status_code=201,
    summary="Move an event recognised as the wrong person to the right one",
    description="The event is voided for the person it named and added for the right "
    "person, each with a correction (reason, actor, time) and an audit entry. The face kept "
    "with the event, if any, becomes a template of the right person when it passes the "
    "enrolment quality gates.",
)
def reassign_event(
    body: ReassignmentCreate, services: ServicesDep, staff: StaffDep
) -> ReassignmentPublic:
    outcome = services.review.reassign_event(
        body.event_id, body.person_id, reason=body.reason, actor=staff.actor
    )
    return ReassignmentPublic.of(outcome)


@admin_router.post(
    "/retention/purge",
    summary="Delete face data past its retention period now",
    description="Review-queue faces older than privacy.unknown_face_retention_days; template "
    "thumbnails and stored photos older than privacy.thumbnail_retention_days. The server "
    "also does this every privacy.purge_interval_s.",
)
def purge(services: ServicesDep, admin: AdminDep) -> PurgePublic:
    return PurgePublic.of(services.retention.purge(actor=admin.actor))
