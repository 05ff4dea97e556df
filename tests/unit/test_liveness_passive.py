"""The passive liveness cue on synthetic images. Real: the detector and its maths; the images
are generated here (1/f noise, the statistics of natural images), never taken from faces, so
these tests also re-derive the shipped constants from first principles."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from muster.config import LivenessSettings
from muster.domain.faces import Box, Point, RGBImage
from muster.vision.liveness import PassiveLivenessDetector
from muster.vision.liveness.passive import (
    DETAIL_RATIO_WIDTH,
    DETAIL_SCALE_PER_INTEROCULAR,
    RECAPTURE_DETAIL_RATIO,
    Float32Array,
    detail_ratio,
    live_score,
)

INTEROCULAR_PX = 72


def _pink_noise(rng: np.random.Generator, height: int, width: int) -> Float32Array:
    """Noise with a 1/f amplitude spectrum, scaled to a grey-level spread of 40."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    spectrum = (rng.normal(size=(height, width)) + 1j * rng.normal(size=(height, width))) / radius
    spectrum[0, 0] = 0.0
    noise = np.real(np.fft.ifft2(spectrum))
    scaled: Float32Array = (noise * 40.0 / noise.std()).astype(np.float32)
    return scaled


def _mean_ratio_after_blur(blur_in_detail_scales: float, samples: int = 12) -> float:
    rng = np.random.default_rng(7)
    sigma = blur_in_detail_scales * INTEROCULAR_PX * DETAIL_SCALE_PER_INTEROCULAR
    ratios = []
    for _ in range(samples):
        luma = _pink_noise(rng, 2 * INTEROCULAR_PX, 2 * INTEROCULAR_PX)
        blurred = np.asarray(cv2.GaussianBlur(luma, (0, 0), sigma), dtype=np.float32)
        ratios.append(detail_ratio(blurred, INTEROCULAR_PX))
    return float(np.mean(ratios))


def _face_image(blur_px: float = 0.0) -> tuple[RGBImage, Box, list[Point]]:
    """A 'face' of 1/f texture on a grey frame, with 5 landmarks 72 px apart at the eyes."""
    rng = np.random.default_rng(3)
    luma = 128.0 + _pink_noise(rng, 300, 300)
    if blur_px:
        luma = np.asarray(cv2.GaussianBlur(luma, (0, 0), blur_px), dtype=np.float32)
    grey = np.clip(luma, 0, 255).astype(np.uint8)
    image = np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    # dlib order: the image-right eye's outer and inner corner, the image-left eye's, nose.
    eyes = [Point(200, 120), Point(172, 120), Point(100, 120), Point(128, 120)]
    landmarks = [*eyes, Point(150, 165)]
    return image, Box(70, 70, 230, 230), landmarks


def test_the_score_centre_is_a_natural_image_blurred_by_one_detail_scale() -> None:
    assert _mean_ratio_after_blur(1.0) == pytest.approx(RECAPTURE_DETAIL_RATIO, abs=0.1)


def test_the_score_width_is_a_quarter_of_one_detail_scale_of_blur_around_the_centre() -> None:
    change = _mean_ratio_after_blur(0.5) - _mean_ratio_after_blur(1.5)
    assert change / 4 == pytest.approx(DETAIL_RATIO_WIDTH, abs=0.06)


def test_live_score_is_one_half_at_the_centre_and_rises_with_detail() -> None:
    assert live_score(RECAPTURE_DETAIL_RATIO) == pytest.approx(0.5)
    assert live_score(RECAPTURE_DETAIL_RATIO + 1) > 0.8
    assert live_score(RECAPTURE_DETAIL_RATIO - 1) < 0.2
    assert live_score(1e6) == pytest.approx(1.0)


def test_a_sharp_natural_texture_is_live_and_a_recaptured_blurred_copy_is_not() -> None:
    detector = PassiveLivenessDetector(LivenessSettings())
    sharp = detector.assess(*_face_image())
    # Two detail scales of blur: what printing and re-photographing does.
    blurred = detector.assess(*_face_image(blur_px=2 * INTEROCULAR_PX / 60))
    assert sharp.is_live
    assert not blurred.is_live
    assert blurred.live_score < sharp.live_score


def test_the_verdict_follows_the_configured_threshold() -> None:
    image, box, landmarks = _face_image()
    score = PassiveLivenessDetector(LivenessSettings()).assess(image, box, landmarks).live_score
    strict = LivenessSettings(passive_min_live_score=min(1.0, score + 0.01))
    lenient = LivenessSettings(passive_min_live_score=max(0.0, score - 0.01))
    assert not PassiveLivenessDetector(strict).assess(image, box, landmarks).is_live
    assert PassiveLivenessDetector(lenient).assess(image, box, landmarks).is_live


def test_a_flat_patch_has_nothing_to_measure_and_is_not_live() -> None:
    _, box, landmarks = _face_image()
    flat = np.full((300, 300, 3), 200, dtype=np.uint8)
    verdict = PassiveLivenessDetector(LivenessSettings()).assess(flat, box, landmarks)
    assert verdict.live_score == 0.0
    assert not verdict.is_live


def test_a_face_outside_the_image_is_not_live() -> None:
    image, _, _ = _face_image()
    far = [Point(p.x + 1000, p.y) for p in _face_image()[2]]
    verdict = PassiveLivenessDetector(LivenessSettings()).assess(image, Box(0, 0, 10, 10), far)
    assert verdict.live_score == 0.0


def test_without_five_landmarks_the_box_frames_the_face() -> None:
    image, box, landmarks = _face_image()
    detector = PassiveLivenessDetector(LivenessSettings())
    from_box = detector.assess(image, box, [])
    assert from_box.is_live
    assert from_box.live_score == pytest.approx(
        detector.assess(image, box, landmarks).live_score, abs=0.1
    )


def test_sixty_eight_landmarks_frame_the_face_by_their_five_point_equivalents() -> None:
    image, box, landmarks = _face_image()
    sixty_eight = [Point(0.0, 0.0)] * 68
    for five_index, index in enumerate((45, 42, 36, 39, 33)):
        sixty_eight[index] = landmarks[five_index]
    detector = PassiveLivenessDetector(LivenessSettings())
    assert detector.assess(image, box, sixty_eight) == detector.assess(image, box, landmarks)


def test_a_non_rgb_image_is_refused() -> None:
    _, box, landmarks = _face_image()
    grey = np.zeros((300, 300), np.uint8)
    with pytest.raises(ValueError, match="uint8 RGB"):
        PassiveLivenessDetector(LivenessSettings()).assess(grey, box, landmarks)


def test_detail_ratio_refuses_a_region_it_cannot_filter() -> None:
    with pytest.raises(ValueError, match="at least 3 x 3"):
        detail_ratio(np.zeros((2, 40), dtype=np.float32), 30.0)
    with pytest.raises(ValueError, match="positive"):
        detail_ratio(np.zeros((40, 40), dtype=np.float32), 0.0)
