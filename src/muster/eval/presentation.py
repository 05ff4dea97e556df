"""What a liveness check sees, recorded or simulated: the frames of a video, and a photo
shown to a camera as a flat picture (a print or a still on a screen) that is tilted and
turned in front of it. For the active-liveness evaluation (bench/liveness_active_eval.py)
and its model tests; nothing here is used by the service.

The picture is a plane in front of a pinhole camera, so every frame is the photo warped by
the homography of the plane's pose; the perspective is that of a webcam (about 60 degrees
across 640 pixels) looking at a face of the given size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from muster.domain.faces import Point, RGBImage
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.pipeline import FacePipeline
from muster.vision.quality import FloatArray, interocular_px

WEBCAM_FOCAL_PER_WIDTH = 0.87
"""A webcam's focal length in pixels per pixel of image width (about 60 degrees across)."""


def video_frames(path: Path, stride: int = 1) -> Iterator[RGBImage]:
    """Every `stride`-th frame of a video or animated GIF that OpenCV can read, as RGB;
    raises ValueError when OpenCV cannot open it."""
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"OpenCV cannot read the video {path}")
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            if index % stride == 0:
                yield np.ascontiguousarray(frame[:, :, ::-1])
            index += 1
    finally:
        capture.release()


def one_face_landmarks(
    pipeline: FacePipeline, predictor: LandmarkPredictor, image: RGBImage
) -> tuple[Point, ...] | None:
    """The 5 landmarks of the only face in `image`; None unless exactly one face is found
    (such frames are left out of a liveness check)."""
    detections = pipeline.detect(image)
    if len(detections) != 1:
        return None
    return predictor.predict(image, detections[0].box).five_points


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanePose:
    """How a picture is held: tilted by `tilt_deg` about an axis in its plane at
    `axis_deg` from the image's x axis, rolled in the image by `roll_deg`, and its face
    centre shown `shift_px` from the image centre."""

    tilt_deg: float
    axis_deg: float
    roll_deg: float
    shift_px: tuple[float, float]

    def rotation_vector(self) -> FloatArray:
        axis = np.radians(self.axis_deg)
        vector: FloatArray = np.radians(self.tilt_deg) * np.array([np.cos(axis), np.sin(axis), 0.0])
        return vector


def random_pose(
    rng: np.random.Generator,
    tilt_deg: tuple[float, float],
    axis_deg: tuple[float, float] = (0.0, 180.0),
) -> PlanePose:
    """A pose tilted by a uniform amount in `tilt_deg` about an axis uniform in `axis_deg`,
    with a small random roll and shift."""
    return PlanePose(
        tilt_deg=float(rng.uniform(*tilt_deg)),
        axis_deg=float(rng.uniform(*axis_deg)),
        roll_deg=float(rng.uniform(-15.0, 15.0)),
        shift_px=(float(rng.uniform(-60, 60)), float(rng.uniform(-40, 40))),
    )


def picture_moves(rng: np.random.Generator) -> dict[str, tuple[PlanePose, PlanePose]]:
    """Three ways to move a picture, as (start, end) poses: at random (near frontal to a
    tilt of up to 50 degrees about any axis); faking a turn (tilted about one diagonal to
    tilted about the other: the picture shears, so its nose moves sideways like a turning
    head's); faking a nod (tilted back about the horizontal axis, then brought frontal: its
    nose drop lengthens like a nodding head's)."""
    return {
        "random": (random_pose(rng, (0, 10)), random_pose(rng, (0, 50))),
        "faking a turn": (
            random_pose(rng, (30, 55), (35, 55)),
            # Either tilt sign: the shear is the same, the perspective asymmetry opposite.
            random_pose(rng, (30, 55), (125, 145) if rng.random() < 0.5 else (305, 325)),
        ),
        "faking a nod": (random_pose(rng, (35, 55), (-10, 10)), random_pose(rng, (0, 5))),
    }


def interpolated(start: PlanePose, end: PlanePose, frames: int) -> list[PlanePose]:
    """`frames` poses moving evenly from `start` to `end` (rotation vectors interpolated)."""
    poses = []
    for fraction in np.linspace(0.0, 1.0, frames):
        vector = (1 - fraction) * start.rotation_vector() + fraction * end.rotation_vector()
        tilt = float(np.linalg.norm(vector))
        poses.append(
            PlanePose(
                tilt_deg=float(np.degrees(tilt)),
                axis_deg=float(np.degrees(np.arctan2(vector[1], vector[0]))) if tilt else 0.0,
                roll_deg=(1 - fraction) * start.roll_deg + fraction * end.roll_deg,
                shift_px=(
                    (1 - fraction) * start.shift_px[0] + fraction * end.shift_px[0],
                    (1 - fraction) * start.shift_px[1] + fraction * end.shift_px[1],
                ),
            )
        )
    return poses


@dataclass(frozen=True, slots=True)
class Picture:
    """A photo to hold up, with where its face is: `centre` (pixels of the photo) and
    `interocular_px` (its eye distance in the photo)."""

    photo: RGBImage
    centre: tuple[float, float]
    interocular_px: float

    @classmethod
    def of(cls, photo: RGBImage, five: tuple[Point, ...]) -> Picture:
        centre = (float(np.mean([p.x for p in five])), float(np.mean([p.y for p in five])))
        return cls(photo, centre, interocular_px(five))

    def shown(
        self, pose: PlanePose, interocular_shown_px: float, size: tuple[int, int] = (640, 480)
    ) -> RGBImage:
        """The camera's view (`size` = width, height) of this picture held at `pose`, its
        face `interocular_shown_px` between the eyes when it faces the camera."""
        width, height = size
        homography = self._homography(pose, interocular_shown_px, width, height)
        shown = cv2.warpPerspective(
            self.photo,
            homography,
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(96, 96, 96),
        )
        return np.ascontiguousarray(shown, dtype=np.uint8)

    def _homography(
        self, pose: PlanePose, interocular_shown_px: float, width: int, height: int
    ) -> FloatArray:
        focal_px = WEBCAM_FOCAL_PER_WIDTH * width
        camera = np.array([[focal_px, 0, width / 2], [0, focal_px, height / 2], [0, 0, 1.0]])
        # The plane's face centre sits at depth 1; one photo pixel is `metres` wide there.
        metres = interocular_shown_px / (focal_px * self.interocular_px)
        roll = np.radians(pose.roll_deg)
        in_image = np.array(
            [[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1.0]]
        )
        rotation = in_image @ cv2.Rodrigues(pose.rotation_vector())[0]
        centre = np.array([pose.shift_px[0] / focal_px, pose.shift_px[1] / focal_px, 1.0])
        to_plane = np.array(
            [
                [metres, 0, -metres * self.centre[0]],
                [0, metres, -metres * self.centre[1]],
                [0, 0, 1],
            ]
        )
        homography: FloatArray = (
            camera @ np.column_stack([rotation[:, 0], rotation[:, 1], centre]) @ to_plane
        )
        normalised: FloatArray = homography / homography[2, 2]
        return normalised
