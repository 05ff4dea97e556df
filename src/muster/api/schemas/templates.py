"""Templates over the API: enrolment outcomes, a person's templates, quality problems."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from muster.api.schemas.recognition import QualityPublic
from muster.domain.people import Template, TemplateSource
from muster.domain.quality_gates import QualityCode, QualityProblem
from muster.services.enrolment import DuplicateWarning, GateResult, PhotoOutcome


class UploadSource(StrEnum):
    """Where enrolment photos come from (review-queue templates are made by the queue)."""

    UPLOAD = TemplateSource.UPLOAD.value
    WEBCAM = TemplateSource.WEBCAM.value
    IMPORT = TemplateSource.IMPORT.value


class EnrolmentCreate(BaseModel):
    """The fields of an enrolment request besides the photos."""

    model_config = ConfigDict(extra="forbid")

    source: UploadSource = UploadSource.UPLOAD


class TemplatePublic(BaseModel):
    id: int
    person_id: int
    model_name: str
    model_version: str
    quality: QualityPublic
    source: TemplateSource
    created_at: datetime
    thumbnail_url: str | None = Field(
        description="Where to GET the face thumbnail (JPEG); null when none is kept."
    )

    @classmethod
    def of(cls, template: Template) -> Self:
        return cls(
            id=template.id,
            person_id=template.person_id,
            model_name=template.model_name,
            model_version=template.model_version,
            quality=QualityPublic.of(template.quality),
            source=template.source,
            created_at=template.created_at,
            thumbnail_url=None
            if template.thumbnail_jpeg is None
            else f"/templates/{template.id}/thumbnail",
        )


class QualityProblemPublic(BaseModel):
    code: QualityCode
    measured: float = Field(description="What was measured (faces counted, px, degrees...).")
    limit: float = Field(description="The limit it broke, in the same unit.")
    message: str

    @classmethod
    def of(cls, problem: QualityProblem) -> Self:
        return cls(
            code=problem.code,
            measured=problem.measured,
            limit=problem.limit,
            message=problem.message,
        )


class DuplicatePublic(BaseModel):
    person_id: int = Field(description="The other person this face already matches.")
    similarity: float
    score: float
    min_score: float = Field(description="The recognition threshold it reached.")
    message: str

    @classmethod
    def of(cls, warning: DuplicateWarning) -> Self:
        return cls(
            person_id=warning.person_id,
            similarity=warning.similarity,
            score=warning.score,
            min_score=warning.min_score,
            message=warning.message,
        )


class ImageErrorPublic(BaseModel):
    code: str
    message: str


class PhotoOutcomePublic(BaseModel):
    index: int = Field(description="Position of the photo in the request, from 0.")
    filename: str | None
    accepted: bool
    template: TemplatePublic | None
    problems: list[QualityProblemPublic] = Field(
        description="Every gate the photo failed (empty when accepted)."
    )
    image_error: ImageErrorPublic | None = Field(
        description="Set when the photo could not be read at all."
    )
    quality: QualityPublic | None
    duplicate_warning: DuplicatePublic | None

    @classmethod
    def of(cls, outcome: PhotoOutcome) -> Self:
        image_problem = outcome.image_problem
        return cls(
            index=outcome.index,
            filename=outcome.filename,
            accepted=outcome.accepted,
            template=None if outcome.template is None else TemplatePublic.of(outcome.template),
            problems=[QualityProblemPublic.of(p) for p in outcome.problems],
            image_error=None
            if image_problem is None
            else ImageErrorPublic(code=image_problem.code, message=image_problem.message),
            quality=None if outcome.quality is None else QualityPublic.of(outcome.quality),
            duplicate_warning=None
            if outcome.duplicate is None
            else DuplicatePublic.of(outcome.duplicate),
        )


class EnrolmentPublic(BaseModel):
    person_id: int
    accepted: int
    refused: int
    photos: list[PhotoOutcomePublic]

    @classmethod
    def of(cls, person_id: int, outcomes: list[PhotoOutcome]) -> Self:
        accepted = sum(o.accepted for o in outcomes)
        return cls(
            person_id=person_id,
            accepted=accepted,
            refused=len(outcomes) - accepted,
            photos=[PhotoOutcomePublic.of(o) for o in outcomes],
        )


class TemplatingPublic(BaseModel):
    """Whether a face offered from the review queue or a corrected match became a template."""

    templated: bool
    template: TemplatePublic | None
    problems: list[QualityProblemPublic]
    message: str

    @classmethod
    def of(cls, gate: GateResult) -> Self:
        if gate.template is not None:
            message = f"the face became template {gate.template.id}"
        elif gate.problems:
            message = "not templated: " + "; ".join(p.message for p in gate.problems)
        else:
            message = f"not templated: {gate.reason}"
        return cls(
            templated=gate.template is not None,
            template=None if gate.template is None else TemplatePublic.of(gate.template),
            problems=[QualityProblemPublic.of(p) for p in gate.problems],
            message=message,
        )
