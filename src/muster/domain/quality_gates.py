"""Quality gates for enrolment photos: which faces are good enough to become a template.

A template is compared with every later probe, so one poor template (tiny, blurred, turned
away, badly lit) causes false matches and misses for as long as it is enrolled. Enrolment
is also the one moment a person is there to take another photo, so the gates refuse early
and say exactly why, with the measured value and the limit.

Pure rules over `FaceQuality` (see `muster.vision.quality` for how each number is measured).
The default limits were calibrated on real photos (docs/privacy.md has the table):
LFW development images (1,000 sampled, 250 x 250, faces 30-60 px between the eyes),
face_recognition's knn_examples enrolment photos, insightface's pose/blur samples, and
knn_examples photos blurred and downscaled with Pillow. They pass normal frontal photos,
including the low-resolution LFW ones, and refuse the blurred, tiny, dark and profile ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from muster.domain.faces import FaceQuality


class QualityCode(StrEnum):
    """Why a photo was refused; stable, machine-readable."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_TOO_SMALL = "face_too_small"
    TOO_BLURRY = "too_blurry"
    TURNED_SIDEWAYS = "turned_sideways"
    TILTED_UP_OR_DOWN = "tilted_up_or_down"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    LOW_CONTRAST = "low_contrast"


@dataclass(frozen=True, slots=True)
class QualityProblem:
    """One failed gate: `measured` broke `limit` (same unit), `message` says it to a person."""

    code: QualityCode
    measured: float
    limit: float
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityPolicy:
    """Limits a face must meet to be enrolled. Each default is explained by the measurements
    it was chosen from (percentiles over the 1,000 LFW faces unless said otherwise).

    min_interocular_px: pixels between the eye centres in the photo. LFW's 1st percentile is
        30 px, and the dlib ResNet's published accuracy is measured at LFW's resolution;
        knn_examples photos downscaled to 240 px (10-37 px) mostly fail.
    min_sharpness: variance of the Laplacian of the 150 px aligned chip. LFW's 1st percentile
        is 7.5; a Pillow Gaussian blur of radius 8 brings knn_examples faces to 1.8-6.4.
    max_abs_yaw_deg: left-right turn. knn_examples enrolment photos reach 31 degrees; the
        insightface profile samples measure -62 and 45. LFW has many half-profiles (its 95th
        percentile of |yaw| is 40), so about 8% of LFW faces are refused here, on purpose.
    max_abs_pitch_deg: up-down tilt. The estimate saturates at about -21 degrees for a
        lowered chin, so this mostly limits raised chins; LFW's 99th percentile is 37.
    min_brightness / max_brightness: mean luminance of the chip, 0..255. LFW spans 47-182
        (0.5th percentile 60); insightface's dark, motion-blurred blur.jpg measures 44.
    min_contrast: standard deviation of that luminance. LFW's minimum is 20.
    """

    min_interocular_px: float = 30.0
    min_sharpness: float = 7.0
    max_abs_yaw_deg: float = 35.0
    max_abs_pitch_deg: float = 40.0
    min_brightness: float = 55.0
    max_brightness: float = 215.0
    min_contrast: float = 15.0

    def __post_init__(self) -> None:
        if self.min_brightness >= self.max_brightness:
            raise ValueError(
                f"min_brightness ({self.min_brightness}) must be below "
                f"max_brightness ({self.max_brightness})"
            )

    def check(self, quality: FaceQuality) -> list[QualityProblem]:
        """Every gate `quality` fails, in a fixed order (size first); empty when it passes.
        A NaN measurement fails its gate (it cannot be shown to be good enough)."""
        return [problem for gate in _GATES if (problem := gate(self, quality)) is not None]


def check_face_count(count: int) -> QualityProblem | None:
    """An enrolment photo must show exactly one face: with none there is nothing to enrol,
    and with several we cannot know which one is the person."""
    if count == 1:
        return None
    if count == 0:
        return QualityProblem(
            QualityCode.NO_FACE,
            0,
            1,
            "no face found (use a frontal photo with the face well lit and large in the frame)",
        )
    return QualityProblem(
        QualityCode.SEVERAL_FACES,
        count,
        1,
        f"{count} faces found, need exactly 1 (crop the photo to the one person)",
    )


_Gate = Callable[[QualityPolicy, FaceQuality], QualityProblem | None]


def _at_least(code: QualityCode, measured: float, limit: float, text: str) -> QualityProblem | None:
    if measured >= limit:
        return None
    return QualityProblem(code, measured, limit, text.format(measured=measured, limit=limit))


def _at_most(code: QualityCode, measured: float, limit: float, text: str) -> QualityProblem | None:
    if measured <= limit:
        return None
    return QualityProblem(code, measured, limit, text.format(measured=measured, limit=limit))


def _size(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_least(
        QualityCode.FACE_TOO_SMALL,
        q.interocular_px,
        policy.min_interocular_px,
        "face too small: {measured:.0f} px between the eyes, need at least {limit:.0f} "
        "(move closer or use a larger photo)",
    )


def _sharpness(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_least(
        QualityCode.TOO_BLURRY,
        q.sharpness,
        policy.min_sharpness,
        "face too blurry: sharpness {measured:.1f}, need at least {limit:.1f} "
        "(hold still and focus on the face)",
    )


def _yaw(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_most(
        QualityCode.TURNED_SIDEWAYS,
        _magnitude(q.yaw_deg),
        policy.max_abs_yaw_deg,
        "face turned sideways: {measured:.0f} degrees, at most {limit:.0f} allowed "
        "(look straight at the camera)",
    )


def _pitch(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_most(
        QualityCode.TILTED_UP_OR_DOWN,
        _magnitude(q.pitch_deg),
        policy.max_abs_pitch_deg,
        "face tilted up or down: {measured:.0f} degrees, at most {limit:.0f} allowed "
        "(keep the camera at eye height)",
    )


def _dark(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_least(
        QualityCode.TOO_DARK,
        q.brightness,
        policy.min_brightness,
        "face too dark: brightness {measured:.0f} of 255, need at least {limit:.0f} "
        "(add light in front of the face)",
    )


def _bright(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_most(
        QualityCode.TOO_BRIGHT,
        q.brightness,
        policy.max_brightness,
        "face overexposed: brightness {measured:.0f} of 255, at most {limit:.0f} allowed "
        "(avoid direct light or flash)",
    )


def _contrast(policy: QualityPolicy, q: FaceQuality) -> QualityProblem | None:
    return _at_least(
        QualityCode.LOW_CONTRAST,
        q.contrast,
        policy.min_contrast,
        "face too flat: contrast {measured:.0f}, need at least {limit:.0f} "
        "(avoid haze, fog or a washed-out photo)",
    )


def _magnitude(angle_deg: float) -> float:
    # NaN stays NaN, and NaN <= limit is False, so an unmeasurable pose fails its gate.
    return math.fabs(angle_deg)


_GATES: tuple[_Gate, ...] = (_size, _sharpness, _yaw, _pitch, _dark, _bright, _contrast)
