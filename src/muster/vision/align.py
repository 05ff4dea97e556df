"""Aligned face chips: the geometry dlib's ResNet recogniser was trained on."""

from __future__ import annotations

from collections.abc import Sequence

import dlib
import numpy as np

from muster.domain.faces import RGBImage

CHIP_SIZE_PX = 150
"""Side of the square chip the ResNet expects."""

CHIP_PADDING = 0.25
"""Margin around the landmark-defined face, as a fraction of its size (dlib's default)."""


def align_faces(
    image: RGBImage,
    shapes: Sequence[dlib.full_object_detection],
    size_px: int = CHIP_SIZE_PX,
    padding: float = CHIP_PADDING,
) -> list[RGBImage]:
    """One upright, scaled chip (size_px x size_px x 3, RGB) per landmark shape, in order.

    Rotation, scale and crop come from the landmarks (dlib.get_face_chips), so the eyes and
    nose land where the recogniser expects them. Do not change size_px or padding for chips
    meant for the dlib ResNet.
    """
    if not shapes:
        return []
    chips = dlib.get_face_chips(image, dlib.full_object_detections(shapes), size_px, padding)
    return [np.ascontiguousarray(chip) for chip in chips]
