"""Passive-liveness evaluation (`muster eval liveness`): APCER per attack type, BPCER and
ACER of the shipped `PassiveLivenessDetector` on the spoof sets in ../shared/faces.

Metrics follow ISO/IEC 30107-3, with "accepted" meaning `live_score >= threshold`:
APCER (per attack type) is the share of attack presentations accepted as live, BPCER the
share of live presentations rejected, and ACER the mean of the worst APCER and the BPCER.
`apcer_at_bpcer` reads the score distributions instead of the shipped threshold.

Data: every `labels.csv` row of spoof_nuaa (print, split by subject: `NUAA_TEST_SUBJECTS`
are reported, the rest are the train subjects, kept apart for anyone tuning), of
spoof_liveness_webcam (phone replay) and of spoof_silent_face (per image), plus the
live/replay video pair scored frame by frame. The crops are tight, so each face is found by
the deployed detector and, where it finds none, the whole crop is the box (counted).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import Box, RGBImage
from muster.eval.metrics import OperatingPoint, roc_auc
from muster.eval.presentation import video_frames
from muster.eval.report import finite_json
from muster.vision.decode import load_image
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.liveness.passive import PassiveLivenessDetector
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

LIVE: Final = "live"
PRINT: Final = "print"
REPLAY: Final = "replay_screen"
WHOLE_CROP: Final = "whole_crop"
"""`face_source` of a sample where the detector found no face and the whole image was used."""
NUAA_TEST_SUBJECTS: Final = frozenset(f"{n:04d}" for n in range(9, 17))
"""NUAA subject folders reported as test (0009-0016); 0001-0008 are the train subjects."""
VIDEOS: Final = (
    ("spoof_liveness_webcam/videos/real2.webm", LIVE),
    ("spoof_liveness_webcam/videos/fake2.webm", REPLAY),
)
"""The live/replay video pair (paths under the faces folder) and what each shows."""
BPCER_TARGETS: Final = (0.05, 0.10)


@dataclass(frozen=True, slots=True)
class LivenessSample:
    """One labelled image: `attack` is LIVE, PRINT or REPLAY; `subset` names the report
    it belongs to (nuaa_train, nuaa_test, webcam, silent_face)."""

    path: Path
    attack: str
    subset: str


@dataclass(frozen=True, slots=True)
class ScoredSample:
    sample: LivenessSample
    live_score: float
    face_source: str  # the detector that found the face ("hog", "cnn") or WHOLE_CROP


def apcer(attack_scores: npt.ArrayLike, threshold: float) -> float:
    """Share of attack scores accepted as live (>= threshold); NaN for no scores."""
    scores = np.asarray(attack_scores, dtype=np.float64)
    return float(np.mean(scores >= threshold)) if scores.size else float("nan")


def bpcer(live_scores: npt.ArrayLike, threshold: float) -> float:
    """Share of live scores rejected (< threshold); NaN for no scores."""
    scores = np.asarray(live_scores, dtype=np.float64)
    return float(np.mean(scores < threshold)) if scores.size else float("nan")


def acer(apcers: Iterable[float], bpcer_value: float) -> float:
    """ISO/IEC 30107-3 ACER: the mean of the worst attack type's APCER and the BPCER."""
    return (max(apcers) + bpcer_value) / 2


def threshold_at_bpcer(live_scores: npt.ArrayLike, target: float) -> float:
    """The highest threshold whose BPCER is at most `target` (+inf when every live score may
    be rejected). With n live scores, BPCER moves in steps of 1/n."""
    scores = np.sort(np.asarray(live_scores, dtype=np.float64))
    if scores.size == 0:
        raise ValueError("a threshold at a BPCER needs at least one live score")
    allowed = int(np.floor(target * scores.size + 1e-9))
    return float(scores[allowed]) if allowed < scores.size else float("inf")


def apcer_at_bpcer(
    live_scores: npt.ArrayLike, attack_scores: npt.ArrayLike, target: float
) -> OperatingPoint:
    """The operating point at `threshold_at_bpcer(target)`: `false_positive_rate` is the
    APCER of `attack_scores` there, `false_negative_rate` the BPCER actually reached."""
    threshold = threshold_at_bpcer(live_scores, target)
    return OperatingPoint(
        threshold=threshold,
        false_positive_rate=apcer(attack_scores, threshold),
        false_negative_rate=bpcer(live_scores, threshold),
    )


