"""Recognition: who is in a photo (1:N) and is this the claimed person (1:1).

Each face found by the pipeline is first checked for quality (too small or too turned to
trust), then searched in the gallery and decided by the open-set rule of
`muster.matching.decision` at the threshold `ThresholdService` chose: identified only when
the best person's score clears the threshold *and* leads the runner-up by `min_margin`.
Every rejection says why, so a kiosk can tell a person what to do.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol

import numpy as np
from PIL import Image

from muster.config import ImageLimits, RecognitionSettings
from muster.domain.errors import ConflictError
from muster.domain.faces import Box, Embedding, Face, FaceQuality, RGBImage
from muster.matching.candidates import PersonT, RankedPersons, ScoredCandidate
from muster.matching.decision import OpenSetPolicy, Unknown, UnknownReason
from muster.matching.normalization import OpenSetScorer
from muster.services.gallery import Gallery
from muster.services.thresholds import ThresholdChoice, ThresholdService
from muster.storage.repositories.people import PeopleRepository
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline


class RejectionReason(StrEnum):
    """Why a face was not identified."""

    EMPTY_GALLERY = "empty_gallery"
    BELOW_THRESHOLD = "below_threshold"
    LOW_MARGIN = "low_margin"
    LOW_QUALITY = "low_quality"


_REASON_OF = {
    UnknownReason.EMPTY_GALLERY: RejectionReason.EMPTY_GALLERY,
    UnknownReason.BELOW_THRESHOLD: RejectionReason.BELOW_THRESHOLD,
    UnknownReason.AMBIGUOUS: RejectionReason.LOW_MARGIN,
}


class NotEnrolledError(ConflictError):
    """A 1:1 verification names a person with no enrolled face."""

    code = "not_enrolled"


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    person_id: int
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FaceMatch:
    """What recognition says about one face.

    identity: set exactly when `rejection` is None.
    similarity / score: of the best-matching person (None with an empty gallery); the
        score is what the threshold applies to (equal to the similarity for cosine).
    margin: the best score's lead over the runner-up person (None with fewer than two).
    quality_issue: a sentence for a person when `rejection` is LOW_QUALITY.
    """

    face: Face
    identity: Identity | None
    similarity: float | None
    score: float | None
    margin: float | None
    rejection: RejectionReason | None
    quality_issue: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recognition:
    """Every face of one image (largest first), the threshold used, and the image itself
    (for callers that keep a thumbnail)."""

    faces: list[FaceMatch]
    threshold: ThresholdChoice
    image: RGBImage


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """A 1:1 check of the largest face against `identity`'s best template. `matched` is
    True when its score reaches `min_score` (the 1:1 threshold) and the face passed the
    quality gate; `face` is None (and `matched` False) when no face was found."""

    identity: Identity
    matched: bool
    face: Face | None
    similarity: float | None
    score: float | None
    min_score: float
    rejection: RejectionReason | None
    quality_issue: str | None = None


def quality_issue(quality: FaceQuality, settings: RecognitionSettings) -> str | None:
    """Why a face is not good enough to identify, as a sentence, or None when it is."""
    if quality.interocular_px < settings.min_interocular_px:
        return (
            f"the face is too small ({quality.interocular_px:.0f} px between the eyes, "
            f"{settings.min_interocular_px:.0f} needed): come closer to the camera"
        )
    if abs(quality.yaw_deg) > settings.max_abs_yaw_deg:
        return (
            f"the face is turned {abs(quality.yaw_deg):.0f}° from the camera "
            f"(at most {settings.max_abs_yaw_deg:.0f}°): look at the camera"
        )
    return None


class PersonSearch(Protocol[PersonT]):
    """Where faces are searched: the server's `Gallery`, or an index of the CLI's file."""

    def ranked(self, probe: Embedding, scorer: OpenSetScorer) -> RankedPersons[PersonT]:
        """Enrolled persons ranked by `scorer` for `probe`, best first."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement(Generic[PersonT]):
    """The open-set answer for one face, before any name is looked up.

    person: the identified person, set exactly when `rejection` is None.
    best: the top candidate (None with an empty gallery); margin: its score lead over the
        runner-up (None with fewer than two persons).
    """

    person: PersonT | None
    best: ScoredCandidate[PersonT] | None
    margin: float | None
    rejection: RejectionReason | None
    quality_issue: str | None = None


