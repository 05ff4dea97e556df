"""Enrolment and templates: photos in, templates out. Staff enrol and read; admins delete.

A request carries one or several photos; each passes the quality gates on its own or is
refused with what was measured. The answer is 201 when at least one photo became a
template, and 422 (code `photos_refused`, with the same per-photo detail) when none did.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import JSONResponse

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.errors import error_body
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.templates import EnrolmentCreate, EnrolmentPublic, TemplatePublic
from muster.api.uploads import PhotosUpload, photos_upload_openapi, read_photos_upload
from muster.domain.people import TemplateSource
from muster.services.enrolment import Photo

router = APIRouter(tags=["templates"])

PersonId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
TemplateId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PhotosDep = Annotated[PhotosUpload, Depends(read_photos_upload)]

JPEG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "The JPEG thumbnail."}
}


@router.post(
    "/people/{person_id}/templates",
    status_code=201,
    response_model=EnrolmentPublic,
    summary="Enrol photos of a person",
    description="Multipart `photos` file parts, or JSON `photos_base64`. Each photo must "
    "show exactly one face that passes the quality gates (size, sharpness, pose, "
    "exposure); the person needs recorded consent (409 consent_required). A face that "
    "already matches someone else is enrolled with a `duplicate_warning`.",
    responses={422: {"description": "No photo was accepted (code photos_refused)."}},
    openapi_extra=photos_upload_openapi(EnrolmentCreate),
)
def enrol(
    person_id: PersonId, upload: PhotosDep, services: ServicesDep, staff: StaffDep
) -> EnrolmentPublic | JSONResponse:
    fields = upload.fields_as(EnrolmentCreate)
    outcomes = services.enrolment.enrol(
        person_id,
        [Photo(data, filename) for filename, data in upload.photos],
        actor=staff.actor,
        source=TemplateSource(fields.source.value),
    )
    result = EnrolmentPublic.of(person_id, outcomes)
    if result.accepted:
        return result
    return JSONResponse(
        error_body(
            "photos_refused",
            "no photo was accepted; see each photo's problems",
            enrolment=result.model_dump(mode="json"),
        ),
        status_code=422,
    )


@router.get("/people/{person_id}/templates", summary="List a person's templates")
def list_templates(person_id: PersonId, services: ServicesDep, _: StaffDep) -> list[TemplatePublic]:
    return [TemplatePublic.of(t) for t in services.enrolment.templates_of(person_id)]


@router.get(
    "/templates/{template_id}/thumbnail",
    response_class=Response,
    responses=JPEG_RESPONSE,
    summary="The face thumbnail of a template (404 no_thumbnail when none is kept)",
)
def template_thumbnail(template_id: TemplateId, services: ServicesDep, _: StaffDep) -> Response:
    return Response(services.enrolment.thumbnail(template_id), media_type="image/jpeg")


@router.delete(
    "/templates/{template_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a template (with its thumbnail and stored photo)",
)
def delete_template(template_id: TemplateId, services: ServicesDep, admin: AdminDep) -> None:
    services.enrolment.delete_template(template_id, actor=admin.actor)
