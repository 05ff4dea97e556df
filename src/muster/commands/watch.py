"""`muster watch SOURCE --device ID`: recognise people in a video and check them in.

Each check-in is one line on stdout; the processed frame rate and the frames skipped to keep
up with real time go to stderr every stream.report_interval_s. SIGINT or SIGTERM stops it
cleanly after the frame in hand. A stream that drops (or a file that ends, without
--once) is reopened with a doubling wait, up to stream.reconnect_max_s.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

import click

from muster.commands.context import load_settings, open_services
from muster.commands.video_source import FrameFeed, SourceSpec, SourceUnavailableError
from muster.services.streaming import FrameReport, StreamSession

_FIRST_RETRY_S = 0.5


@dataclass(slots=True)
class _Rate:
    """Frames processed and skipped since the last report."""

    report_interval_s: float
    processed: int = 0
    since: float = field(default_factory=time.monotonic)

    def count(self, dropped_total: int) -> None:
        self.processed += 1
        elapsed_s = time.monotonic() - self.since
        if elapsed_s >= self.report_interval_s:
            click.echo(
                f"processed {self.processed} frames in {elapsed_s:.1f} s "
                f"({self.processed / elapsed_s:.1f} fps), {dropped_total} skipped so far",
                err=True,
            )
            self.processed = 0
            self.since = time.monotonic()


@click.command()
@click.argument("source")
@click.option("--device", "device_id", type=int, required=True, help="The camera's device id.")
@click.option("--once", is_flag=True, help="Stop at the end of a file instead of replaying it.")
@click.option(
    "--every-frame",
    is_flag=True,
    help="Files only: process every frame, however long it takes, instead of keeping up "
    "with the file's own frame rate (for offline analysis).",
)
def watch(source: str, device_id: int, once: bool, every_frame: bool) -> None:
    """Watch SOURCE (a video file, an rtsp:// URL, or a camera index such as 0) and check in
    everyone recognised, once per appearance (the dedupe window applies)."""
    spec = SourceSpec.parse(source)
    if every_frame and not spec.is_file:
        raise click.UsageError("--every-frame is for files; a live source must keep up")
    settings = load_settings()
    with _stop_on_signals() as stop, open_services(settings) as services:
        services.start()
        session = services.streaming.open(device_id)
        click.echo(f"watching {spec} as device {device_id}", err=True)
        rate = _Rate(settings.stream.report_interval_s)
        retry_s = _FIRST_RETRY_S
        while not stop.is_set():
            try:
                with FrameFeed(spec, keep_up=not every_frame) as feed:
                    if _follow(feed, session, rate, stop):
                        retry_s = _FIRST_RETRY_S
            except SourceUnavailableError as exc:
                if once:
                    raise click.ClickException(str(exc)) from exc
                click.echo(f"{exc}; retrying in {retry_s:.1f} s", err=True)
            else:
                if once or stop.is_set():
                    break
                click.echo(f"{spec} ended; reopening in {retry_s:.1f} s", err=True)
            stop.wait(retry_s)
            retry_s = min(retry_s * 2.0, settings.stream.reconnect_max_s)
    click.echo("stopped", err=True)


def _follow(feed: FrameFeed, session: StreamSession, rate: _Rate, stop: threading.Event) -> bool:
    """Processes frames until the feed ends or `stop`; True when any frame came."""
    any_frame = False
    while not stop.is_set():
        frame = feed.next_frame()
        if frame is None:
            return any_frame
        any_frame = True
        _print_checkins(session.process(frame))
        rate.count(feed.dropped)
    return any_frame


def _print_checkins(report: FrameReport) -> None:
    for checkin in report.checkins:
        result = checkin.result
        name = result.person.name if result.person is not None else "?"
        person_id = result.person.person_id if result.person is not None else "?"
        click.echo(
            f"{result.at.isoformat(timespec='seconds')} frame {report.frame} "
            f"track {checkin.track_id}: {name} (person {person_id}) {result.decision.value}"
            + (f" event {result.event_id}" if result.event_id is not None else "")
        )


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while inside; the previous handlers come back on
    exit."""
    stop = threading.Event()

    def _handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
