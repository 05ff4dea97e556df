"""Whether a face seen at a kiosk becomes an IN, an OUT, or nothing.

Two different guards, applied in this order:

1. Dedupe window (`dedupe_window_s`): a person standing in front of a kiosk is seen many
   times a second. Any look less than `dedupe_window_s` after the person's last recorded
   event (any direction, any device, even across a day boundary) is a DUPLICATE: it is
   dropped entirely and the kiosk stays silent.
2. Minimum stay (`min_in_to_out_s`): a look after the dedupe window but less than
   `min_in_to_out_s` after the person checked IN is not an OUT (people come back to the
   kiosk to make sure it worked). The outcome is ALREADY_IN: nothing is recorded and the
   kiosk can say "already checked in at 08:55". It only guards toggling kiosks; a device
   with a fixed direction is trusted.

Toggling: on a kiosk without a fixed direction, the first event of a person's attendance day
is IN, the next OUT, then IN again. Events from earlier attendance days do not count, so a
new day always starts with IN (a forgotten check-out does not turn today's arrival into an
OUT). Where night shifts cross midnight, set `day_start` to a quiet hour (e.g. 12:00) so the
morning check-out belongs to the evening's check-in; see `days.attendance_day`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from muster.domain.attendance import AttendanceEvent, Direction, ensure_utc, load_zone
from muster.domain.rules.days import MIDNIGHT, attendance_day


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectionPolicy:
    """dedupe_window_s: looks closer than this to the last event are dropped (0 disables).
    min_in_to_out_s: an IN cannot be followed by a toggled OUT sooner than this (0 disables).
    day_start: local wall-clock time at which an attendance day begins (default midnight).
    """

    dedupe_window_s: int = 60
    min_in_to_out_s: int = 600
    day_start: time = MIDNIGHT

    def __post_init__(self) -> None:
        if self.dedupe_window_s < 0 or self.min_in_to_out_s < 0:
            raise ValueError("dedupe_window_s and min_in_to_out_s must be >= 0")
        if self.day_start.tzinfo is not None:
            raise ValueError("day_start is a local wall-clock time: give it no tzinfo")


class Outcome(StrEnum):
    RECORD = "record"
    """Record a new event with `Decision.direction`."""
    DUPLICATE = "duplicate"
    """Within the dedupe window of `Decision.previous`: drop silently."""
    ALREADY_IN = "already_in"
    """Checked in (`Decision.previous`) too recently for an OUT: record nothing."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one look. `direction` is set exactly when outcome is RECORD;
    `previous` is the person's last event at or before the look, if any."""

    outcome: Outcome
    direction: Direction | None
    previous: AttendanceEvent | None


def decide_direction(
    history: Iterable[AttendanceEvent],
    at: datetime,
    *,
    timezone: str,
    policy: DirectionPolicy,
    fixed_direction: Direction | None = None,
) -> Decision:
    """Decide the look at instant `at` on a device in IANA zone `timezone`.

    `history` is this person's recorded events (any order, any days; events after `at`
    are ignored, so replaying an offline kiosk's backlog in time order gives the same
    answers). `fixed_direction` is set for a device that only checks in (or only out).
    Raises ValueError when `history` mixes people or `at` is naive.
    """
    at = ensure_utc(at, "at")
    earlier = [event for event in history if event.at <= at]
    if len({event.person_id for event in earlier}) > 1:
        raise ValueError("history must hold the events of one person")
    previous = max(earlier, key=lambda event: event.at, default=None)
    if previous is None:
        return Decision(Outcome.RECORD, fixed_direction or Direction.IN, None)
    since_previous_s = (at - previous.at).total_seconds()
    if since_previous_s < policy.dedupe_window_s:
        return Decision(Outcome.DUPLICATE, None, previous)
    if fixed_direction is not None:
        return Decision(Outcome.RECORD, fixed_direction, previous)
    zone = load_zone(timezone)
    same_day = attendance_day(previous.at, zone, policy.day_start) == attendance_day(
        at, zone, policy.day_start
    )
    if not same_day or previous.direction is Direction.OUT:
        return Decision(Outcome.RECORD, Direction.IN, previous)
    if since_previous_s < policy.min_in_to_out_s:
        return Decision(Outcome.ALREADY_IN, None, previous)
    return Decision(Outcome.RECORD, Direction.OUT, previous)
