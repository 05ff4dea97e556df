"""The enrolment quality gates as pure rules over FaceQuality (no I/O). Calibration on real
photos is in tests/api/test_enrolment.py."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from muster.config import Settings
from muster.domain.faces import FaceQuality
from muster.domain.quality_gates import QualityCode, QualityPolicy, check_face_count

POLICY = QualityPolicy(
    min_interocular_px=60,
    min_sharpness=10,
    max_abs_yaw_deg=30,
    max_abs_pitch_deg=25,
    min_brightness=50,
    max_brightness=200,
    min_contrast=20,
)
GOOD = FaceQuality(
    interocular_px=80, sharpness=150, yaw_deg=5, pitch_deg=-3, brightness=120, contrast=45
)


def test_a_good_face_passes_every_gate() -> None:
    assert POLICY.check(GOOD) == []


@pytest.mark.parametrize(
    ("field", "value", "code", "limit"),
    [
        ("interocular_px", 38.0, QualityCode.FACE_TOO_SMALL, 60),
        ("sharpness", 4.0, QualityCode.TOO_BLURRY, 10),
        ("yaw_deg", 50.0, QualityCode.TURNED_SIDEWAYS, 30),
        ("yaw_deg", -50.0, QualityCode.TURNED_SIDEWAYS, 30),
        ("pitch_deg", 31.0, QualityCode.TILTED_UP_OR_DOWN, 25),
        ("pitch_deg", -31.0, QualityCode.TILTED_UP_OR_DOWN, 25),
        ("brightness", 30.0, QualityCode.TOO_DARK, 50),
        ("brightness", 230.0, QualityCode.TOO_BRIGHT, 200),
        ("contrast", 8.0, QualityCode.LOW_CONTRAST, 20),
    ],
)
def test_each_gate_refuses_with_its_code_the_measured_value_and_the_limit(
    field: str, value: float, code: QualityCode, limit: float
) -> None:
    problems = POLICY.check(replace(GOOD, **{field: value}))

    # Pose gates measure how far from frontal, in either direction.
    expected = abs(value) if field.endswith("_deg") else value
    assert [p.code for p in problems] == [code]
    assert problems[0].measured == expected
    assert problems[0].limit == limit


def test_a_small_face_is_explained_in_pixels_between_the_eyes() -> None:
    (problem,) = POLICY.check(replace(GOOD, interocular_px=38.2))

    assert problem.message.startswith("face too small: 38 px between the eyes, need at least 60")


def test_values_exactly_at_the_limits_pass() -> None:
    at_limits = FaceQuality(
        interocular_px=60, sharpness=10, yaw_deg=-30, pitch_deg=25, brightness=50, contrast=20
    )

    assert POLICY.check(at_limits) == []
    assert POLICY.check(replace(at_limits, brightness=200)) == []


def test_every_failed_gate_is_reported_size_first() -> None:
    poor = FaceQuality(
        interocular_px=20, sharpness=2, yaw_deg=70, pitch_deg=0, brightness=20, contrast=5
    )

    assert [p.code for p in POLICY.check(poor)] == [
        QualityCode.FACE_TOO_SMALL,
        QualityCode.TOO_BLURRY,
        QualityCode.TURNED_SIDEWAYS,
        QualityCode.TOO_DARK,
        QualityCode.LOW_CONTRAST,
    ]


@pytest.mark.parametrize("field", ["interocular_px", "sharpness", "yaw_deg", "brightness"])
def test_an_unmeasurable_value_fails_its_gate(field: str) -> None:
    problems = POLICY.check(replace(GOOD, **{field: math.nan}))

    assert len(problems) >= 1


def test_exactly_one_face_passes_the_face_count_gate() -> None:
    assert check_face_count(1) is None


def test_a_photo_without_a_face_is_refused_as_no_face() -> None:
    problem = check_face_count(0)

    assert problem is not None
    assert (problem.code, problem.measured, problem.limit) == (QualityCode.NO_FACE, 0, 1)


def test_a_photo_with_several_faces_is_refused_with_the_count() -> None:
    problem = check_face_count(3)

    assert problem is not None
    assert problem.code is QualityCode.SEVERAL_FACES
    assert problem.measured == 3
    assert problem.message.startswith("3 faces found, need exactly 1")


def test_an_empty_brightness_range_is_refused() -> None:
    with pytest.raises(ValueError, match="min_brightness"):
        QualityPolicy(min_brightness=150, max_brightness=100)


def test_default_settings_give_the_calibrated_default_policy() -> None:
    assert Settings().enrolment.quality_policy() == QualityPolicy()


def test_settings_with_an_empty_brightness_range_are_refused() -> None:
    with pytest.raises(ValueError, match="min_brightness"):
        Settings.model_validate({"enrolment": {"min_brightness": 200, "max_brightness": 100}})
