"""A person's stays on site: IN events paired with the OUT that ends them.

Pairing, in time order (ties broken by event id): an IN opens a stay when none is open; an
IN while a stay is open is a repeat and is ignored (the stay keeps its earliest IN); an OUT
closes the open stay; an OUT with no open stay is ignored (we cannot tell when that person
arrived). Only the last stay can be left open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from muster.domain.attendance import AttendanceEvent, Direction


@dataclass(frozen=True, slots=True)
class Stay:
    arrived: AttendanceEvent
    left: AttendanceEvent | None
    """None while the person has not checked out."""


def _order(event: AttendanceEvent) -> tuple[float, int]:
    return (event.at.timestamp(), -1 if event.id is None else event.id)


def pair_stays(events: Iterable[AttendanceEvent]) -> list[Stay]:
    """The stays of one person's `events`, earliest first."""
    stays: list[Stay] = []
    open_in: AttendanceEvent | None = None
    for event in sorted(events, key=_order):
        if event.direction is Direction.IN and open_in is None:
            open_in = event
        elif event.direction is Direction.OUT and open_in is not None:
            stays.append(Stay(open_in, event))
            open_in = None
    if open_in is not None:
        stays.append(Stay(open_in, None))
    return stays
