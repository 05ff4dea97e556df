"""Open-set identification on a gallery/probe protocol, with the NIST rates.

Each gallery image enrols one template of its identity; each probe is searched against the
whole gallery and the top-ranked person (by the scorer's score) is its answer.
Missing faces: a gallery image without a face enrols nothing (its person's probes can then
only be missed); a probe without a face scores -inf, so a known one is a miss and an unknown
one a correct rejection.

Thresholds, three ways, from least to most deployable:
* `det`: read off the DET curve, i.e. picked on the very unknown probes it is reported on
  (the usual way to publish FNIR at FPIR; optimistic for a deployment).
* `held_out`: picked on half of the unknown probes and reported on the other half, both ways
  round, averaged (the unknown probes alternate between halves in file order).
* `gallery`: picked on gallery members searched against everyone else
  (the top scores of `matching.calibration.impostor_comparison_scores`), which needs no
  unknown probes at all: what a site can do on day one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from muster.domain.faces import Embedding
from muster.eval.metrics import (
    F64Array,
    OpenSetScores,
    OperatingPoint,
    fnir_at,
    fnir_at_fpir,
    rank1_accuracy,
)
from muster.eval.protocols import IdentificationEntry, Role
from muster.matching.calibration import (
    impostor_comparison_scores,
    threshold_for_false_positive_rate,
)
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer

TARGET_FPIRS = (0.01, 0.003)
"""The operating points reported: FNIR at FPIR 1% and 0.3%."""

MISSING_FACE_POLICY = (
    "gallery image without a face: enrols nothing; probe without a face: scored -inf "
    "(a miss if known, a correct rejection if unknown)"
)


@dataclass(frozen=True, slots=True)
class OpenSetResult:
    """The search outcome per probe plus the gallery it ran against."""

    scores: OpenSetScores
    index: ExactIndex[str]
    gallery_without_face: int
    probes_without_face: int


@dataclass(frozen=True, slots=True)
class TargetPoint:
    """FNIR and the FPIR actually reached at one target FPIR, for each way of picking the
    threshold (see the module docstring). Rates are fractions."""

    target_fpir: float
    det: OperatingPoint
    held_out: OperatingPoint
    gallery: OperatingPoint


@dataclass(frozen=True, slots=True)
class IdentificationReport:
    scorer: str
    enrolled_persons: int
    gallery_without_face: int
    known_probes: int
    unknown_probes: int
    probes_without_face: int
    rank1: float
    points: list[TargetPoint]
    missing_face_policy: str = MISSING_FACE_POLICY


def search_probes(
    entries: Sequence[IdentificationEntry],
    embeddings: Mapping[Path, Embedding],
    scorer: OpenSetScorer,
) -> OpenSetResult:
    """Enrols the gallery entries that have a face and searches every probe."""
    index: ExactIndex[str] = ExactIndex()
    gallery_without_face = 0
    for template_id, entry in enumerate(e for e in entries if e.role is Role.GALLERY):
        embedding = embeddings.get(entry.path)
        if embedding is None:
            gallery_without_face += 1
        else:
            index.add(template_id, entry.identity, embedding)
    known_scores: list[float] = []
    known_mates: list[bool] = []
    unknown_scores: list[float] = []
    probes_without_face = 0
    for entry in entries:
        if entry.role is Role.GALLERY:
            continue
        probe = embeddings.get(entry.path)
        probes_without_face += probe is None
        score, identity = _best(index, scorer, probe)
        if entry.role is Role.PROBE_KNOWN:
            known_scores.append(score)
            known_mates.append(identity == entry.identity)
        else:
            unknown_scores.append(score)
    scores = OpenSetScores(
        known_top_scores=np.array(known_scores, dtype=np.float64),
        known_mate_top1=np.array(known_mates, dtype=bool),
        unknown_top_scores=np.array(unknown_scores, dtype=np.float64),
    )
    return OpenSetResult(scores, index, gallery_without_face, probes_without_face)


def _best(
    index: ExactIndex[str], scorer: OpenSetScorer, probe: Embedding | None
) -> tuple[float, str | None]:
    if probe is None or len(index) == 0:
        return -math.inf, None
    ranked = scorer.rank(index, probe)
    return float(ranked.scores[0]), ranked.persons[0]


def held_out_point(scores: OpenSetScores, target_fpir: float) -> OperatingPoint:
    """Threshold picked on alternate unknown probes, rates measured on the others, both ways
    round and averaged (known probes take part in both)."""
    halves = (scores.unknown_top_scores[0::2], scores.unknown_top_scores[1::2])
    points = []
    for calibrate, report in (halves, halves[::-1]):
        threshold = threshold_for_false_positive_rate(calibrate, target_fpir)
        held_out = OpenSetScores(scores.known_top_scores, scores.known_mate_top1, report)
        points.append(fnir_at(held_out, threshold))
    return OperatingPoint(
        threshold=float(np.mean([p.threshold for p in points])),
        false_positive_rate=float(np.mean([p.false_positive_rate for p in points])),
        false_negative_rate=float(np.mean([p.false_negative_rate for p in points])),
    )


def open_set_report(
    scores: OpenSetScores,
    gallery_impostors: F64Array,
    *,
    scorer_name: str,
    enrolled_persons: int,
    gallery_without_face: int,
    probes_without_face: int,
    target_fpirs: Sequence[float] = TARGET_FPIRS,
) -> IdentificationReport:
    """Rank-1 and FNIR at each target FPIR, thresholds picked three ways (module docstring);
    `gallery_impostors` are the top scores of gallery members searched as unknowns."""
    points = [
        TargetPoint(
            target_fpir=target,
            det=fnir_at_fpir(scores, target),
            held_out=held_out_point(scores, target),
            gallery=fnir_at(scores, threshold_for_false_positive_rate(gallery_impostors, target)),
        )
        for target in target_fpirs
    ]
    return IdentificationReport(
        scorer=scorer_name,
        enrolled_persons=enrolled_persons,
        gallery_without_face=gallery_without_face,
        known_probes=int(scores.known_top_scores.size),
        unknown_probes=int(scores.unknown_top_scores.size),
        probes_without_face=probes_without_face,
        rank1=rank1_accuracy(scores),
        points=points,
    )


def evaluate_identification(
    result: OpenSetResult,
    scorer: OpenSetScorer,
    target_fpirs: Sequence[float] = TARGET_FPIRS,
) -> IdentificationReport:
    """`open_set_report` of a search, calibrating the gallery threshold with `scorer`."""
    return open_set_report(
        result.scores,
        _top_impostor_scores(result.index, scorer),
        scorer_name=scorer.name,
        enrolled_persons=result.index.person_count(),
        gallery_without_face=result.gallery_without_face,
        probes_without_face=result.probes_without_face,
        target_fpirs=target_fpirs,
    )


def _top_impostor_scores(index: ExactIndex[str], scorer: OpenSetScorer) -> F64Array:
    """Each gallery template's best score against the other persons (-inf with nobody else)."""
    comparisons = impostor_comparison_scores(index, scorer)
    if comparisons.shape[1] == 0:
        return np.full(len(index), -np.inf)
    return comparisons[:, 0].astype(np.float64)
