"""Wrong guesses counted per source, so that short secrets (PINs, pairing codes) cannot be
brute-forced through the API.

The count lives in this process: a restart forgets it, which gives a guesser one more window
at most. That is enough for the single-process deployment; replicas each count on their own.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from muster.domain.errors import TooManyAttemptsError


class FailureLimiter:
    """At most `max_failures` wrong attempts per key (a device, a client address) within the
    last `window_s` seconds; then every attempt from that key is refused, right or wrong,
    until the oldest failure leaves the window. A right attempt does not reset the count (a
    guesser who knows one PIN could otherwise keep guessing the others). Thread-safe."""

    def __init__(
        self,
        *,
        max_failures: int,
        window_s: float,
        what: str,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if max_failures < 1 or window_s <= 0:
            raise ValueError("max_failures must be >= 1 and window_s > 0")
        self._max_failures = max_failures
        self._window_s = window_s
        self._what = what
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Raises TooManyAttemptsError while `key` has no tries left."""
        with self._lock:
            recent = self._recent(key)
            if len(recent) >= self._max_failures:
                wait_s = int(recent[0] + self._window_s - self._clock()) + 1
                raise TooManyAttemptsError(
                    f"too many wrong {self._what} from here; try again in {wait_s} s"
                )

    def failed(self, key: str) -> int:
        """Counts one wrong attempt by `key`; returns the tries it has left."""
        with self._lock:
            if key not in self._failures and len(self._failures) >= self._max_keys:
                self._forget_idle()
            self._failures.setdefault(key, deque())
            recent = self._recent(key)
            recent.append(self._clock())
            return max(0, self._max_failures - len(recent))

    def _recent(self, key: str) -> deque[float]:
        """The failures of `key` still in the window (older ones dropped)."""
        recent = self._failures.get(key, deque())
        oldest_s = self._clock() - self._window_s
        while recent and recent[0] <= oldest_s:
            recent.popleft()
        return recent

    def _forget_idle(self) -> None:
        """Drops keys with no failure left in the window (bounds memory under a flood of
        sources); if every key is still active, the oldest-failing one goes."""
        for key in list(self._failures):
            if not self._recent(key):
                del self._failures[key]
        if len(self._failures) >= self._max_keys:
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]
