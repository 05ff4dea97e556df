"""Kiosk traffic against real replicas, as the kiosk sends it (web/static/js/kiosk.js): a
multipart POST /checkins with the frame, `captured_at` and an Idempotency-Key, under the
kiosk's own device key; a request that got no answer, or a 5xx/429/408, is sent again with
the same key (the kiosk's offline queue), any other refusal is dropped.

A workload is a list of rounds; in each round every subject visits once, at one capture time
per round (the rounds are far enough apart for the dedupe window and the minimum stay to
decide them, see `ROUND_OFFSETS_S`). A person's visits run in round order (so their looks
reach the server in capture order, and the in/out toggling is predictable); the visits of
different people run on `clients` threads at once, and every request goes to the next
replica in turn, as a round-robin load balancer sends it. A visit follows one `Pattern`,
which is where the retries and the cross-replica duplicates come from.
"""

from __future__ import annotations

import itertools
import queue
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import httpx

ROUND_OFFSETS_S = (0, 120, 800)
"""Capture times of the rounds, in seconds after the first: with the default settings
(dedupe 60 s, minimum stay 600 s) a check-in, then a look that is 'already checked in', then
a check-out. Ending on a check-out lets the next workload on the same day start with an IN."""
SECOND_LOOK_AFTER_S = 2.0
"""How much later the second kiosk of a TWO_KIOSKS visit captures its frame."""
MAX_ATTEMPTS = 5
RETRY_PAUSE_S = 0.2
RETRIED_STATUSES = frozenset({408, 429})
"""With every 5xx: what the kiosk's api.js calls transient and its queue sends again."""
TRANSPORT_ERROR = "transport"


class Pattern(StrEnum):
    ONCE = "once"
    """One request."""
    RETRY = "retry"
    """The answer was lost: the same request (same key) again after the first answer."""
    RACING_RETRY = "racing_retry"
    """The kiosk gave up early: the same request again while the first is in flight."""
    TWO_KIOSKS = "two_kiosks"
    """Two kiosks see the person at once (own keys, `SECOND_LOOK_AFTER_S` apart)."""


@dataclass(frozen=True)
class Kiosk:
    device_id: int
    token: str


@dataclass(frozen=True)
class Subject:
    """An enrolled person and a probe photo the server recognises as them."""

    person_id: int
    probe: bytes


@dataclass(frozen=True)
class Look:
    """One check-in request: one frame from one kiosk, with its key and capture time."""

    subject: Subject
    kiosk: Kiosk
    key: str
    captured_at: datetime


@dataclass(frozen=True)
class Visit:
    """A person in front of the kiosks once: `waves` are sent one after another, the looks
    of one wave at the same time."""

    subject: Subject
    pattern: Pattern
    waves: tuple[tuple[Look, ...], ...]

    @property
    def looks(self) -> list[Look]:
        """The distinct looks (a retry repeats one)."""
        return list({look.key: look for wave in self.waves for look in wave}.values())


def plan(
    subjects: Sequence[Subject],
    kiosks: Sequence[Kiosk],
    first_round_at: datetime,
    seed: int,
    offsets_s: Sequence[int] = ROUND_OFFSETS_S,
) -> list[list[Visit]]:
    """Rounds of visits (one per subject per round), the patterns in equal shares; the
    same `seed` gives the same patterns and kiosks (never the same keys)."""
    if len(kiosks) < 2:
        raise ValueError("TWO_KIOSKS visits need at least two kiosks")
    rng = random.Random(seed)
    patterns = list(itertools.islice(itertools.cycle(Pattern), len(subjects)))
    rounds: list[list[Visit]] = []
    for offset_s in offsets_s:
        rng.shuffle(patterns)
        at = first_round_at + timedelta(seconds=offset_s)
        visits = [
            _visit(subject, pattern, rng.sample(list(kiosks), 2), at)
            for subject, pattern in zip(subjects, patterns, strict=True)
        ]
        rng.shuffle(visits)
        rounds.append(visits)
    return rounds


def _visit(subject: Subject, pattern: Pattern, kiosks: list[Kiosk], at: datetime) -> Visit:
    first = Look(subject, kiosks[0], uuid.uuid4().hex, at)
    waves: tuple[tuple[Look, ...], ...]
    if pattern is Pattern.ONCE:
        waves = ((first,),)
    elif pattern is Pattern.RETRY:
        waves = ((first,), (first,))
    elif pattern is Pattern.RACING_RETRY:
        waves = ((first, first),)
    else:
        second_at = at + timedelta(seconds=SECOND_LOOK_AFTER_S)
        waves = ((first, Look(subject, kiosks[1], uuid.uuid4().hex, second_at)),)
    return Visit(subject, pattern, waves)


