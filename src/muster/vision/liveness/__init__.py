"""Liveness checks on pixels and landmarks: the active challenge and stream-motion judge
(`active`), and the passive per-frame detector (`passive`)."""

from muster.vision.liveness.active import judge_challenge, judge_motion
from muster.vision.liveness.passive import PassiveLivenessDetector

__all__ = ["PassiveLivenessDetector", "judge_challenge", "judge_motion"]
