"""Recognition against a `LocalGallery` file: who is in a photo (1:N), and are two photos
the same person (1:1). The rules are the service's, with the gallery read from a file
instead of the database:

* 1:N: `recognition.judge_face`, as on the server: the same default open-set scorer, and the
  threshold calibrated for `target_fpir` as `ThresholdService` would calibrate it for the
  same templates (`thresholds.calibrate_index`).
* 1:1: the largest face of each photo, compared at `LFW_VERIFICATION_MIN_SIMILARITY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from muster.config import RecognitionSettings
from muster.domain.errors import MusterError
from muster.domain.faces import Embedding, Face
from muster.matching import DEFAULT_OPEN_SET_SCORER
from muster.matching.candidates import RankedPersons
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer
from muster.matching.similarity import similarity
from muster.services.local_gallery import LocalGallery
from muster.services.recognition import RejectionReason, judge_face
from muster.services.thresholds import ThresholdChoice, calibrate_index
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
        scorer: OpenSetScorer = DEFAULT_OPEN_SET_SCORER,
    ) -> None:
        self._settings = settings
        self._search = _IndexSearch(gallery.index())
        self._threshold = calibrate(gallery, settings, scorer)

    @property
    def threshold(self) -> ThresholdChoice:
        return self._threshold

    def identify(self, face: Face) -> LocalMatch:
        """The open-set decision for one face (`recognition.judge_face`)."""
        judgement = judge_face(face, self._search, self._threshold, self._settings)
        best = judgement.best
        return LocalMatch(
            face=face,
            person=judgement.person,
            best_person=None if best is None else best.person_id,
            similarity=None if best is None else best.similarity,
            score=None if best is None else best.score,
            margin=judgement.margin,
            rejection=judgement.rejection,
            quality_issue=judgement.quality_issue,
        )


@dataclass(frozen=True, slots=True)
class _IndexSearch:
    """The gallery file's index as a `recognition.PersonSearch`."""

    index: ExactIndex[str]

    def ranked(self, probe: Embedding, scorer: OpenSetScorer) -> RankedPersons[str]:
        return scorer.rank(self.index, probe)


def calibrate(
    gallery: LocalGallery,
    settings: RecognitionSettings,
    scorer: OpenSetScorer = DEFAULT_OPEN_SET_SCORER,
) -> ThresholdChoice:
    """The open-set threshold for `gallery` as `ThresholdService` would choose it for the
    same templates (calibrated, prior, fallback or the `min_similarity` override)."""
    return calibrate_index(
        gallery.index(), scorer, settings, gallery_version=None, now=datetime.now(UTC)
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
