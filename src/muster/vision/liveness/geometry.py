"""Where a flat picture and a head part ways: the shape of the 5 landmarks that no plane's
motion can change.

A picture moved in front of a camera (a print, or a still on a screen) is a plane; seen by a
camera whose distance is large against the face, every view of a plane is an affine image of
every other. The eye corners of the 5-point model are nearly collinear, so an affine map can
put the base of the nose anywhere: shearing a picture (tilting it about a diagonal axis)
shifts the nose sideways as a head turn does, and tilting it back shortens the nose as a nod
does. Predicting the nose from a plane through the eye corners is therefore ill-posed, and
the yaw and pitch of `muster.vision.quality` alone cannot tell a picture from a head.

What an affine map cannot change are the coordinates of the eye corners in the face's own
affine frame (origin midway between the eye centres, one axis to the image-right eye centre,
the other to the nose base). A head changes them because its outer eye corners sit behind
the inner ones: turning it widens the eye on the side it turns away from and narrows the
other (`eye_asymmetry`), and nodding moves the outer corners across the eye line against
the inner ones (`eye_bend`). Both are small (dlib's 5-point landmarks place the outer
corners only about 0.05 interocular distances behind the inner ones), so they are judged
over several frames (`muster.vision.liveness.active`).

Landmarks are in dlib's 5-point order (see `muster.vision.landmarks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from muster.domain.faces import Point
from muster.vision.quality import NOSE_DROP_PER_INTEROCULAR, FloatArray


@dataclass(frozen=True, slots=True)
class FaceShape:
    """The affine-invariant part of one face's 5 landmarks, in interocular distances.

    `eye_asymmetry`: half the difference of the eye widths (image-left eye minus
    image-right eye) along the eye line; it grows as the person turns to their left (positive
    yaw in `muster.vision.quality`). `eye_bend`: how far the outer eye corners sit below
    the inner ones across the eye line (measured along the nose direction and scaled by the
    average nose drop); it grows as the chin rises. A plane keeps both constant.
    """

    eye_asymmetry: float
    eye_bend: float


def face_shape(five: Sequence[Point]) -> FaceShape:
    """The `FaceShape` of one face's 5 landmarks; raises ValueError when they are not 5
    points or the nose base lies on the eye line (no affine frame)."""
    if len(five) != 5:
        raise ValueError(f"expected the 5 landmarks of dlib's 5-point model, got {len(five)}")
    points = np.array([[p.x, p.y] for p in five], dtype=np.float64)
    corners = _affine_coordinates(points)
    right_half_width = (corners[0, 0] - corners[1, 0]) / 2
    left_half_width = (corners[3, 0] - corners[2, 0]) / 2
    outer_minus_inner = (corners[0, 1] + corners[2, 1] - corners[1, 1] - corners[3, 1]) / 2
    return FaceShape(
        eye_asymmetry=float(left_half_width - right_half_width) / 2,
        eye_bend=float(outer_minus_inner) * NOSE_DROP_PER_INTEROCULAR,
    )


def _affine_coordinates(points: FloatArray) -> FloatArray:
    """The 4 eye corners in the frame (origin: midpoint of the eye centres; axes: to the
    image-right eye centre scaled so the centres are 1 apart, and to the nose base)."""
    right_eye = points[0:2].mean(axis=0)
    left_eye = points[2:4].mean(axis=0)
    middle = (right_eye + left_eye) / 2
    basis = np.column_stack([right_eye - left_eye, points[4] - middle])
    if abs(float(np.linalg.det(basis))) < 1e-9 * float(np.sum(basis**2)):
        raise ValueError("the nose base lies on the eye line; these are not face landmarks")
    coordinates: FloatArray = np.linalg.solve(basis, (points[:4] - middle).T).T
    return coordinates
