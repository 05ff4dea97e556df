"""Liveness (presentation-attack detection): the words shared by the vision checks, the
services that issue and judge challenges, and the API.

Two kinds of evidence:

* **Active**: the kiosk shows a randomised challenge (turn the head left, right, nod) and
  the server judges it from the 5-point landmarks of the frames that followed. A flat photo
  or screen moved in front of the camera moves like a plane (its points follow one
  homography); a turning head does not (its outer eye corners sit behind the inner ones).
* **Passive**: one frame on its own is scored for the signs of common attacks (printed
  photo, phone or tablet replay).

Pure types only: no numpy, dlib or I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChallengeKind(StrEnum):
    """What the person in front of the kiosk is asked to do (left and right are the
    person's own, as the instruction says them, not the image's)."""

    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    NOD = "nod"


class LivenessFailure(StrEnum):
    """Why a liveness check did not pass, one word a client can switch on."""

    NO_FACE = "no_face"  # too few frames had exactly one usable face
    TOO_FEW_FRAMES = "too_few_frames"
    WRONG_MOVEMENT = "wrong_movement"  # the head did not do what was asked (or not enough)
    PLANAR_MOTION = "planar_motion"  # the face moved like a flat picture
    DIFFERENT_FACES = "different_faces"  # the frames do not show one person throughout
    PASSIVE_ATTACK = "passive_attack"  # a frame looks like a print or a screen
    EXPIRED = "expired"  # the challenge was answered too late, or twice


@dataclass(frozen=True, slots=True, kw_only=True)
class ChallengeVerdict:
    """The judgement of one challenge answer.

    `yaw_change_deg` / `pitch_change_deg`: the largest signed change of the head's yaw
    (positive = the person's left) and pitch (positive = down) seen across the frames,
    relative to the first frame. `planar_residual`: how much (in inter-ocular distances) the
    eye corners changed shape the way a head's do and a flat picture's cannot (eye-width
    asymmetry for turns, eye-corner bend for nods; `muster.vision.liveness.geometry`), the
    median over the frames that made the movement (else at the frame of largest movement);
    near 0 for a flat picture, positive for a head.
    """

    kind: ChallengeKind
    passed: bool
    failure: LivenessFailure | None
    yaw_change_deg: float
    pitch_change_deg: float
    planar_residual: float
    frames_used: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PassiveVerdict:
    """The passive score of one face in one frame: `live_score` in [0, 1], higher is more
    likely a live face; `is_live` is `live_score >= ` the configured threshold."""

    live_score: float
    is_live: bool
