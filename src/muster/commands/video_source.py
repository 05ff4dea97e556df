"""Frames from a video file, an RTSP/HTTP stream or a local camera, read with OpenCV.

A live source is read on its own thread that keeps only the newest frame, so a slow
consumer processes the present and skips the rest (counted in `dropped`) instead of falling
ever further behind. A file can be read the same way at its own frame rate (as if it were
live), or frame by frame with nothing skipped.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from muster.domain.faces import RGBImage


class SourceUnavailableError(Exception):
    """The source could not be opened (missing file, unreachable stream, no camera)."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Where frames come from: a camera index, or a file path / stream URL."""

    target: str | int
    is_file: bool

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """ "0" is camera 0; text with "://" is a stream URL; anything else is a file."""
        if text.isdigit():
            return cls(int(text), is_file=False)
        if "://" in text:
            return cls(text, is_file=False)
        return cls(text, is_file=True)

    def __str__(self) -> str:
        return f"camera {self.target}" if isinstance(self.target, int) else str(self.target)


class FrameFeed:
    """An open source. `keep_up`: read on a thread keeping only the newest frame (a file
    at its own frame rate); otherwise every frame in order. Use as a context manager."""

    def __init__(self, spec: SourceSpec, *, keep_up: bool) -> None:
        if spec.is_file and not Path(str(spec.target)).is_file():
            raise SourceUnavailableError(f"no video file at {spec.target}")
        self._capture = cv2.VideoCapture(spec.target)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceUnavailableError(f"could not open {spec}")
        self.dropped = 0
        self._keep_up = keep_up
        self._newest: RGBImage | None = None
        self._newest_seq = 0
        self._taken_seq = 0
        self._ended = False
        self._closing = threading.Event()
        self._changed = threading.Condition()
        self._reader: threading.Thread | None = None
        if keep_up:
            fps = float(self._capture.get(cv2.CAP_PROP_FPS)) if spec.is_file else 0.0
            self._reader = threading.Thread(
                target=self._read_on_thread, args=(fps if fps > 0 else None,), daemon=True
            )
            self._reader.start()

    def __enter__(self) -> FrameFeed:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def next_frame(self, timeout_s: float = 1.0) -> RGBImage | None:
        """The next frame to process (RGB), or None when the source has ended or dropped.
        With `keep_up`, frames that arrived in between are skipped and counted; a wait
        longer than `timeout_s` for a new frame also answers None (a stalled stream)."""
        if not self._keep_up:
            return self._read()
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: self._newest_seq > self._taken_seq or self._ended, timeout_s
            )
            if not arrived or self._newest_seq == self._taken_seq:
                return None
            self.dropped += self._newest_seq - self._taken_seq - 1
            self._taken_seq = self._newest_seq
            return self._newest

    def close(self) -> None:
        self._closing.set()
        if self._reader is not None:
            self._reader.join(timeout=5.0)
        self._capture.release()

    def _read(self) -> RGBImage | None:
        ok, frame = self._capture.read()
        if not ok or frame is None:
            return None
        rgb: RGBImage = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        return rgb

    def _read_on_thread(self, pace_fps: float | None) -> None:
        started = time.monotonic()
        while not self._closing.is_set():
            frame = self._read()
            with self._changed:
                if frame is None:
                    self._ended = True
                else:
                    self._newest = frame
                    self._newest_seq += 1
                self._changed.notify_all()
            if frame is None:
                return
            if pace_fps is not None:
                # A file plays at its own rate, as a camera would deliver it.
                due = started + self._newest_seq / pace_fps
                self._closing.wait(max(0.0, due - time.monotonic()))
