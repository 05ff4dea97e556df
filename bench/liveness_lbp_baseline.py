"""A trained comparison for the passive liveness check: colour LBP histograms and logistic
regression, fitted on the NUAA *train* subjects, scored like `muster eval liveness`.

    .venv/bin/python bench/liveness_lbp_baseline.py --faces ../shared/faces

EVALUATION ONLY, NEVER SHIPPED: ../shared/faces is licensed for research use, so a model
fitted on it may be measured but not put under src/. It lives here to show what a small
trained texture model gets on the same data: within NUAA (same attack, same camera) and
across data sets (trained on prints, tested on phone replays).

Features: uniform LBP (8 neighbours, radius 1, 59 bins) of each YCrCb channel of the tight
crop resized to 64 x 64, over the whole crop and its four quadrants (885 numbers). The
NUAA and webcam images are already tight crops; the Silent-Face photos are cropped to the
detected face box. The reported rates use a probability threshold of 0.5.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from muster.config import LivenessSettings, VisionSettings
from muster.domain.faces import RGBImage
from muster.eval.liveness import (
    LIVE,
    WHOLE_CROP,
    FrameScorer,
    LivenessSample,
    ScoredSample,
    evaluate_liveness,
    liveness_lines,
    read_samples,
)
from muster.vision.decode import load_image

FloatArray = npt.NDArray[np.float64]
CROP_PX = 64


def _uniform_lookup() -> npt.NDArray[np.int64]:
    """Maps each 8-bit LBP code to one of 58 uniform patterns (at most two 0/1 transitions
    around the circle) or to bin 58 for every other code."""
    lookup = np.full(256, 58, dtype=np.int64)
    uniform = 0
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        if sum(bits[i] != bits[(i + 1) % 8] for i in range(8)) <= 2:
            lookup[code] = uniform
            uniform += 1
    return lookup


LOOKUP = _uniform_lookup()
OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def _lbp_histograms(channel: npt.NDArray[np.uint8]) -> FloatArray:
    centre = channel[1:-1, 1:-1].astype(np.int16)
    code = np.zeros(centre.shape, dtype=np.int64)
    height, width = channel.shape
    for bit, (dy, dx) in enumerate(OFFSETS):
        neighbour = channel[1 + dy : height - 1 + dy, 1 + dx : width - 1 + dx].astype(np.int16)
        code |= (neighbour >= centre).astype(np.int64) << bit
    bins = LOOKUP[code]
    half_y, half_x = bins.shape[0] // 2, bins.shape[1] // 2
    regions = [
        bins,
        bins[:half_y, :half_x],
        bins[:half_y, half_x:],
        bins[half_y:, :half_x],
        bins[half_y:, half_x:],
    ]
    return np.concatenate([np.bincount(r.ravel(), minlength=59) / r.size for r in regions])


def features(crop: RGBImage) -> FloatArray:
    small = cv2.resize(crop, (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA)
    ycrcb = np.asarray(cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb), dtype=np.uint8)
    return np.concatenate([_lbp_histograms(ycrcb[:, :, c]) for c in range(3)])


def fit_logistic(x: FloatArray, y: FloatArray, l2: float = 1e-2, steps: int = 2000) -> FloatArray:
    """Weights (bias last) of an L2-regularised logistic regression, by gradient descent
    with classes weighted equally."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weight_per_row = np.where(y == 1, 0.5 / y.sum(), 0.5 / (1 - y).sum())
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ ((p - y) * weight_per_row) + l2 * np.r_[w[:-1], 0.0]
        w -= 1.0 * gradient
    return w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    args = parser.parse_args()

    vision = VisionSettings()
    scorer = FrameScorer(vision, LivenessSettings())
    samples = read_samples(args.faces)

    def crop(sample: LivenessSample) -> RGBImage:
        image = load_image(sample.path, vision.limits)
        if sample.subset != "silent_face":
            return image
        box = scorer.pipeline.detect(image)[0].box
        return image[box.top : box.bottom, box.left : box.right]

    x = np.array([features(crop(s)) for s in samples])
    live = np.array([s.attack == LIVE for s in samples], dtype=np.float64)
    train = np.array([s.subset == "nuaa_train" for s in samples])
    mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-6
    z = (x - mean) / std
    w = fit_logistic(z[train], live[train])
    probabilities = 1 / (1 + np.exp(-(np.hstack([z, np.ones((len(z), 1))]) @ w)))
    source = WHOLE_CROP  # no face detection on the tight crops
    scored = [
        ScoredSample(s, float(p), source) for s, p in zip(samples, probabilities, strict=True)
    ]
    print("LBP + logistic regression fitted on NUAA train subjects (evaluation only)")
    for line in liveness_lines(evaluate_liveness(scored, 0.5)):
        print(line)


if __name__ == "__main__":
    main()
