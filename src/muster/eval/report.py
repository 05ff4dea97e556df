"""Evaluation reports as text for people and as JSON for files (non-finite numbers -> null)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from muster.eval.identify import IdentificationReport
from muster.eval.metrics import OperatingPoint
from muster.eval.pairs import PairsReport


def pairs_lines(report: PairsReport) -> list[str]:
    spread = f" ± {report.accuracy_std:.2%}" if report.accuracy_std is not None else ""
    return [
        f"protocol: {report.protocol}; {report.reported_pairs} pairs reported "
        f"({report.genuine_pairs} same person)",
        f"accuracy: {report.accuracy:.2%}{spread} at cosine similarity >= {report.threshold:.4f}",
        f"ROC AUC: {report.roc_auc:.4f}",
        f"TAR at FAR {report.far:g}: {report.tar_at_far:.2%} "
        f"(threshold {report.threshold_at_far:.4f})",
        f"images without a face: {report.images_without_face}; pairs affected: "
        f"{report.pairs_without_face} ({report.missing_face_policy})",
    ]


def _point(point: OperatingPoint) -> str:
    return (
        f"FNIR {point.false_negative_rate:.2%} at FPIR {point.false_positive_rate:.2%} "
        f"(threshold {point.threshold:.4f})"
    )


def identification_lines(report: IdentificationReport) -> list[str]:
    lines = [
        f"scorer: {report.scorer}",
        f"gallery: {report.enrolled_persons} persons enrolled, "
        f"{report.gallery_without_face} gallery images without a face",
        f"probes: {report.known_probes} known, {report.unknown_probes} unknown, "
        f"{report.probes_without_face} without a face",
        f"  ({report.missing_face_policy})",
        f"rank-1 accuracy (known probes): {report.rank1:.2%}",
    ]
    for point in report.points:
        lines += [
            f"target FPIR {point.target_fpir:g}:",
            f"  threshold from the DET curve (same unknown probes): {_point(point.det)}",
            f"  threshold from the other half of unknown probes:    {_point(point.held_out)}",
            f"  threshold from the gallery alone:                   {_point(point.gallery)}",
        ]
    return lines


def finite_json(value: Any) -> Any:
    """`value` (nested dicts and lists) with every non-finite float replaced by None, so
    strict JSON can hold it."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite_json(item) for item in value]
    return value


def write_json(report: PairsReport | IdentificationReport, path: Path) -> None:
    """The report's fields as JSON (rates are fractions; infinite thresholds are null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = finite_json(dataclasses.asdict(report))
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
