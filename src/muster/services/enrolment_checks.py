"""Live feedback while a photo is being taken: would this frame pass enrolment?

The admin page's webcam enrolment sends a frame about once a second and shows what to fix
("too dark", "move closer", "face the camera") before anyone presses the shutter. The
verdict uses exactly the rules enrolment applies (`check_face_count`, then the configured
`QualityPolicy`), so a frame shown as ready is a frame enrolment accepts. Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from muster.config import ImageLimits
from muster.domain.faces import Box, FaceQuality
from muster.domain.quality_gates import QualityPolicy, QualityProblem, check_face_count
from muster.vision.decode import load_image
from muster.vision.pipeline import FacePipeline


@dataclass(frozen=True, slots=True, kw_only=True)
class PhotoCheck:
    """The verdict on one frame: `problems` is empty exactly when enrolment would accept
    it. `quality` is the largest face's (None without a face); `boxes` are every face, in
    the frame's pixels, largest first."""

    width_px: int
    height_px: int
    boxes: tuple[Box, ...]
    quality: FaceQuality | None
    problems: tuple[QualityProblem, ...]

    @property
    def ready(self) -> bool:
        return not self.problems


class EnrolmentCheckService:
    def __init__(self, *, pipeline: FacePipeline, policy: QualityPolicy, limits: ImageLimits):
        self._pipeline = pipeline
        self._policy = policy
        self._limits = limits

    def check(self, data: bytes) -> PhotoCheck:
        """Raises InvalidImageError (or a subclass) for an image that cannot be read."""
        image = load_image(data, self._limits, name="the frame")
        faces = self._pipeline.analyze(image)
        height_px, width_px = image.shape[:2]
        count_problem = check_face_count(len(faces))
        quality = faces[0].quality if faces else None
        if count_problem is not None:
            problems: tuple[QualityProblem, ...] = (count_problem,)
        else:
            problems = tuple(self._policy.check(faces[0].quality))
        return PhotoCheck(
            width_px=int(width_px),
            height_px=int(height_px),
            boxes=tuple(face.box for face in faces),
            quality=quality,
            problems=problems,
        )
