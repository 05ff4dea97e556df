"""The pure tracking rules (`muster.domain.tracking`) on synthetic boxes and answers: IoU,
track ids across frames, when a track is embedded, and the k-of-n quality-weighted vote.
Nothing real but the code under test."""

from __future__ import annotations

import pytest

from muster.domain.faces import Box
from muster.domain.tracking import (
    FusionPolicy,
    IouTracker,
    Observation,
    TrackerPolicy,
    TrackEvidence,
    TrackState,
    iou,
)

FACE = Box(100, 100, 200, 200)
OTHER_FACE = Box(400, 100, 500, 200)
ALICE = 1
BOB = 2


def moved(box: Box, dx: int) -> Box:
    return Box(box.left + dx, box.top, box.right + dx, box.bottom)


def sure(person_id: int | None, weight: float = 1.0) -> Observation:
    return Observation(person_id=person_id, weight=weight, similarity=0.95)


def test_iou_of_equal_boxes_is_one_and_of_disjoint_boxes_zero() -> None:
    assert iou(FACE, FACE) == 1.0
    assert iou(FACE, OTHER_FACE) == 0.0


def test_iou_of_half_overlapping_boxes_is_a_third() -> None:
    assert iou(FACE, moved(FACE, 50)) == pytest.approx(1 / 3)


def test_a_face_that_moves_a_little_keeps_its_track_id() -> None:
    tracker = IouTracker(TrackerPolicy())

    first = tracker.update([FACE])
    second = tracker.update([moved(FACE, 10)])

    assert first == second == [1]


def test_two_faces_keep_their_own_ids_whatever_order_the_detector_gives() -> None:
    tracker = IouTracker(TrackerPolicy())

    first = tracker.update([FACE, OTHER_FACE])
    swapped = tracker.update([moved(OTHER_FACE, 5), moved(FACE, -5)])

    assert first == [1, 2]
    assert swapped == [2, 1]


def test_a_face_that_jumps_away_starts_a_new_track() -> None:
    tracker = IouTracker(TrackerPolicy(min_iou=0.3))
    tracker.update([FACE])

    assert tracker.update([moved(FACE, 80)]) == [2]


def test_a_track_survives_missed_frames_and_ends_after_too_many() -> None:
    tracker = IouTracker(TrackerPolicy(max_missed_frames=2))
    tracker.update([FACE])
    tracker.update([])
    tracker.update([])

    assert tracker.update([FACE]) == [1]
    for _ in range(2):
        tracker.update([])
        assert tracker.ended == []
    tracker.update([])
    assert tracker.ended == [1]
    assert tracker.update([FACE]) == [2]


def test_track_ids_are_never_reused() -> None:
    tracker = IouTracker(TrackerPolicy(max_missed_frames=0))
    seen = [tracker.update([moved(FACE, 300 * (i % 2))])[0] for i in range(4)]

    assert seen == [1, 2, 3, 4]


def test_a_new_track_wants_an_embedding_then_only_every_few_frames() -> None:
    evidence = TrackEvidence(FusionPolicy(embed_every_frames=3))

    assert evidence.wants_embedding(1, FACE)
    evidence.add(1, FACE, sure(ALICE))
    assert not evidence.wants_embedding(2, FACE)
    assert not evidence.wants_embedding(3, FACE)
    assert evidence.wants_embedding(4, FACE)


def test_a_face_that_grows_is_embedded_again_at_once() -> None:
    evidence = TrackEvidence(FusionPolicy(embed_every_frames=10, min_growth=1.25))
    evidence.add(1, FACE, sure(None))

    assert not evidence.wants_embedding(2, Box(100, 100, 220, 220))
    assert evidence.wants_embedding(2, Box(100, 100, 230, 230))


def test_k_agreeing_answers_recognise_the_person_once() -> None:
    evidence = TrackEvidence(FusionPolicy(window=5, votes_needed=3))

    made = [evidence.add(frame, FACE, sure(ALICE)) for frame in (1, 2, 3, 4)]

    assert made == [False, False, True, False]
    assert evidence.state is TrackState.RECOGNISED
    assert evidence.person_id == ALICE
    assert not evidence.wants_embedding(10, FACE)


def test_answers_before_k_agree_leave_the_track_deciding() -> None:
    evidence = TrackEvidence(FusionPolicy(window=5, votes_needed=3))

    for frame, person in enumerate((ALICE, BOB, ALICE, BOB), start=1):
        evidence.add(frame, FACE, sure(person))

    assert evidence.state is TrackState.DECIDING
    assert evidence.person_id is None


def test_old_answers_fall_out_of_the_window() -> None:
    evidence = TrackEvidence(FusionPolicy(window=3, votes_needed=3))

    for frame, person in enumerate((ALICE, ALICE, BOB, BOB, BOB), start=1):
        evidence.add(frame, FACE, sure(person))

    assert evidence.person_id == BOB


def test_k_answers_of_nobody_make_the_track_unknown_which_may_still_be_recognised() -> None:
    evidence = TrackEvidence(FusionPolicy(window=3, votes_needed=2))
    evidence.add(1, FACE, sure(None))
    evidence.add(2, FACE, sure(None))

    assert evidence.state is TrackState.UNKNOWN
    assert evidence.wants_embedding(10, FACE)
    evidence.add(10, FACE, sure(ALICE))
    assert evidence.add(13, FACE, sure(ALICE))
    assert evidence.person_id == ALICE


def test_low_quality_answers_cannot_outvote_fewer_sharp_ones() -> None:
    evidence = TrackEvidence(FusionPolicy(window=5, votes_needed=2))
    answers = [sure(BOB, 0.1), sure(ALICE, 1.0), sure(BOB, 0.1), sure(ALICE, 1.0)]

    decided = [evidence.add(frame, FACE, a) for frame, a in enumerate(answers, start=1)]

    assert decided == [False, False, False, True]
    assert evidence.person_id == ALICE


def test_unusable_embeddings_are_no_evidence() -> None:
    evidence = TrackEvidence(FusionPolicy(window=3, votes_needed=1))

    assert not evidence.add(1, FACE, None)
    assert evidence.state is TrackState.TRACKING


def test_a_policy_needing_more_votes_than_its_window_is_refused() -> None:
    with pytest.raises(ValueError, match="votes_needed"):
        FusionPolicy(window=3, votes_needed=4)
