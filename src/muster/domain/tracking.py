"""Following faces across video frames, and deciding who a followed face is.

Pure rules, no I/O: `IouTracker` gives each face box a track id that stays the same while
the face moves a little from frame to frame; `TrackEvidence` collects the per-embedding
open-set answers of one track and decides its identity only when the same answer comes
back often enough (k of the last n, weighted by face quality), because a single frame of
video is often blurred or turned and one wrong match would record a wrong check-in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from muster.domain.faces import Box


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes, 0 (disjoint) .. 1 (equal)."""
    overlap_w = min(a.right, b.right) - max(a.left, b.left)
    overlap_h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if overlap_w <= 0 or overlap_h <= 0:
        return 0.0
    overlap = overlap_w * overlap_h
    union = a.width * a.height + b.width * b.height - overlap
    return overlap / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerPolicy:
    """min_iou: a box continues a track when it overlaps the track's last box at least this
    much. max_missed_frames: a track ends after this many processed frames without a box."""

    min_iou: float = 0.3
    max_missed_frames: int = 10

    def __post_init__(self) -> None:
        if not 0.0 < self.min_iou <= 1.0:
            raise ValueError(f"min_iou must be in (0, 1], got {self.min_iou}")
        if self.max_missed_frames < 0:
            raise ValueError(f"max_missed_frames must be >= 0, got {self.max_missed_frames}")


@dataclass(slots=True)
class _Track:
    box: Box
    missed_frames: int = 0


class IouTracker:
    """Assigns track ids to the face boxes of successive frames (greedy IoU matching).

    Ids start at 1 and are never reused within one tracker. Not thread-safe: one tracker
    follows one stream.
    """

    def __init__(self, policy: TrackerPolicy) -> None:
        self._policy = policy
        self._tracks: dict[int, _Track] = {}
        self._next_id = 1
        self._ended: list[int] = []

    @property
    def ended(self) -> list[int]:
        """The ids of the tracks the last `update` ended (unseen for too long)."""
        return list(self._ended)

    def update(self, boxes: Sequence[Box]) -> list[int]:
        """The track id of each box of the next frame, in the order of `boxes`. A box that
        continues no track starts a new one; each track takes at most one box."""
        pairs = sorted(
            (
                (iou(track.box, box), track_id, index)
                for track_id, track in self._tracks.items()
                for index, box in enumerate(boxes)
            ),
            reverse=True,
        )
        ids: list[int | None] = [None] * len(boxes)
        taken: set[int] = set()
        for overlap, track_id, index in pairs:
            if overlap < self._policy.min_iou:
                break
            if track_id in taken or ids[index] is not None:
                continue
            taken.add(track_id)
            ids[index] = track_id
        assigned: list[int] = []
        for index, box in enumerate(boxes):
            matched = ids[index]
            if matched is None:
                track_id = self._next_id
                self._next_id += 1
            else:
                track_id = matched
            self._tracks[track_id] = _Track(box)
            taken.add(track_id)
            assigned.append(track_id)
        self._ended = []
        for track_id, track in list(self._tracks.items()):
            if track_id in taken:
                continue
            track.missed_frames += 1
            if track.missed_frames > self._policy.max_missed_frames:
                del self._tracks[track_id]
                self._ended.append(track_id)
        return assigned


class TrackState(StrEnum):
    TRACKING = "tracking"
    """Followed, but no usable embedding yet (too few frames, or too low quality)."""
    DECIDING = "deciding"
    """Some answers are in, not yet k that agree."""
    RECOGNISED = "recognised"
    UNKNOWN = "unknown"
    """k answers agree that the face matches nobody enrolled."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One embedding's open-set answer: `person_id`, or None for "nobody clears the
    threshold"; `weight` 0..1 says how much the face's quality lets it count; `similarity`
    is the best similarity found (None with an empty gallery)."""

    person_id: int | None
    weight: float
    similarity: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FusionPolicy:
    """window: the last n answers of a track that count. votes_needed: k, how many of them
    must name the same person (or nobody) to decide. embed_every_frames: a track still
    undecided is embedded again after this many processed frames, or sooner when its face
    has grown by `min_growth` (a larger face gives a better embedding)."""

    window: int = 5
    votes_needed: int = 3
    embed_every_frames: int = 3
    min_growth: float = 1.25

    def __post_init__(self) -> None:
        if not 1 <= self.votes_needed <= self.window:
            raise ValueError(
                f"votes_needed must be in 1..window ({self.window}), got {self.votes_needed}"
            )
        if self.embed_every_frames < 1:
            raise ValueError(f"embed_every_frames must be >= 1, got {self.embed_every_frames}")
        if self.min_growth < 1.0:
            raise ValueError(f"min_growth must be >= 1, got {self.min_growth}")


class TrackEvidence:
    """The answers collected for one track, and its decision.

    A RECOGNISED track keeps its person for the rest of its life (and needs no more
    embeddings); an UNKNOWN track is still embedded, since a face that comes closer may yet
    be recognised.
    """

    def __init__(self, policy: FusionPolicy) -> None:
        self.policy = policy
        self._answers: deque[Observation] = deque(maxlen=policy.window)
        self._last_embedded_frame: int | None = None
        self._largest_side_px = 0
        self._state = TrackState.TRACKING
        self._person_id: int | None = None
        self._similarity: float | None = None

    @property
    def state(self) -> TrackState:
        return self._state

    @property
    def person_id(self) -> int | None:
        """The decided person (RECOGNISED only)."""
        return self._person_id

    @property
    def similarity(self) -> float | None:
        """The best similarity among the answers behind the current state."""
        return self._similarity

    def wants_embedding(self, frame: int, box: Box) -> bool:
        """Should the face of this track in processed frame `frame` be embedded?"""
        if self._state is TrackState.RECOGNISED:
            return False
        if self._last_embedded_frame is None:
            return True
        side_px = max(box.width, box.height)
        if side_px >= self._largest_side_px * self.policy.min_growth:
            return True
        return frame - self._last_embedded_frame >= self.policy.embed_every_frames

    def add(self, frame: int, box: Box, observation: Observation | None) -> bool:
        """Record the answer for the face embedded in `frame` (None: the embedding was not
        usable, e.g. the face was too small or turned). Returns True when this answer made
        the track RECOGNISED."""
        self._last_embedded_frame = frame
        self._largest_side_px = max(self._largest_side_px, box.width, box.height)
        if observation is None or self._state is TrackState.RECOGNISED:
            return False
        self._answers.append(observation)
        return self._decide()

    def _decide(self) -> bool:
        weights: dict[int | None, float] = {}
        votes: dict[int | None, int] = {}
        for answer in self._answers:
            weights[answer.person_id] = weights.get(answer.person_id, 0.0) + answer.weight
            votes[answer.person_id] = votes.get(answer.person_id, 0) + 1
        leader = max(weights, key=lambda label: weights[label])
        total = sum(weights.values())
        # k agreeing answers that also carry most of the weight: a run of poor frames
        # cannot outvote fewer sharp ones.
        decided = votes[leader] >= self.policy.votes_needed and weights[leader] * 2 > total
        similarities = [a.similarity for a in self._answers if a.person_id == leader]
        self._similarity = max((s for s in similarities if s is not None), default=None)
        if not decided:
            if self._state is TrackState.TRACKING:
                self._state = TrackState.DECIDING
            return False
        if leader is None:
            self._state = TrackState.UNKNOWN
            return False
        self._state = TrackState.RECOGNISED
        self._person_id = leader
        return True
