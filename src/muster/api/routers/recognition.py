"""Recognition: who is in a photo (1:N), and is this the claimed person (1:1).

Any key may ask (staff and devices); nothing is recorded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from muster.api.deps import AnyRoleDep, ServicesDep
from muster.api.schemas.recognition import RecognitionPublic, VerificationCreate, VerificationPublic
from muster.api.uploads import ImageUpload, image_upload_openapi, read_image_upload

router = APIRouter(tags=["recognition"])

UploadDep = Annotated[ImageUpload, Depends(read_image_upload)]


@router.post(
    "/recognitions",
    summary="Identify every face in a photo",
    description="Each face comes back with its identity or the reason it has none "
    "(below_threshold, low_margin, low_quality, empty_gallery), its similarity to the best "
    "match, the margin to the runner-up, its box and its quality. Records nothing.",
    openapi_extra=image_upload_openapi(),
)
def recognise(upload: UploadDep, services: ServicesDep, _: AnyRoleDep) -> RecognitionPublic:
    return RecognitionPublic.of(services.recognition.recognise_bytes(upload.image))


@router.post(
    "/verifications",
    summary="Check the largest face in a photo against one person (1:1)",
    openapi_extra=image_upload_openapi(VerificationCreate),
)
def verify(upload: UploadDep, services: ServicesDep, _: AnyRoleDep) -> VerificationPublic:
    claim = upload.fields_as(VerificationCreate)
    return VerificationPublic.of(services.recognition.verify_bytes(upload.image, claim.person_id))