@dataclass(frozen=True, slots=True)
class SubsetReport:
    """The error rates of one subset at the shipped threshold, and from its distribution
    (`at_bpcer`: one operating point per `BPCER_TARGETS`, APCER over all its attacks)."""

    name: str
    live: int
    attacks: dict[str, int]
    apcer: dict[str, float]
    bpcer: float
    acer: float
    roc_auc: float | None
    at_bpcer: list[OperatingPoint]
    face_sources: dict[str, int]


def evaluate_subset(name: str, scored: Sequence[ScoredSample], threshold: float) -> SubsetReport:
    """Rates of `scored` at `threshold`; needs at least one live and one attack sample."""
    live = [s.live_score for s in scored if s.sample.attack == LIVE]
    attacks = sorted({s.sample.attack for s in scored} - {LIVE})
    if not live or not attacks:
        raise ValueError(f"{name}: need live and attack samples to measure error rates")
    by_type = {a: [s.live_score for s in scored if s.sample.attack == a] for a in attacks}
    all_attacks = [score for scores in by_type.values() for score in scores]
    apcers = {a: apcer(scores, threshold) for a, scores in by_type.items()}
    live_rejected = bpcer(live, threshold)
    labels = [s.sample.attack == LIVE for s in scored]
    sources: dict[str, int] = {}
    for s in scored:
        sources[s.face_source] = sources.get(s.face_source, 0) + 1
    return SubsetReport(
        name=name,
        live=len(live),
        attacks={a: len(scores) for a, scores in by_type.items()},
        apcer=apcers,
        bpcer=live_rejected,
        acer=acer(apcers.values(), live_rejected),
        roc_auc=roc_auc([s.live_score for s in scored], labels),
        at_bpcer=[apcer_at_bpcer(live, all_attacks, t) for t in BPCER_TARGETS],
        face_sources=dict(sorted(sources.items())),
    )


@dataclass(frozen=True, slots=True)
class VideoReport:
    """A video scored frame by frame (the largest face of each frame)."""

    path: str
    attack: str
    frames: int
    frames_with_face: int
    judged_live: int
    median_live_score: float | None


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    path: str
    attack: str
    live_score: float
    judged_live: bool


@dataclass(frozen=True, slots=True)
class LivenessReport:
    """`images`: the verdict on each spoof_silent_face photo (too few for rates)."""

    threshold: float
    subsets: list[SubsetReport]
    images: list[ImageVerdict] = field(default_factory=list)
    videos: list[VideoReport] = field(default_factory=list)


def read_samples(faces_dir: Path) -> list[LivenessSample]:
    """The labelled images of the three spoof sets (paths under `faces_dir`)."""
    samples = []
    for row in _rows(faces_dir / "spoof_nuaa" / "labels.csv"):
        split = "test" if row["subject_folder"] in NUAA_TEST_SUBJECTS else "train"
        attack = LIVE if row["label"] == "live" else PRINT
        samples.append(LivenessSample(faces_dir / row["path"], attack, f"nuaa_{split}"))
    for row in _rows(faces_dir / "spoof_liveness_webcam" / "labels.csv"):
        if not row["path"].endswith(".webm"):
            attack = LIVE if row["label"] == "live" else REPLAY
            samples.append(LivenessSample(faces_dir / row["path"], attack, "webcam"))
    for row in _rows(faces_dir / "spoof_silent_face" / "labels.csv"):
        attack = LIVE if row["label"] == "live" else row["attack_type"]
        samples.append(LivenessSample(faces_dir / row["path"], attack, "silent_face"))
    return samples


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class FrameScorer:
    """Finds the largest face of an image with the deployed detector (the whole image when
    none), predicts its landmarks and scores it with the shipped passive detector."""

    def __init__(
        self, vision: VisionSettings, liveness: LivenessSettings, models: ModelStore | None = None
    ) -> None:
        self.vision = vision
        self.threshold = liveness.passive_min_live_score
        models = models if models is not None else ModelStore()
        self.pipeline = FacePipeline(vision, models)
        self.landmarks = LandmarkPredictor(models)
        self.detector = PassiveLivenessDetector(liveness)

    def score(self, image: RGBImage) -> tuple[float, str]:
        """(live score, face source) of the largest face, or of the whole image when the
        detector finds none (a tight crop)."""
        detections = self.pipeline.detect(image)
        if detections:
            return self._score(image, detections[0].box), str(detections[0].detector)
        return self._score(image, Box(0, 0, image.shape[1], image.shape[0])), WHOLE_CROP

    def score_largest_face(self, image: RGBImage) -> float | None:
        """The live score of the largest face; None when there is none (a video frame)."""
        detections = self.pipeline.detect(image)
        return self._score(image, detections[0].box) if detections else None

    def _score(self, image: RGBImage, box: Box) -> float:
        five = self.landmarks.predict(image, box).five_points
        return self.detector.live_score(image, box, five)


