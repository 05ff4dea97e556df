"""The passive liveness check on real photos. Real: dlib's detector and landmarks, the shipped
`PassiveLivenessDetector`, the spoof sets in ../shared/faces and the `muster eval liveness`
command. The full evaluation is `make eval-liveness`; here a handful of files each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from muster.cli import cli
from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import Face
from muster.eval.liveness import (
    LIVE,
    PRINT,
    REPLAY,
    FrameScorer,
    LivenessReport,
    LivenessSample,
    evaluate_liveness,
    read_samples,
    score_samples,
)
from muster.vision import FacePipeline, ModelStore
from muster.vision.decode import load_image
from muster.vision.liveness import PassiveLivenessDetector

pytestmark = pytest.mark.models

SILENT_FACE = "spoof_silent_face/sample"


@pytest.fixture(scope="module")
def scorer(model_store: ModelStore) -> FrameScorer:
    return FrameScorer(VisionSettings(), LivenessSettings(), model_store)


@pytest.fixture(scope="module")
def samples(faces_dir: Path) -> list[LivenessSample]:
    return read_samples(faces_dir)


@pytest.fixture(scope="module")
def silent_report(samples: list[LivenessSample], scorer: FrameScorer) -> LivenessReport:
    silent = [s for s in samples if s.subset == "silent_face"]
    return evaluate_liveness(score_samples(silent, scorer, progress=False), scorer.threshold)


def test_the_evaluation_reads_every_labelled_image_of_the_three_spoof_sets(
    samples: list[LivenessSample],
) -> None:
    counts: dict[tuple[str, str], int] = {}
    for sample in samples:
        key = (sample.subset, sample.attack)
        counts[key] = counts.get(key, 0) + 1
    assert sum(n for (subset, _), n in counts.items() if subset.startswith("nuaa")) == 2116
    assert counts[("webcam", LIVE)] == 214
    assert counts[("webcam", REPLAY)] == 617
    assert counts[("silent_face", LIVE)] == 2
    assert counts[("silent_face", PRINT)] == counts[("silent_face", REPLAY)] == 1
    assert all(sample.path.is_file() for sample in samples)


def test_silent_face_verdicts_through_the_face_pipeline_match_the_evaluation(
    faces_dir: Path,
    face_pipeline: FacePipeline,
    analyzed: Callable[[str], list[Face]],
    silent_report: LivenessReport,
) -> None:
    detector = PassiveLivenessDetector(LivenessSettings())
    assert len(silent_report.images) == 4
    # The rotated live photo and the tablet replay: one of each verdict, for half the cost.
    checked = [i for i in silent_report.images if Path(i.path).stem in ("image_T1", "image_F2")]
    assert {i.judged_live for i in checked} == {True, False}
    for image_verdict in checked:
        path = Path(image_verdict.path)
        image = load_image(path, face_pipeline.settings.limits)
        face = analyzed(str(path.relative_to(faces_dir)))[0]
        verdict = detector.assess(image, face.detection.box, face.landmarks)
        assert verdict.is_live == image_verdict.judged_live
        assert verdict.live_score == pytest.approx(image_verdict.live_score, abs=1e-6)


def test_the_live_silent_face_photos_outscore_the_print_and_the_tablet(
    silent_report: LivenessReport,
) -> None:
    live = [i.live_score for i in silent_report.images if i.attack == LIVE]
    attacks = [i.live_score for i in silent_report.images if i.attack != LIVE]
    assert all(i.judged_live for i in silent_report.images if i.attack == LIVE)
    assert min(live) > max(attacks)


def test_the_exif_rotated_live_photo_is_measured_upright(
    faces_dir: Path, face_pipeline: FacePipeline, analyzed: Callable[[str], list[Face]]
) -> None:
    image = load_image(faces_dir / SILENT_FACE / "image_T1.jpg", face_pipeline.settings.limits)
    assert image.shape[0] > image.shape[1]  # stored sideways (2166 x 1560), shown portrait
    face = analyzed(f"{SILENT_FACE}/image_T1.jpg")[0]
    eyes_y = [p.y for p in face.landmarks[:4]]
    assert max(eyes_y) < face.landmarks[4].y  # the eyes are above the nose base
    verdict = PassiveLivenessDetector(LivenessSettings()).assess(
        image, face.detection.box, face.landmarks
    )
    assert verdict.is_live


def test_a_small_evaluation_on_print_and_replay_gives_sane_rates(
    samples: list[LivenessSample], scorer: FrameScorer
) -> None:
    def spread(subset: str, attack: str) -> list[LivenessSample]:
        group = [s for s in samples if s.subset == subset and s.attack == attack]
        return group[:: len(group) // 4][:4]

    picked = [
        *spread("nuaa_test", LIVE),
        *spread("nuaa_test", PRINT),
        *spread("webcam", LIVE),
        *spread("webcam", REPLAY),
    ]
    report = evaluate_liveness(score_samples(picked, scorer, progress=False), scorer.threshold)
    combined = {s.name: s for s in report.subsets}["all_test"]
    assert combined.live == 8
    assert combined.attacks == {PRINT: 4, REPLAY: 4}
    assert sum(combined.face_sources.values()) == 16
    rates = [*combined.apcer.values(), combined.bpcer, combined.acer]
    assert all(0.0 <= rate <= 1.0 for rate in rates)
    assert combined.roc_auc is not None
    assert combined.roc_auc > 0.5  # better than chance on a handful of frames


def test_the_eval_liveness_command_prints_rates_and_writes_json(
    faces_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "liveness.json"
    arguments = ["eval", "liveness", str(faces_dir), "--every", "1000", "--no-videos"]
    result = CliRunner().invoke(cli, [*arguments, "--no-progress", "--json", str(target)])
    assert result.exit_code == 0, result.output
    assert "APCER" in result.output
    assert "image_T1.jpg (live)" in result.output
    document = json.loads(target.read_text())
    assert document["threshold"] == LivenessSettings().passive_min_live_score
    assert {s["name"] for s in document["subsets"]} >= {"silent_face", "all_test"}
    assert len(document["images"]) == 4
    assert document["videos"] == []
