"""Recognition over the API: faces found in a photo, 1:1 verification, and the threshold."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from muster.api.schemas.ids import RowId
from muster.domain.faces import Box, FaceQuality
from muster.matching.normalization import ScoreScale
from muster.services.recognition import (
    FaceMatch,
    Identity,
    Recognition,
    RejectionReason,
    Verification,
)
from muster.services.thresholds import ThresholdChoice, ThresholdMethod


class VerificationCreate(BaseModel):
    """The fields of POST /verifications besides the image."""

    model_config = ConfigDict(extra="forbid")

    person_id: RowId = Field(description="The person the face is claimed to be.")


class BoxPublic(BaseModel):
    """A face box in the uploaded image's pixels (after EXIF rotation); right and bottom
    are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def of(cls, box: Box) -> Self:
        return cls(left=box.left, top=box.top, right=box.right, bottom=box.bottom)


class QualityPublic(BaseModel):
    interocular_px: float = Field(description="Pixels between the eye centres.")
    sharpness: float = Field(description="Variance of the Laplacian of the aligned face.")
    yaw_deg: float = Field(description="Estimated left-right head turn; 0 is frontal.")
    pitch_deg: float = Field(description="Estimated up-down head tilt; 0 is level.")
    brightness: float = Field(description="Mean luminance of the aligned face, 0..255.")
    contrast: float = Field(description="Standard deviation of that luminance.")

    @classmethod
    def of(cls, quality: FaceQuality) -> Self:
        return cls(
            interocular_px=quality.interocular_px,
            sharpness=quality.sharpness,
            yaw_deg=quality.yaw_deg,
            pitch_deg=quality.pitch_deg,
            brightness=quality.brightness,
            contrast=quality.contrast,
        )


class IdentityPublic(BaseModel):
    person_id: int
    name: str

    @classmethod
    def of(cls, identity: Identity) -> Self:
        return cls(person_id=identity.person_id, name=identity.name)


class FacePublic(BaseModel):
    identity: IdentityPublic | None = Field(
        description="Who the face is; null when it was not identified (see `rejection`)."
    )
    similarity: float | None = Field(
        description="Cosine similarity to the best-matching person (-1..1); null when "
        "nobody is enrolled."
    )
    score: float | None = Field(description="The open-set score the threshold applies to.")
    margin: float | None = Field(
        description="The best score's lead over the runner-up person; null with fewer "
        "than two people enrolled."
    )
    rejection: RejectionReason | None = Field(
        description="Why the face was not identified: empty_gallery, below_threshold, "
        "low_margin or low_quality; null when it was."
    )
    quality_issue: str | None = Field(description="What to do about a low-quality face.")
    box: BoxPublic
    quality: QualityPublic

    @classmethod
    def of(cls, match: FaceMatch) -> Self:
        return cls(
            identity=None if match.identity is None else IdentityPublic.of(match.identity),
            similarity=match.similarity,
            score=match.score,
            margin=match.margin,
            rejection=match.rejection,
            quality_issue=match.quality_issue,
            box=BoxPublic.of(match.face.box),
            quality=QualityPublic.of(match.face.quality),
        )


class ThresholdUsed(BaseModel):
    min_score: float
    min_margin: float
    method: ThresholdMethod


class RecognitionPublic(BaseModel):
    faces: list[FacePublic] = Field(description="Every face found, largest first.")
    threshold: ThresholdUsed

    @classmethod
    def of(cls, recognition: Recognition) -> Self:
        threshold = recognition.threshold
        return cls(
            faces=[FacePublic.of(match) for match in recognition.faces],
            threshold=ThresholdUsed(
                min_score=threshold.min_score,
                min_margin=threshold.min_margin,
                method=threshold.method,
            ),
        )


class VerificationPublic(BaseModel):
    person: IdentityPublic
    matched: bool = Field(description="True when the largest face is this person.")
    similarity: float | None = Field(description="Cosine similarity to their best template.")
    score: float | None
    min_score: float = Field(description="The 1:1 threshold the score had to reach.")
    rejection: RejectionReason | None
    quality_issue: str | None
    box: BoxPublic | None = Field(description="The face compared; null when none was found.")

    @classmethod
    def of(cls, verification: Verification) -> Self:
        face = verification.face
        return cls(
            person=IdentityPublic.of(verification.identity),
            matched=verification.matched,
            similarity=verification.similarity,
            score=verification.score,
            min_score=verification.min_score,
            rejection=verification.rejection,
            quality_issue=verification.quality_issue,
            box=None if face is None else BoxPublic.of(face.box),
        )


class ThresholdPublic(BaseModel):
    """The open-set operating point in force and how it was chosen."""

    min_score: float = Field(description="1:N threshold: a face is identified at or above it.")
    verification_min_score: float = Field(description="1:1 threshold for POST /verifications.")
    min_margin: float = Field(description="Required lead of the best person over the next.")
    method: ThresholdMethod = Field(
        description="override (min_similarity is set); empirical or exponential_tail "
        "(calibrated from the gallery's own impostor scores); prior (a small gallery on the "
        "cosine scale: the recognition.prior_impostor_* tail of a large population); "
        "gaussian_tail or fallback (a small gallery on another scale)."
    )
    scorer: str = Field(
        description="The open-set scorer that ranks faces and that min_score applies to, "
        "resolved for this gallery's size (e.g. 'raw cosine', or 'cohort-centred (K=5, "
        "a=0.25, b=0.25)' from 100 people on)."
    )
    score_scale: ScoreScale = Field(
        description="What min_score and every face's score mean: 'cosine' (cosine similarity "
        "of embeddings, -1..1) or 'cohort_centred' (cosine minus parts of gallery cohort "
        "means; comparable only within this gallery)."
    )
    target_fpir: float = Field(description="Target false-positive identification rate.")
    per_comparison_rate: float = Field(
        description="The false-match rate per person compared that the target allows with "
        "this many people (about target_fpir / people)."
    )
    expected_fpir: float | None = Field(
        description="The false-positive identification rate the gallery's impostor scores "
        "predict at min_score; null when there were too few to estimate it."
    )
    expected_false_match_rate: float | None = Field(description="The same per person compared.")
    impostor_scores: int = Field(description="Stranger-versus-person scores measured.")
    people: int
    templates: int
    gallery_version: int | None
    calibrated_at: datetime

    @classmethod
    def of(cls, choice: ThresholdChoice) -> Self:
        return cls(
            min_score=choice.min_score,
            verification_min_score=choice.verification_min_score,
            min_margin=choice.min_margin,
            method=choice.method,
            scorer=choice.scorer,
            score_scale=choice.score_scale,
            target_fpir=choice.target_fpir,
            per_comparison_rate=choice.per_comparison_rate,
            expected_fpir=choice.expected_fpir,
            expected_false_match_rate=choice.expected_false_match_rate,
            impostor_scores=choice.impostor_scores,
            people=choice.people,
            templates=choice.templates,
            gallery_version=choice.gallery_version,
            calibrated_at=choice.calibrated_at,
        )
