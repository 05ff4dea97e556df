"""How often does the active-liveness geometry pass attacks and fail live people? (Not a
test; prints.)

`judge_motion` (the stream check) is run over sliding windows of 2 s at about 10 frames per
second, and `judge_challenge` over simulated kiosk answers:

* live: the webcam video real2.webm (a person in front of a webcam, turning and moving) and
  the Intel head-pose GIFs of the woman and the man alone (the clip with both is left out:
  frames with two faces carry no single track);
* replay: fake2.webm, the same person's video shown on a phone held to the webcam;
* print: photos held as a flat picture that is tilted and turned in front of a webcam
  (`muster.eval.presentation`): Silent-Face's printed photo F1 and random LFW photos, each
  moved from a near-frontal pose to a random tilt of up to 50 degrees about a random axis in
  12 frames (a kiosk's answer burst), at 45-90 px between the eyes, three ways: at random,
  and as an attacker who knows the trick would to fake a turn or a nod
  (`picture_moves`).

APCER is the fraction of judged attack windows that pass, BPCER the fraction of judged live
windows that fail; a window is judged when the head moved enough (`judge_motion` is not
None). The residual columns are the planar residuals of the judged windows.

    .venv/bin/python bench/liveness_active_eval.py --faces ../shared/faces
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import Point
from muster.domain.liveness import ChallengeKind, ChallengeVerdict, LivenessFailure
from muster.eval.presentation import (
    Picture,
    interpolated,
    one_face_landmarks,
    picture_moves,
    video_frames,
)
from muster.vision import FacePipeline, ModelStore
from muster.vision.decode import load_image
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.liveness import judge_challenge, judge_motion

Landmarks = tuple[Point, ...]

VIDEOS = {
    # path: (is live, frame stride to about 10 fps, detector upsampling)
    "spoof_liveness_webcam/videos/real2.webm": (True, 3, 0),
    "intel_sample_videos/preview/head-pose-face-detection-female.gif": (True, 1, 1),
    "intel_sample_videos/preview/head-pose-face-detection-male.gif": (True, 1, 1),
    "spoof_liveness_webcam/videos/fake2.webm": (False, 3, 0),
}
PRINT = "spoof_silent_face/sample/image_F1.jpg"
# Settings of the other liveness checks, left out of the printout.
OTHERS = {
    "required",
    "challenge_ttl_s",
    "max_challenge_frames",
    "same_person_min_similarity",
    "min_live_fraction",
    "max_failures",
    "failure_window_s",
    "cooldown_s",
}
_NOT_JUDGED = (LivenessFailure.TOO_FEW_FRAMES, LivenessFailure.WRONG_MOVEMENT)


@dataclass
class Tally:
    """Windows of one source: how many were judged, how many passed, their residuals."""

    windows: int = 0
    passed: int = 0
    residuals: list[float] = field(default_factory=list)

    def add(self, verdict: ChallengeVerdict | None) -> None:
        """Count one window; it is judged unless the head did not move enough to tell."""
        self.windows += 1
        if verdict is None or verdict.failure in _NOT_JUDGED:
            return
        self.residuals.append(verdict.planar_residual)
        self.passed += verdict.passed

    def row(self, name: str, live: bool) -> str:
        judged = len(self.residuals)
        wrong = judged - self.passed if live else self.passed
        rate = f"{wrong / judged:6.1%}" if judged else "   n/a"
        spread = (
            "  ".join(f"{q:+.4f}" for q in np.percentile(self.residuals, [5, 50, 95]))
            if judged
            else ""
        )
        label = "BPCER" if live else "APCER"
        return (
            f"{name:34s} {self.windows:5d} {judged:6d} {label} {rate} ({wrong}/{judged})  {spread}"
        )


def windows(track: Sequence[Landmarks], length: int, step: int) -> list[Sequence[Landmarks]]:
    if len(track) <= length:
        return [track]
    return [track[i : i + length] for i in range(0, len(track) - length + 1, step)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--lfw-photos", type=int, default=20, help="LFW photos to hold up")
    parser.add_argument("--moves", type=int, default=3, help="random moves per photo")
    parser.add_argument("--window", type=int, default=20, help="frames per motion window")
    parser.add_argument("--step", type=int, default=2, help="frames between windows")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    settings = LivenessSettings()
    models = ModelStore()
    predictor = LandmarkPredictor(models)
    pipelines = {
        upsample: FacePipeline(VisionSettings(upsample=upsample, fallback_max_side_px=0), models)
        for upsample in (0, 1)
    }
    live_windows: list[Sequence[Landmarks]] = []
    turn_fakes: list[Sequence[Landmarks]] = []
    print(f"settings: {settings.model_dump(include=set(LivenessSettings.model_fields) - OTHERS)}")
    print(f"{'source':34s} {'wins':>5s} {'judged':>6s} error rate        residual p5 / p50 / p95")
    for relative, (live, stride, upsample) in VIDEOS.items():
        track = [
            marks
            for frame in video_frames(args.faces / relative, stride)
            if (marks := one_face_landmarks(pipelines[upsample], predictor, frame)) is not None
        ]
        tally = Tally()
        for window in windows(track, args.window, args.step):
            tally.add(judge_motion(window, settings))
            if live:
                live_windows.append(window)
        print(tally.row(Path(relative).name, live), flush=True)

    rng = np.random.default_rng(args.seed)
    lfw = sorted((args.faces / "lfw_dev").rglob("*.jpg"))
    photos = [args.faces / PRINT] + [
        lfw[i] for i in rng.choice(len(lfw), args.lfw_photos, replace=False)
    ]
    motion: dict[str, Tally] = {}
    challenges: dict[tuple[str, ChallengeKind], Tally] = {}
    for path in photos:
        photo = load_image(path.read_bytes(), pipelines[0].settings.limits)
        five = one_face_landmarks(pipelines[1], predictor, photo)
        if five is None:
            continue
        picture = Picture.of(photo, five)
        for _ in range(args.moves):
            shown_iod = float(rng.uniform(45, 90))
            for move, (start, end) in picture_moves(rng).items():
                track = [
                    marks
                    for pose in interpolated(start, end, 12)
                    if (shown := picture.shown(pose, shown_iod)) is not None
                    and (marks := one_face_landmarks(pipelines[0], predictor, shown)) is not None
                ]
                motion.setdefault(move, Tally()).add(judge_motion(track, settings))
                if move == "faking a turn":
                    turn_fakes.append(track)
                for kind in ChallengeKind:
                    verdict = judge_challenge(kind, track, settings)
                    challenges.setdefault((move, kind), Tally()).add(verdict)
    for move, tally in motion.items():
        print(tally.row(f"print {move}: motion", live=False))
    for (move, kind), tally in challenges.items():
        print(tally.row(f"print {move}: {kind}", live=False))
    print(
        "A print answering a challenge is judged when it showed the asked movement; the "
        "others failed with wrong_movement (also a rejected attack)."
    )
    trade_off(settings, live_windows, turn_fakes)


def trade_off(
    settings: LivenessSettings,
    live_windows: Sequence[Sequence[Landmarks]],
    turn_fakes: Sequence[Sequence[Landmarks]],
) -> None:
    """BPCER of the live windows' motion and APCER of the turn-faking prints' challenge
    answers (either direction, among those that showed the turn) for several thresholds."""
    print("min_turn_planar_residual   live motion BPCER   print turn-fake APCER")
    for threshold in (0.006, 0.008, 0.010, 0.012, 0.015, 0.018, 0.020):
        trial = settings.model_copy(update={"min_turn_planar_residual": threshold})
        live = [v for w in live_windows if (v := judge_motion(w, trial)) is not None]
        fakes = [
            v
            for track in turn_fakes
            for kind in (ChallengeKind.TURN_LEFT, ChallengeKind.TURN_RIGHT)
            if (v := judge_challenge(kind, track, trial)).failure not in _NOT_JUDGED
        ]
        failed = sum(not v.passed for v in live)
        passed = sum(v.passed for v in fakes)
        print(
            f"{threshold:24.3f}   {failed / len(live):6.1%} ({failed}/{len(live)})"
            f"      {passed / len(fakes):6.1%} ({passed}/{len(fakes)})"
        )


if __name__ == "__main__":
    main()