@dataclass
class Traffic:
    """What the clients saw: `latencies_s` of every request answered (any status),
    `statuses` by HTTP status or TRANSPORT_ERROR, the looks never answered 200 after
    MAX_ATTEMPTS (`undelivered`, by key), and the wall time of all rounds."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    undelivered: set[str] = field(default_factory=set)
    wall_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def answered_ok(self) -> int:
        return self.statuses["200"]

    @property
    def errors(self) -> dict[str, int]:
        return {status: n for status, n in sorted(self.statuses.items()) if status != "200"}

    def record(self, status: str, latency_s: float | None) -> None:
        with self._lock:
            self.statuses[status] += 1
            if latency_s is not None:
                self.latencies_s.append(latency_s)

    def give_up(self, look: Look) -> None:
        with self._lock:
            self.undelivered.add(look.key)


class _RoundRobin:
    """The replicas in turn, across all client threads."""

    def __init__(self, base_urls: Sequence[str]) -> None:
        self._base_urls = list(base_urls)
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def take(self, count: int) -> list[str]:
        """The next `count` turns at once: with two replicas, the requests of one visit
        alternate between them, so its retries and duplicates always cross processes."""
        with self._lock:
            turns = [next(self._turn) for _ in range(count)]
        return [self._base_urls[turn % len(self._base_urls)] for turn in turns]


def drive(base_urls: Sequence[str], rounds: Sequence[Sequence[Visit]], clients: int) -> Traffic:
    """Sends `rounds` on `clients` threads against `base_urls`: a person's visit of one
    round starts once their visit of the round before is answered, other visits do not
    wait (so no client idles at the end of a round)."""
    traffic = Traffic()
    balancer = _RoundRobin(base_urls)
    chains = _by_person(rounds)
    submitted: queue.SimpleQueue[Future[None]] = queue.SimpleQueue()
    started = time.perf_counter()
    # The second look of a wave runs on a partner thread, as a second kiosk (or the same
    # kiosk's second attempt) would send it: `clients` more threads at most.
    with (
        _http_clients() as http,
        ThreadPoolExecutor(clients, thread_name_prefix="kiosk") as pool,
        ThreadPoolExecutor(clients, thread_name_prefix="partner") as partners,
    ):

        def send(chain: list[Visit], index: int) -> None:
            visit = chain[index]
            targets = iter(balancer.take(sum(len(wave) for wave in visit.waves)))
            for first, *others in visit.waves:
                sending = [
                    partners.submit(_deliver, http, next(targets), balancer, look, traffic)
                    for look in others
                ]
                _deliver(http, next(targets), balancer, first, traffic)
                for other in sending:
                    other.result()
            if index + 1 < len(chain):
                submitted.put(pool.submit(send, chain, index + 1))

        for chain in chains:
            submitted.put(pool.submit(send, chain, 0))
        for _ in range(sum(len(chain) for chain in chains)):
            submitted.get().result()
    traffic.wall_s = time.perf_counter() - started
    return traffic


def _by_person(rounds: Sequence[Sequence[Visit]]) -> list[list[Visit]]:
    """Each person's visits in round order, the people in the order of the first round."""
    chains: dict[int, list[Visit]] = {}
    for visits in rounds:
        for visit in visits:
            chains.setdefault(visit.subject.person_id, []).append(visit)
    return list(chains.values())


@contextmanager
def _http_clients() -> Iterator[httpx.Client]:
    """One connection pool shared by every thread (httpx.Client is thread-safe), sized so
    that no request waits for a connection."""
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    with httpx.Client(timeout=120.0, limits=limits) as client:
        yield client


def _deliver(
    http: httpx.Client, base_url: str, balancer: _RoundRobin, look: Look, traffic: Traffic
) -> None:
    """Posts `look` to `base_url` until it is answered 200 or refused for good, as the kiosk
    does; an attempt after a failure goes to the balancer's next replica."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSE_S)
            (base_url,) = balancer.take(1)
        started = time.perf_counter()
        try:
            response = http.post(
                f"{base_url}/checkins",
                files={"image": ("frame.jpg", look.subject.probe, "image/jpeg")},
                data={"captured_at": look.captured_at.isoformat(timespec="milliseconds")},
                headers={
                    "Authorization": f"Bearer {look.kiosk.token}",
                    "Idempotency-Key": look.key,
                },
            )
        except httpx.TransportError:
            traffic.record(TRANSPORT_ERROR, None)
            continue
        traffic.record(str(response.status_code), time.perf_counter() - started)
        if response.status_code == 200:
            return
        if response.status_code < 500 and response.status_code not in RETRIED_STATUSES:
            break
    traffic.give_up(look)
