"""Box geometry around the detectors: clipping, dlib's inclusive rectangles, downscaling.
Real: numpy, Pillow and dlib's rectangle type; no model is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from muster.domain.faces import Box
from muster.vision.detect import box_from_dlib, box_to_dlib, clip_box, downscale


def test_box_inside_the_image_is_unchanged() -> None:
    assert clip_box(Box(10, 20, 30, 40), width_px=100, height_px=100) == Box(10, 20, 30, 40)


def test_box_over_the_edges_is_cut_to_the_image() -> None:
    assert clip_box(Box(-5, -8, 120, 90), width_px=100, height_px=80) == Box(0, 0, 100, 80)


def test_box_outside_the_image_is_dropped() -> None:
    assert clip_box(Box(110, 10, 150, 40), width_px=100, height_px=100) is None


def test_dlib_rectangles_include_their_last_pixel_and_boxes_do_not() -> None:
    box = Box(10, 20, 30, 40)
    rect = box_to_dlib(box)
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (10, 20, 29, 39)
    assert rect.width() == box.width
    assert box_from_dlib(rect) == box


def test_small_image_is_not_downscaled() -> None:
    image = np.zeros((200, 300, 3), dtype=np.uint8)
    small, to_original = downscale(image, max_side_px=300)
    assert small is image
    assert to_original == 1.0


def test_large_image_is_downscaled_to_the_limit_keeping_its_aspect() -> None:
    image = np.zeros((1000, 2000, 3), dtype=np.uint8)
    small, to_original = downscale(image, max_side_px=500)
    assert small.shape == (250, 500, 3)
    assert small.dtype == np.uint8
    assert to_original == pytest.approx(4.0)
