"""Attendance rules as pure functions over `muster.domain.attendance` values: in/out
toggling and dedupe (`direction`), session windows (`sessions`), register derivation
(`register`) and summaries (`summaries`). No I/O; the clock is always an argument."""

from muster.domain.rules.direction import Decision, DirectionPolicy, Outcome, decide_direction
from muster.domain.rules.register import derive_register, derive_register_range
from muster.domain.rules.sessions import SessionWindow, session_window, session_windows
from muster.domain.rules.summaries import AttendanceSummary, summarise, summarise_by_person

__all__ = [
    "AttendanceSummary",
    "Decision",
    "DirectionPolicy",
    "Outcome",
    "SessionWindow",
    "decide_direction",
    "derive_register",
    "derive_register_range",
    "session_window",
    "session_windows",
    "summarise",
    "summarise_by_person",
]
