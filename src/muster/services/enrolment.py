"""Enrolment: photos in, templates out, each photo judged on its own.

For every photo: decode (with the image limits), find faces, and pass the quality gates
(`muster.domain.quality_gates`: exactly one face, size, sharpness, pose, exposure). A photo
that passes becomes a template (embedding, model name and version, quality, source, and a
face thumbnail if the privacy settings allow); one that fails is refused with each measured
reason. One bad photo never spoils the others.

Before its template is stored, each accepted face is searched in the gallery: when it
already matches someone *else* at or above the recognition threshold, the template is still
stored but the outcome carries a warning (two records for one person, or two people who
look alike: an operator should check).

Only people with recorded consent are enrolled (`ConsentRequiredError`). Raw photos are not
kept unless `privacy.store_enrolment_photos` is on (see `muster.storage.photos`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from muster.config import ImageLimits, PrivacySettings
from muster.domain.errors import ConflictError, InvalidImageError, MusterError, NotFoundError
from muster.domain.faces import Embedding, Face, FaceQuality, RGBImage
from muster.domain.people import Person, Template, TemplateSource
from muster.domain.quality_gates import QualityPolicy, QualityProblem, check_face_count
from muster.services.gallery import Gallery
from muster.services.people import ConsentRequiredError, PersonErasedError
from muster.services.recognition import face_thumbnail_jpeg
from muster.services.thresholds import ThresholdService
from muster.storage.photos import PhotoStore
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.people import PeopleRepository
from muster.storage.repositories.templates import TemplateRepository
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline


class TooManyPhotosError(MusterError):
    code = "too_many_photos"


class NoThumbnailError(NotFoundError):
    """The template has no thumbnail (not kept, or purged by retention)."""

    code = "no_thumbnail"


@dataclass(frozen=True, slots=True)
class Photo:
    """An uploaded photo, still encoded; `filename` only names it in messages."""

    data: bytes
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class DuplicateWarning:
    """The face already matches another enrolled person at or above the threshold."""

    person_id: int
    similarity: float
    score: float
    min_score: float

    @property
    def message(self) -> str:
        return (
            f"this face already matches person {self.person_id} (score {self.score:.3f}, "
            f"threshold {self.min_score:.3f}): check that they are not the same person"
        )


@dataclass(frozen=True, slots=True)
class ImageProblem:
    """The photo could not be read at all (corrupt, unsupported, too large)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PhotoOutcome:
    """What became of one photo: a template, or the reasons it was refused."""

    index: int
    filename: str | None
    template: Template | None
    problems: tuple[QualityProblem, ...] = ()
    image_problem: ImageProblem | None = None
    quality: FaceQuality | None = None
    duplicate: DuplicateWarning | None = None

    @property
    def accepted(self) -> bool:
        return self.template is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class GateResult:
    """A face offered as a template from elsewhere (the review queue, a corrected match):
    the template when it passed, else the failed gates or why it could not be judged."""

    template: Template | None
    problems: tuple[QualityProblem, ...] = ()
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class _Candidate:
    face: Face
    image: RGBImage