def score_samples(
    samples: Sequence[LivenessSample], scorer: FrameScorer, *, progress: bool = True
) -> list[ScoredSample]:
    scored = []
    for sample in tqdm(samples, desc="liveness", unit="img", disable=not progress):
        score, source = scorer.score(load_image(sample.path, scorer.vision.limits))
        scored.append(ScoredSample(sample, score, source))
    return scored


def score_video(path: Path, attack: str, scorer: FrameScorer, threshold: float) -> VideoReport:
    """Scores the largest face of every frame of `path` (frames without a face are counted,
    not scored)."""
    frames, scores = 0, []
    for frame in video_frames(path):
        frames += 1
        score = scorer.score_largest_face(frame)
        if score is not None:
            scores.append(score)
    return VideoReport(
        path=str(path),
        attack=attack,
        frames=frames,
        frames_with_face=len(scores),
        judged_live=sum(score >= threshold for score in scores),
        median_live_score=float(np.median(scores)) if scores else None,
    )


def evaluate_liveness(
    scored: Sequence[ScoredSample], threshold: float, videos: Sequence[VideoReport] = ()
) -> LivenessReport:
    """The report over scored samples: one subset per name present (with live and attack
    samples), then "all_test" (every subset but nuaa_train), and silent_face per image."""
    groups = {
        name: [s for s in scored if s.sample.subset == name]
        for name in sorted({s.sample.subset for s in scored})
    }
    groups["all_test"] = [s for s in scored if s.sample.subset != "nuaa_train"]
    subsets = [
        evaluate_subset(name, members, threshold)
        for name, members in groups.items()
        if {s.sample.attack == LIVE for s in members} == {True, False}
    ]
    images = [
        ImageVerdict(str(s.sample.path), s.sample.attack, s.live_score, s.live_score >= threshold)
        for s in scored
        if s.sample.subset == "silent_face"
    ]
    return LivenessReport(threshold, subsets, images, list(videos))


def write_liveness_json(report: LivenessReport, path: Path) -> None:
    """The report's fields as JSON (rates are fractions; non-finite numbers are null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = finite_json(dataclasses.asdict(report))
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def run_liveness(
    faces_dir: Path,
    scorer: FrameScorer,
    *,
    every: int = 1,
    videos: bool = True,
    progress: bool = True,
) -> LivenessReport:
    """Scores every `every`-th image of each spoof set (all of spoof_silent_face) and, with
    `videos`, the video pair, at the scorer's shipped threshold."""
    samples = read_samples(faces_dir)
    picked = [s for i, s in enumerate(samples) if s.subset == "silent_face" or i % every == 0]
    scored = score_samples(picked, scorer, progress=progress)
    clips = [
        score_video(faces_dir / path, attack, scorer, scorer.threshold)
        for path, attack in (VIDEOS if videos else ())
    ]
    return evaluate_liveness(scored, scorer.threshold, clips)


def _rate(value: float) -> str:
    return f"{value:.1%}"


def liveness_lines(report: LivenessReport) -> list[str]:
    """The report as text for people."""
    lines = [f"threshold: live_score >= {report.threshold:g} (passive_min_live_score)"]
    for sub in report.subsets:
        attacks = ", ".join(f"{n} {a}" for a, n in sub.attacks.items())
        apcers = ", ".join(f"{a} {_rate(v)}" for a, v in sub.apcer.items())
        sources = ", ".join(f"{n} {k}" for k, n in sub.face_sources.items())
        auc = f"{sub.roc_auc:.3f}" if sub.roc_auc is not None else "n/a"
        lines += [
            f"{sub.name}: {sub.live} live, {attacks}; faces from {sources}",
            f"  APCER {apcers}; BPCER {_rate(sub.bpcer)}; ACER {_rate(sub.acer)}; AUC {auc}",
        ]
        lines += [
            f"  APCER {_rate(p.false_positive_rate)} at BPCER {_rate(p.false_negative_rate)} "
            f"(threshold {p.threshold:.3f})"
            for p in sub.at_bpcer
        ]
    lines += [
        f"{Path(i.path).name} ({i.attack}): live_score {i.live_score:.3f} -> "
        f"{'live' if i.judged_live else 'attack'}"
        for i in report.images
    ]
    for v in report.videos:
        median = "n/a" if v.median_live_score is None else f"{v.median_live_score:.3f}"
        lines.append(
            f"{Path(v.path).name} ({v.attack}): {v.judged_live}/{v.frames_with_face} frames "
            f"with a face judged live ({v.frames} frames); median live_score {median}"
        )
    return lines
