"""How `muster enroll`, `identify` and `verify` print their results: text lines for a person
and JSON objects for a program. Pure functions of the service results."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from muster.domain.errors import MusterError
from muster.domain.faces import Box, FaceQuality
from muster.services.local_enrolment import FolderEnrolment
from muster.services.local_recognition import LocalMatch, PairVerification
from muster.services.thresholds import ThresholdChoice, ThresholdMethod

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]

_THRESHOLD_SOURCES = {
    "lfw_view1_train": "the most accurate on the LFW View-1 train pairs",
    "option": "set by --min-similarity",
}


@dataclass(frozen=True, slots=True)
class ImageOutcome:
    """One IMAGE of `muster identify`: its faces (largest first), or the error instead."""

    image: Path
    matches: list[LocalMatch]
    error: MusterError | None


def enrolment_lines(result: FolderEnrolment, folder: Path) -> list[str]:
    """Per person: how many photos were enrolled, then each skipped photo and why; then the
    entries that were ignored because they are not FOLDER/<person>/<file>."""
    lines: list[str] = []
    for person in result.people:
        total = len(person.enrolled) + len(person.skipped)
        lines.append(f"{person.person}: {len(person.enrolled)} of {total} photos enrolled")
        lines.extend(
            f"  skipped {skipped.photo.name}: {skipped.reason} [{skipped.code}]"
            for skipped in person.skipped
        )
    lines.extend(
        f"ignored {entry.relative_to(folder)}: not a photo in a person folder "
        "(expected FOLDER/<person>/<photo>)"
        for entry in result.ignored
    )
    return lines


def identification_lines(outcomes: list[ImageOutcome], threshold: ThresholdChoice) -> list[str]:
    """A threshold line, then per image a header and one line per face."""
    lines = [_threshold_line(threshold)]
    for outcome in outcomes:
        if outcome.error is not None:
            lines.append(f"{outcome.image}: error: {outcome.error.message}")
            continue
        count = len(outcome.matches)
        lines.append(f"{outcome.image}: {count} face{'' if count == 1 else 's'}")
        lines.extend(
            f"  face {number} at {_box_text(match.face.box)}: {_match_text(match)}"
            for number, match in enumerate(outcome.matches, start=1)
        )
    return lines


def image_json(outcome: ImageOutcome, threshold: ThresholdChoice) -> JsonValue:
    """One image: its path, the error (or null), the threshold and every face."""
    error = outcome.error
    return {
        "image": str(outcome.image),
        "error": None if error is None else {"code": error.code, "message": error.message},
        "threshold": {
            "min_score": threshold.min_score,
            "min_margin": threshold.min_margin,
            "method": threshold.method.value,
            "scorer": threshold.scorer,
        },
        "faces": [_match_json(match) for match in outcome.matches],
    }


def verification_line(result: PairVerification, source: str) -> str:
    verdict = "same person" if result.same else "different people"
    relation = ">=" if result.same else "<"
    return (
        f"{verdict}: similarity {result.similarity:.3f} {relation} threshold "
        f"{result.min_similarity:.4f} ({_THRESHOLD_SOURCES[source]})"
    )


def verification_json(
    result: PairVerification, photo_a: Path, photo_b: Path, source: str
) -> JsonValue:
    return {
        "photo_a": str(photo_a),
        "photo_b": str(photo_b),
        "same": result.same,
        "similarity": result.similarity,
        "min_similarity": result.min_similarity,
        "threshold_source": source,
        "faces_in_a": result.faces_a,
        "faces_in_b": result.faces_b,
        "box_a": _box_json(result.face_a.box),
        "box_b": _box_json(result.face_b.box),
    }


def _threshold_line(threshold: ThresholdChoice) -> str:
    why = {
        ThresholdMethod.OVERRIDE: "fixed by --min-similarity or MUSTER_RECOGNITION__MIN_SIMILARITY",
        ThresholdMethod.FALLBACK: "the strict fallback: too few people to calibrate from",
    }.get(
        threshold.method,
        f"calibrated for {threshold.target_fpir:.1%} false identifications per search "
        f"({threshold.method.value})",
    )
    return (
        f"Gallery of {threshold.people} people ({threshold.templates} photos); identified at "
        f"{threshold.scorer} score >= {threshold.min_score:.3f} ({why}) and margin >= "
        f"{threshold.min_margin:.3f}"
    )


def _match_text(match: LocalMatch) -> str:
    if match.person is not None:
        margin = "" if match.margin is None else f", margin {match.margin:.3f}"
        return f"{match.person} (similarity {match.similarity:.3f}{margin})"
    reason = "" if match.rejection is None else match.rejection.value.replace("_", " ")
    if match.quality_issue is not None:
        return f"unknown, {reason}: {match.quality_issue}"
    if match.best_person is None:
        return f"unknown, {reason}"
    margin = "" if match.margin is None else f", margin {match.margin:.3f}"
    return (
        f"unknown, {reason} (closest: {match.best_person}, similarity "
        f"{match.similarity:.3f}{margin})"
    )


def _match_json(match: LocalMatch) -> JsonValue:
    return {
        "box": _box_json(match.face.box),
        "person": match.person,
        "rejection": None if match.rejection is None else match.rejection.value,
        "best_match": match.best_person,
        "similarity": _finite(match.similarity),
        "score": _finite(match.score),
        "margin": _finite(match.margin),
        "quality_issue": match.quality_issue,
        "quality": _quality_json(match.face.quality),
    }


def _quality_json(quality: FaceQuality) -> JsonValue:
    return {
        field.name: _finite(getattr(quality, field.name)) for field in dataclasses.fields(quality)
    }


def _box_json(box: Box) -> JsonValue:
    return {"left": box.left, "top": box.top, "right": box.right, "bottom": box.bottom}


def _box_text(box: Box) -> str:
    return f"(left {box.left}, top {box.top}, right {box.right}, bottom {box.bottom})"


def _finite(value: float | None) -> float | None:
    # JSON has no NaN or infinity: an unmeasurable number is null.
    return None if value is None or not math.isfinite(value) else value
