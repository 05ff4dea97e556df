"""A frame checked against the enrolment quality gates (live webcam feedback)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field

from muster.api.schemas.recognition import BoxPublic, QualityPublic
from muster.api.schemas.templates import QualityProblemPublic
from muster.services.enrolment_checks import PhotoCheck


class EnrolmentCheckPublic(BaseModel):
    ready: bool = Field(description="True when enrolment would accept this photo as it is.")
    problems: list[QualityProblemPublic] = Field(
        description="Every gate the photo fails, size first (empty when ready)."
    )
    faces: int = Field(description="How many faces were found.")
    boxes: list[BoxPublic] = Field(description="Every face, largest first, in the frame's px.")
    quality: QualityPublic | None = Field(description="The largest face's measurements.")
    width_px: int
    height_px: int

    @classmethod
    def of(cls, check: PhotoCheck) -> Self:
        return cls(
            ready=check.ready,
            problems=[QualityProblemPublic.of(p) for p in check.problems],
            faces=len(check.boxes),
            boxes=[BoxPublic.of(box) for box in check.boxes],
            quality=None if check.quality is None else QualityPublic.of(check.quality),
            width_px=check.width_px,
            height_px=check.height_px,
        )