def judge_face(
    face: Face,
    search: PersonSearch[PersonT],
    threshold: ThresholdChoice,
    settings: RecognitionSettings,
) -> Judgement[PersonT]:
    """The one place a face is ranked and decided, for every caller (server, streams, group
    photos, the CLI's local gallery): ranked by the scorer `threshold` was calibrated for,
    refused when its quality is too low, else the open-set rule at `threshold`."""
    candidates = search.ranked(face.embedding, threshold.open_set_scorer).top(2)
    best = candidates[0] if candidates else None
    margin = candidates[0].score - candidates[1].score if len(candidates) > 1 else None
    issue = quality_issue(face.quality, settings)
    if issue is not None:
        return Judgement(
            person=None,
            best=best,
            margin=margin,
            rejection=RejectionReason.LOW_QUALITY,
            quality_issue=issue,
        )
    policy = OpenSetPolicy(min_score=threshold.min_score, min_margin=threshold.min_margin)
    decision = policy.decide(candidates)
    if isinstance(decision, Unknown):
        return Judgement(
            person=None, best=best, margin=margin, rejection=_REASON_OF[decision.reason]
        )
    return Judgement(person=decision.candidate.person_id, best=best, margin=margin, rejection=None)


def face_thumbnail_jpeg(image: RGBImage, box: Box, size_px: int, *, margin: float = 0.25) -> bytes:
    """A square JPEG crop of the face in `box`, grown by `margin` of its size on each side
    (clipped to the image) and scaled to `size_px` x `size_px`."""
    height, width = image.shape[:2]
    side = max(box.width, box.height) * (1.0 + 2.0 * margin)
    centre_x, centre_y = (box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0
    left = max(0, math.floor(centre_x - side / 2.0))
    top = max(0, math.floor(centre_y - side / 2.0))
    right = min(width, math.ceil(centre_x + side / 2.0))
    bottom = min(height, math.ceil(centre_y + side / 2.0))
    crop = Image.fromarray(np.ascontiguousarray(image[top:bottom, left:right]))
    crop = crop.resize((size_px, size_px), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    crop.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class RecognitionService:
    """Thread-safe: the pipeline, gallery and thresholds each guard their own state."""

    def __init__(
        self,
        *,
        pipeline: FacePipeline,
        gallery: Gallery,
        thresholds: ThresholdService,
        people: PeopleRepository,
        settings: RecognitionSettings,
        limits: ImageLimits,
    ) -> None:
        self._pipeline = pipeline
        self._gallery = gallery
        self._thresholds = thresholds
        self._people = people
        self._settings = settings
        self._limits = limits

    def recognise_bytes(self, data: bytes) -> Recognition:
        """Every face in an encoded image, identified or rejected with a reason. Raises
        InvalidImageError (or a subclass) for bytes that are not an acceptable image."""
        image = load_image(data, self._limits)
        threshold = self._thresholds.current()
        faces = [self.identify(face, threshold) for face in self._pipeline.analyze(image)]
        return Recognition(faces=faces, threshold=threshold, image=image)

    def identify(self, face: Face, threshold: ThresholdChoice) -> FaceMatch:
        """The open-set decision for one face at `threshold` (`judge_face`)."""
        judgement = judge_face(face, self._gallery, threshold, self._settings)
        best = judgement.best
        return FaceMatch(
            face=face,
            identity=None if judgement.person is None else self._identity(judgement.person),
            similarity=None if best is None else best.similarity,
            score=None if best is None else best.score,
            margin=judgement.margin,
            rejection=judgement.rejection,
            quality_issue=judgement.quality_issue,
        )

    def verify_bytes(self, data: bytes, person_id: int) -> Verification:
        """Is the largest face in the image `person_id`? Raises NotFoundError for an unknown
        person, NotEnrolledError when they have no enrolled face, InvalidImageError for bad
        bytes."""
        identity = self._identity(person_id)
        image = load_image(data, self._limits)
        threshold = self._thresholds.current()
        faces = self._pipeline.analyze(image)
        if not faces:
            return Verification(
                identity=identity,
                matched=False,
                face=None,
                similarity=None,
                score=None,
                min_score=threshold.verification_min_score,
                rejection=None,
            )
        face = faces[0]
        ranked = self._gallery.ranked(face.embedding, threshold.open_set_scorer)
        candidate = next((c for c in ranked.top(len(ranked)) if c.person_id == person_id), None)
        if candidate is None:
            raise NotEnrolledError(f"person {person_id} has no enrolled face to verify against")
        issue = quality_issue(face.quality, self._settings)
        rejection: RejectionReason | None = None
        if issue is not None:
            rejection = RejectionReason.LOW_QUALITY
        elif candidate.score < threshold.verification_min_score:
            rejection = RejectionReason.BELOW_THRESHOLD
        return Verification(
            identity=identity,
            matched=rejection is None,
            face=face,
            similarity=candidate.similarity,
            score=candidate.score,
            min_score=threshold.verification_min_score,
            rejection=rejection,
            quality_issue=issue,
        )

    def _identity(self, person_id: int) -> Identity:
        return Identity(person_id=person_id, name=self._people.get(person_id).name)