class EnrolmentService:
    """Thread-safe: the pipeline, gallery and repositories guard their own state."""

    def __init__(
        self,
        *,
        pipeline: FacePipeline,
        people: PeopleRepository,
        templates: TemplateRepository,
        audit: AuditRepository,
        gallery: Gallery,
        thresholds: ThresholdService,
        photos: PhotoStore,
        policy: QualityPolicy,
        privacy: PrivacySettings,
        limits: ImageLimits,
        thumbnail_px: int,
        max_photos: int,
        model_name: str,
        model_version: str,
    ) -> None:
        self._pipeline = pipeline
        self._people = people
        self._templates = templates
        self._audit = audit
        self._gallery = gallery
        self._thresholds = thresholds
        self._photos = photos
        self._policy = policy
        self._privacy = privacy
        self._limits = limits
        self._thumbnail_px = thumbnail_px
        self._max_photos = max_photos
        self._model_name = model_name
        self._model_version = model_version

    @property
    def policy(self) -> QualityPolicy:
        return self._policy

    def enrol(
        self,
        person_id: int,
        photos: Sequence[Photo],
        *,
        actor: str,
        source: TemplateSource = TemplateSource.UPLOAD,
    ) -> list[PhotoOutcome]:
        """One outcome per photo, in order. Raises NotFoundError / PersonErasedError for the
        person, ConsentRequiredError without consent, TooManyPhotosError, ValueError for
        no photos."""
        if not photos:
            raise ValueError("enrolment needs at least one photo")
        if len(photos) > self._max_photos:
            raise TooManyPhotosError(
                f"{len(photos)} photos sent; at most {self._max_photos} per request"
            )
        self._enrollable(person_id)
        outcomes = [
            self._enrol_one(person_id, index, photo, source) for index, photo in enumerate(photos)
        ]
        accepted = [o.template.id for o in outcomes if o.template is not None]
        if accepted:
            self._gallery.changed()
        self._audit.record(
            actor=actor,
            action="templates.enrolled",
            target_type="person",
            target_id=person_id,
            detail={
                "source": source.value,
                "template_ids": accepted,
                "refused": len(outcomes) - len(accepted),
                "duplicate_of": sorted(
                    {o.duplicate.person_id for o in outcomes if o.duplicate is not None}
                ),
            },
        )
        return outcomes

    def offer_face(
        self,
        person_id: int,
        *,
        embedding: Embedding,
        quality: FaceQuality | None,
        thumbnail_jpeg: bytes | None,
        source: TemplateSource,
    ) -> GateResult:
        """Make a template of a face seen elsewhere (a review-queue item, the probe of a
        corrected match) if the person may be enrolled and the face passes the gates.
        Never raises for a face that cannot be used: the result says why."""
        try:
            self._enrollable(person_id)
        except ConsentRequiredError as exc:
            return GateResult(template=None, reason=exc.message)
        if quality is None:
            return GateResult(
                template=None, reason="the face's quality was not recorded, so it cannot be judged"
            )
        problems = tuple(self._policy.check(quality))
        if problems:
            return GateResult(template=None, problems=problems)
        template = self._templates.add(
            person_id=person_id,
            embedding=embedding,
            model_name=self._model_name,
            model_version=self._model_version,
            quality=quality,
            source=source,
            thumbnail_jpeg=thumbnail_jpeg if self._privacy.store_template_thumbnails else None,
        )
        self._gallery.changed()
        return GateResult(template=template)

    def templates_of(self, person_id: int) -> list[Template]:
        """The person's templates, oldest first. Raises NotFoundError, PersonErasedError."""
        self._person(person_id)
        return self._templates.for_person(person_id)

    def thumbnail(self, template_id: int) -> bytes:
        """Raises NotFoundError, NoThumbnailError."""
        template = self._templates.get(template_id)
        if template.thumbnail_jpeg is None:
            raise NoThumbnailError(f"template {template_id} has no thumbnail")
        return template.thumbnail_jpeg

    def delete_template(self, template_id: int, *, actor: str) -> None:
        """Delete a template with its thumbnail and stored photo. Raises NotFoundError."""
        template = self._templates.get(template_id)
        self._templates.delete(template_id)
        self._photos.delete_template(template.person_id, template_id)
        self._gallery.changed()
        self._audit.record(
            actor=actor,
            action="template.deleted",
            target_type="template",
            target_id=template_id,
            detail={"person_id": template.person_id},
        )

    def _person(self, person_id: int) -> Person:
        person = self._people.get(person_id)
        if person.erased:
            raise PersonErasedError(f"person {person_id} was erased; enrol a new person")
        return person

    def _enrollable(self, person_id: int) -> Person:
        person = self._person(person_id)
        if person.consent is None:
            raise ConsentRequiredError(
                f"person {person_id} has no recorded consent to face recognition; "
                "record it (PUT /people/{id}/consent) before enrolling photos"
            )
        return person

    def _enrol_one(
        self, person_id: int, index: int, photo: Photo, source: TemplateSource
    ) -> PhotoOutcome:
        candidate = self._single_face(photo)
        if isinstance(candidate, ImageProblem):
            return PhotoOutcome(
                index=index, filename=photo.filename, template=None, image_problem=candidate
            )
        if isinstance(candidate, QualityProblem):
            return PhotoOutcome(
                index=index, filename=photo.filename, template=None, problems=(candidate,)
            )
        face = candidate.face
        problems = tuple(self._policy.check(face.quality))
        if problems:
            return PhotoOutcome(
                index=index,
                filename=photo.filename,
                template=None,
                problems=problems,
                quality=face.quality,
            )
        duplicate = self._duplicate_of(person_id, face.embedding)
        thumbnail = (
            face_thumbnail_jpeg(candidate.image, face.box, self._thumbnail_px)
            if self._privacy.store_template_thumbnails
            else None
        )
        try:
            template = self._templates.add(
                person_id=person_id,
                embedding=face.embedding,
                model_name=self._model_name,
                model_version=self._model_version,
                quality=face.quality,
                source=source,
                thumbnail_jpeg=thumbnail,
            )
        except ConflictError as exc:  # erased meanwhile
            raise PersonErasedError(exc.message) from exc
        if self._privacy.store_enrolment_photos:
            self._photos.save(person_id, template.id, candidate.image)
        return PhotoOutcome(
            index=index,
            filename=photo.filename,
            template=template,
            quality=face.quality,
            duplicate=duplicate,
        )

    def _single_face(self, photo: Photo) -> _Candidate | QualityProblem | ImageProblem:
        try:
            image = load_image(photo.data, self._limits, name=photo.filename)
        except InvalidImageError as exc:
            return ImageProblem(exc.code, exc.message)
        faces = self._pipeline.analyze(image)
        problem = check_face_count(len(faces))
        if problem is not None:
            return problem
        return _Candidate(face=faces[0], image=image)

    def _duplicate_of(self, person_id: int, embedding: Embedding) -> DuplicateWarning | None:
        """The best-scoring *other* person whose score reaches the recognition threshold."""
        threshold = self._thresholds.current()
        ranked = self._gallery.ranked(embedding, self._thresholds.scorer)
        best: DuplicateWarning | None = None
        for other, similarity, score in zip(
            ranked.persons, ranked.similarities, ranked.scores, strict=True
        ):
            if other == person_id or score < threshold.min_score:
                continue
            if best is None or score > best.score:
                best = DuplicateWarning(
                    person_id=other,
                    similarity=float(similarity),
                    score=float(score),
                    min_score=threshold.min_score,
                )
        return best
