"""Did a load of check-ins record exactly the events it should? Counted in the database.

The expectation comes from what was sent (`kiosk_load.Visit`s), by the domain's own rules
(`decide_direction`: dedupe window, in/out toggling, minimum stay): every visit with a look
that was delivered is one look at the person, whichever of its requests the server decided
first, because a visit's looks lie within `SECOND_LOOK_AFTER_S` of each other, far inside
the dedupe window. The rows are read straight from the attendance_events table (SQL through
the table definition, not through the servers or the repositories).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from muster.config import AttendanceSettings
from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.domain.rules.direction import DirectionPolicy, Outcome, decide_direction
from muster.storage import Database
from muster.storage.tables import EventRow

from .kiosk_load import Visit


@dataclass(frozen=True)
class ExpectedEvent:
    """One event the person's visit must have recorded, at one of `at_choices` (the
    capture times of the visit's delivered looks)."""

    person_id: int
    direction: Direction
    at_choices: frozenset[datetime]


@dataclass(frozen=True)
class StoredEvent:
    id: int
    person_id: int
    direction: Direction
    at: datetime
    device_id: int | None
    idempotency_key: str | None


@dataclass(frozen=True)
class Audit:
    """expected / found: events that should exist, rows that do.
    lost: expected events with no row.
    doubled: rows repeating an earlier row's (device, idempotency key), or less than the
        dedupe window after the same person's previous row.
    unexpected: other rows that match no expected event (say, recorded on a look that was
        'already checked in').
    wrong_direction: rows of an expected event with the other direction."""

    expected: int
    found: int
    lost: int
    doubled: int
    unexpected: int
    wrong_direction: int

    @property
    def consistent(self) -> bool:
        return self.lost == self.doubled == self.unexpected == self.wrong_direction == 0


def policy_of(settings: AttendanceSettings) -> DirectionPolicy:
    """The direction rules a server with these settings applies."""
    return DirectionPolicy(
        dedupe_window_s=settings.dedupe_window_s,
        min_in_to_out_s=settings.min_in_to_out_s,
        day_start=settings.day_start,
    )


def expected_events(
    rounds: Sequence[Sequence[Visit]],
    policy: DirectionPolicy,
    timezone: str,
    undelivered: Collection[str] = (),
) -> list[ExpectedEvent]:
    """The events `rounds` must record, by the domain rules, for people with no earlier
    event that day (or a last one that is an OUT) and kiosks in `timezone`; looks whose key
    is in `undelivered` never reached a decision and count for nothing."""
    history: dict[int, list[AttendanceEvent]] = defaultdict(list)
    expected: list[ExpectedEvent] = []
    for visits in rounds:
        for visit in visits:
            times = frozenset(
                look.captured_at for look in visit.looks if look.key not in undelivered
            )
            if not times:
                continue
            person_id = visit.subject.person_id
            decision = decide_direction(
                history[person_id], min(times), timezone=timezone, policy=policy
            )
            if decision.outcome is not Outcome.RECORD or decision.direction is None:
                continue
            history[person_id].append(
                AttendanceEvent(
                    id=None,
                    person_id=person_id,
                    direction=decision.direction,
                    at=min(times),
                    source=EventSource.KIOSK,
                )
            )
            expected.append(ExpectedEvent(person_id, decision.direction, times))
    return expected


def stored_events(database_url: str, since: datetime, until: datetime) -> list[StoredEvent]:
    """The rows of attendance_events with since <= at < until, by person, time and id."""
    query = (
        select(
            EventRow.id,
            EventRow.person_id,
            EventRow.direction,
            EventRow.at,
            EventRow.device_id,
            EventRow.idempotency_key,
        )
        .where(EventRow.at >= since, EventRow.at < until)
        .order_by(EventRow.person_id, EventRow.at, EventRow.id)
    )
    with Database(database_url) as database, database.read() as session:
        return [StoredEvent(*row) for row in session.execute(query)]


def audit(
    expected: Sequence[ExpectedEvent], stored: Sequence[StoredEvent], dedupe_window_s: float
) -> Audit:
    """Compares the rows with the expected events (see `Audit`)."""
    doubled = _doubled(stored, timedelta(seconds=dedupe_window_s))
    by_person_and_time: dict[tuple[int, datetime], list[StoredEvent]] = defaultdict(list)
    for row in stored:
        by_person_and_time[row.person_id, row.at].append(row)
    matched: set[int] = set()
    lost = wrong_direction = 0
    for event in expected:
        rows = [
            row
            for at in sorted(event.at_choices)
            for row in by_person_and_time[event.person_id, at]
        ]
        if not rows:
            lost += 1
            continue
        matched.update(row.id for row in rows)
        wrong_direction += sum(row.direction is not event.direction for row in rows)
    unexpected = sum(row.id not in matched and row.id not in doubled for row in stored)
    return Audit(
        expected=len(expected),
        found=len(stored),
        lost=lost,
        doubled=len(doubled),
        unexpected=unexpected,
        wrong_direction=wrong_direction,
    )


def _doubled(stored: Sequence[StoredEvent], window: timedelta) -> set[int]:
    """Ids of rows that repeat a (device, key) or follow the person's previous row within
    `window` (`stored` ordered by person, time, id)."""
    doubled: set[int] = set()
    keys: set[tuple[int | None, str]] = set()
    previous: StoredEvent | None = None
    for row in stored:
        if row.idempotency_key is not None:
            key = (row.device_id, row.idempotency_key)
            if key in keys:
                doubled.add(row.id)
            keys.add(key)
        if (
            previous is not None
            and previous.person_id == row.person_id
            and row.at - previous.at < window
        ):
            doubled.add(row.id)
        previous = row
    return doubled
