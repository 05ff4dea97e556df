"""Turns the MMOD network's score map into face boxes, as dlib's loss_mmod_ does.

Every output position scoring above the threshold (0 for dlib's detector call) is one
candidate: the position is mapped back through the convolutions to the tiled pyramid
(x * stride - padding + kernel // 2 per layer), the detector window is centred there
(centered_drect: a w x h window spans w - 1 pixels), mapped to image pixels through the
pyramid level it lies on, and rounded to whole pixels. Candidates are visited best first;
one is kept unless it overlaps a kept box by dlib's test_box_overlap, whose IoU divides by
the area of the boxes' *bounding box*, not their union.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from muster.vision.onnx.mmod_reader import BoxOverlap, MmodNetwork
from muster.vision.onnx.network import Conv
from muster.vision.onnx.pyramid import Tile, tiled_to_image


@dataclass(frozen=True, slots=True)
class PixelBox:
    """A box in dlib's convention: whole pixels, right and bottom inclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def area(self) -> int:
        return max(0, self.right - self.left + 1) * max(0, self.bottom - self.top + 1)

    def intersection_area(self, other: PixelBox) -> int:
        return PixelBox(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        ).area

    def hull_area(self, other: PixelBox) -> int:
        return PixelBox(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        ).area


@dataclass(frozen=True, slots=True)
class ScoredBox:
    box: PixelBox
    score: float


def overlaps(rule: BoxOverlap, a: PixelBox, b: PixelBox) -> bool:
    """dlib's test_box_overlap()(a, b)."""
    inner = a.intersection_area(b)
    if inner == 0:
        return False
    return (
        inner / a.hull_area(b) > rule.iou
        or inner / a.area > rule.covered
        or inner / b.area > rule.covered
    )


def output_to_input_map(network: MmodNetwork) -> tuple[int, int]:
    """(scale, offset) with input = output * scale + offset along either axis."""
    scale, offset = 1, 0
    for layer in reversed(network.layers):
        if isinstance(layer, Conv):
            # input = output * stride - padding + kernel // 2, composed input-wards.
            offset = offset * layer.stride - layer.padding + layer.kernel // 2
            scale *= layer.stride
    return scale, offset


def decode(
    scores: npt.NDArray[np.float32],
    network: MmodNetwork,
    tiles: tuple[Tile, ...],
    threshold: float = 0.0,
) -> list[ScoredBox]:
    """The detections in one (rows, columns) score map, best first, after non-max
    suppression; boxes are in the input image's pixels (they may extend past it)."""
    scale, offset = output_to_input_map(network)
    half_width = (network.options.window_width_px - 1) / 2
    half_height = (network.options.window_height_px - 1) / 2
    rows, columns = np.nonzero(scores > threshold)
    candidates: list[ScoredBox] = []
    for r, c in zip(rows.tolist(), columns.tolist(), strict=True):
        x, y = c * scale + offset, r * scale + offset
        mapped = tiled_to_image(
            (x - half_width, y - half_height, x + half_width, y + half_height),
            tiles,
            network.input.down,
        )
        left, top, right, bottom = (math.floor(v + 0.5) for v in mapped)
        box = PixelBox(left, top, right, bottom)
        candidates.append(ScoredBox(box, float(scores[r, c])))
    candidates.sort(key=lambda found: found.score, reverse=True)
    kept: list[ScoredBox] = []
    for candidate in candidates:
        if not any(overlaps(network.options.nms, k.box, candidate.box) for k in kept):
            kept.append(candidate)
    return kept
