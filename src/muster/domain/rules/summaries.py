"""Counts and rates over register entries, per person or for a whole group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from muster.domain.attendance import RegisterEntry, RegisterStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendanceSummary:
    """Counts of final statuses (after corrections) over some register entries.

    sessions: number of entries (one person at one session each);
        sessions == present + late + absent + excused.
    attendance_rate: (present + late) / (sessions - excused), in 0..1; excused sessions are
        left out of both sides. None when every session was excused (or there were none).
    mean_late_delay_s: mean arrival_delay_s over LATE entries that have one (a LATE set by a
        correction without an arrival has none); None when there are no such entries.
    """

    sessions: int
    present: int
    late: int
    absent: int
    excused: int
    attendance_rate: float | None
    mean_late_delay_s: float | None


def summarise(entries: Iterable[RegisterEntry]) -> AttendanceSummary:
    """One summary over all `entries` (a group over a date range: pass all its entries)."""
    counts = dict.fromkeys(RegisterStatus, 0)
    late_delays_s: list[int] = []
    for entry in entries:
        counts[entry.status] += 1
        if entry.status is RegisterStatus.LATE and entry.arrival_delay_s is not None:
            late_delays_s.append(entry.arrival_delay_s)
    sessions = sum(counts.values())
    attended = counts[RegisterStatus.PRESENT] + counts[RegisterStatus.LATE]
    expected = sessions - counts[RegisterStatus.EXCUSED]
    return AttendanceSummary(
        sessions=sessions,
        present=counts[RegisterStatus.PRESENT],
        late=counts[RegisterStatus.LATE],
        absent=counts[RegisterStatus.ABSENT],
        excused=counts[RegisterStatus.EXCUSED],
        attendance_rate=attended / expected if expected else None,
        mean_late_delay_s=sum(late_delays_s) / len(late_delays_s) if late_delays_s else None,
    )


def summarise_by_person(entries: Iterable[RegisterEntry]) -> dict[int, AttendanceSummary]:
    """One summary per person_id, in order of each person's first entry."""
    by_person: defaultdict[int, list[RegisterEntry]] = defaultdict(list)
    for entry in entries:
        by_person[entry.person_id].append(entry)
    return {person_id: summarise(own) for person_id, own in by_person.items()}
