"""Group photos: a class or team photo marks everyone recognised in it present.

Staff (admins and operators) upload; the faces nobody matched wait in the review queue.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from muster.api.deps import ServicesDep, StaffDep
from muster.api.schemas.group_photos import GroupPhotoCreate, GroupPhotoPublic
from muster.api.uploads import ImageUpload, image_upload_openapi, read_image_upload
from muster.services.group_photos import GroupPhotoRequest

router = APIRouter(tags=["group photos"])

UploadDep = Annotated[ImageUpload, Depends(read_image_upload)]


@router.post(
    "/group-photos",
    summary="Mark everyone recognised in a group photo present for a session",
    description="Every face comes back with its box, name (or 'unknown') and similarity. "
    "Each recognised person gets one IN event (source 'photo') at the session's start; "
    "uploading the same photo for the same session again records nothing new. Unknown faces "
    "go to the review queue (review_item_id). Errors: 404 unknown schedule, 400 no_session "
    "when the schedule does not run that day, 422/413/415 for unusable uploads.",
    openapi_extra=image_upload_openapi(GroupPhotoCreate),
)
def process_group_photo(
    upload: UploadDep, services: ServicesDep, staff: StaffDep
) -> GroupPhotoPublic:
    fields = upload.fields_as(GroupPhotoCreate)
    result = services.group_photos.process(
        GroupPhotoRequest(schedule_id=fields.schedule_id, day=fields.day, image=upload.image),
        actor=staff.actor,
    )
    return GroupPhotoPublic.of(result)
