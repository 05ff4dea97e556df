"""Live enrolment feedback: would this photo pass the enrolment quality gates? Staff only;
nothing is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.enrolment_checks import EnrolmentCheckPublic
from muster.api.uploads import ImageUpload, image_upload_openapi, read_image_upload

router = APIRouter(tags=["templates"])

UploadDep = Annotated[ImageUpload, Depends(read_image_upload)]


@router.post(
    "/enrolment-checks",
    summary="Check a photo or webcam frame against the enrolment quality gates",
    description="The same gates as POST /people/{id}/templates (one face, size, sharpness, "
    "pose, exposure), with what was measured, so a camera page can say what to fix before "
    "the photo is taken. Records nothing.",
    openapi_extra=image_upload_openapi(),
)
def check_photo(upload: UploadDep, services: ServicesDep, _: StaffDep) -> EnrolmentCheckPublic:
    return EnrolmentCheckPublic.of(services.enrolment_checks.check(upload.image))
