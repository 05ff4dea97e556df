"""Local days from UTC instants, with zoneinfo.

An *attendance day* is the local date of an instant after shifting the day's start from
midnight to `day_start` (local wall clock): with day_start 12:00, 06:00 on the 5th still
belongs to the 4th, so a night shift's check-out falls on the same attendance day as its
check-in. With the default midnight it is simply the local date.

Local wall-clock times are turned into instants with fold=0: an ambiguous time (the repeated
hour when clocks go back) is its first occurrence; a time that does not exist (the skipped hour
when clocks go forward) is read with the offset before the change, so it lands that many
minutes after the change (02:30 on a 02:00 -> 03:00 night is 03:30 local).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MIDNIGHT = time(0, 0)


def attendance_day(at: datetime, zone: ZoneInfo, day_start: time = MIDNIGHT) -> date:
    """The local attendance day that the aware instant `at` belongs to."""
    local = at.astimezone(zone)
    # Same-tzinfo arithmetic is wall-clock arithmetic, which is what a day boundary means.
    shifted = local - timedelta(hours=day_start.hour, minutes=day_start.minute)
    return shifted.date()


def local_instant(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `wall_clock` on local `day` in `zone` (fold=0, see module doc)."""
    return datetime.combine(day, wall_clock, tzinfo=zone).astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local `day` begins in `zone`."""
    return local_instant(day, MIDNIGHT, zone)
