"""Recognition against a `LocalGallery` file: who is in a photo (1:N), and are two photos
the same person (1:1). The rules are the service's, with the gallery read from a file
instead of the database:

* 1:N: a face too small or too turned is not identified (`quality_issue`); otherwise the
  open-set rule of `muster.matching.decision` applies at the threshold calibrated from the
  gallery's own impostor scores for `target_fpir` (`muster.services.thresholds`), on the
  scale of the `OpenSetScorer` given (raw cosine by default).
* 1:1: the largest face of each photo, compared at `LFW_VERIFICATION_MIN_SIMILARITY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from muster.config import RecognitionSettings
from muster.domain.errors import MusterError
from muster.domain.faces import Face
from muster.matching.candidates import ScoredCandidate
from muster.matching.decision import OpenSetPolicy, Unknown, UnknownReason
from muster.matching.normalization import OpenSetScorer, RawSimilarityScorer
from muster.matching.similarity import similarity
from muster.services.local_gallery import LocalGallery
from muster.services.recognition import RejectionReason, quality_issue
from muster.services.thresholds import (
    ThresholdChoice,
    choose_threshold,
    impostor_comparison_scores,
)
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline

LFW_VERIFICATION_MIN_SIMILARITY = 0.9036
"""The 1:1 threshold of `muster verify` (cosine similarity, higher is stricter): the most
accurate threshold on the 2,200 LFW View-1 *train* pairs (`lfw_pairs_view1_train.tsv`, all
images with a face), by `muster.matching.calibration.threshold_for_accuracy` over
`FacePipeline` embeddings with default settings (0.90361, rounded down to 4 places; no pair
scores in between). It classifies 98.5 % of those pairs correctly and 97.5 % of the 1,000
held-out test pairs. LFW faces are small press photos, so the value suits photos of that
quality; the service's gallery-calibrated 1:1 threshold is `verification_min_score`."""

_UNKNOWN_REASON = {
    UnknownReason.EMPTY_GALLERY: RejectionReason.EMPTY_GALLERY,
    UnknownReason.BELOW_THRESHOLD: RejectionReason.BELOW_THRESHOLD,
    UnknownReason.AMBIGUOUS: RejectionReason.LOW_MARGIN,
}


class NoFaceError(MusterError):
    """A photo that must show a face shows none the detector can find."""

    code = "no_face"


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalMatch:
    """What 1:N recognition says about one face.

    person: the identified name, set exactly when `rejection` is None.
    best_person / similarity / score: the top candidate (None with an empty gallery);
        `score` is what the threshold applies to (the similarity, for cosine).
    margin: the best score's lead over the runner-up person (None with fewer than two).
    quality_issue: a sentence for a person when `rejection` is LOW_QUALITY.
    """

    face: Face
    person: str | None
    best_person: str | None
    similarity: float | None
    score: float | None
    margin: float | None
    rejection: RejectionReason | None
    quality_issue: str | None = None


class LocalRecognizer:
    """Identifies faces against one gallery; the threshold is calibrated once, here."""

    def __init__(
        self,
        gallery: LocalGallery,
        settings: RecognitionSettings,
        scorer: OpenSetScorer | None = None,
    ) -> None:
        self._settings = settings
        self._scorer: OpenSetScorer = scorer if scorer is not None else RawSimilarityScorer()
        self._index = gallery.index()
        self._threshold = calibrate(gallery, settings, self._scorer)
        self._policy = OpenSetPolicy(
            min_score=self._threshold.min_score, min_margin=self._threshold.min_margin
        )

    @property
    def threshold(self) -> ThresholdChoice:
        return self._threshold

    def identify(self, face: Face) -> LocalMatch:
        """The open-set decision for one face."""
        candidates = self._candidates(face)
        issue = quality_issue(face.quality, self._settings)
        if issue is not None:
            return _match(face, candidates, RejectionReason.LOW_QUALITY, issue)
        decision = self._policy.decide(candidates)
        rejection = _UNKNOWN_REASON[decision.reason] if isinstance(decision, Unknown) else None
        return _match(face, candidates, rejection)

    def _candidates(self, face: Face) -> list[ScoredCandidate[str]]:
        if len(self._index) == 0:
            return []
        ranked = self._scorer.rank(self._index, face.embedding)
        return ranked.top(len(ranked))


def calibrate(
    gallery: LocalGallery, settings: RecognitionSettings, scorer: OpenSetScorer
) -> ThresholdChoice:
    """The open-set threshold for `gallery` as `ThresholdService` would choose it for the
    same templates (calibrated, fallback or the `min_similarity` override)."""
    index = gallery.index()
    impostors = impostor_comparison_scores(
        index, scorer, max_probes=settings.calibration_max_probes
    )
    return choose_threshold(
        impostors,
        settings,
        scorer=scorer.name,
        people=index.person_count(),
        templates=len(index),
        gallery_version=None,
        now=datetime.now(UTC),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PairVerification:
    """Are the largest faces of two photos the same person? `same` is
    ``similarity >= min_similarity``; `faces_a` / `faces_b` count the faces each photo had."""

    face_a: Face
    face_b: Face
    faces_a: int
    faces_b: int
    similarity: float
    min_similarity: float
    same: bool


def verify_photos(
    pipeline: FacePipeline,
    photo_a: Path,
    photo_b: Path,
    min_similarity: float = LFW_VERIFICATION_MIN_SIMILARITY,
) -> PairVerification:
    """Compares the largest face of each photo. Raises InvalidImageError for a photo that
    cannot be read and NoFaceError for one without a face."""
    faces_a = find_faces(pipeline, photo_a)
    faces_b = find_faces(pipeline, photo_b)
    score = similarity(faces_a[0].embedding, faces_b[0].embedding)
    return PairVerification(
        face_a=faces_a[0],
        face_b=faces_b[0],
        faces_a=len(faces_a),
        faces_b=len(faces_b),
        similarity=score,
        min_similarity=min_similarity,
        same=score >= min_similarity,
    )


def find_faces(pipeline: FacePipeline, photo: Path) -> list[Face]:
    """Every face in the photo, largest first. Raises InvalidImageError for a photo that
    cannot be read and NoFaceError for one without a face."""
    # Named by the path as given, so that a message points at the right one of many files.
    faces = pipeline.analyze(load_image(photo, pipeline.settings.limits, name=str(photo)))
    if not faces:
        raise NoFaceError(
            f"no face found in {photo} (use a frontal photo with the face well lit and large "
            "in the frame)"
        )
    return faces


def _match(
    face: Face,
    candidates: list[ScoredCandidate[str]],
    rejection: RejectionReason | None,
    issue: str | None = None,
) -> LocalMatch:
    best = candidates[0] if candidates else None
    return LocalMatch(
        face=face,
        person=best.person_id if best is not None and rejection is None else None,
        best_person=None if best is None else best.person_id,
        similarity=None if best is None else best.similarity,
        score=None if best is None else best.score,
        margin=candidates[0].score - candidates[1].score if len(candidates) > 1 else None,
        rejection=rejection,
        quality_issue=issue,
    )
