"""Fake-camera videos for Chromium (--use-file-for-fake-video-capture), made by ffmpeg from real
photos: each photo is shown for some seconds, letterboxed to 640x480, as Y4M (raw YUV 4:2:0,
which Chromium reads without a decoder). Chromium loops the file."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

WIDTH_PX, HEIGHT_PX = 640, 480
FRAMES_PER_S = 5  # enough for a kiosk that sends about one frame a second; keeps files small

FFMPEG = shutil.which("ffmpeg")


def make_video(scenes: Sequence[tuple[Path, float]], out: Path) -> Path:
    """Writes `out` (.y4m) showing each (photo, seconds) in turn; returns `out`."""
    if FFMPEG is None:
        raise RuntimeError("ffmpeg is not installed; run scripts/install-test-deps.sh")
    inputs: list[str] = []
    filters: list[str] = []
    for index, (photo, seconds) in enumerate(scenes):
        inputs += ["-loop", "1", "-t", f"{seconds}", "-i", str(photo)]
        filters.append(
            f"[{index}:v]scale={WIDTH_PX}:{HEIGHT_PX}:force_original_aspect_ratio=decrease,"
            f"pad={WIDTH_PX}:{HEIGHT_PX}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={FRAMES_PER_S},"
            f"format=yuv420p[s{index}]"
        )
    joined = "".join(f"[s{i}]" for i in range(len(scenes)))
    filters.append(f"{joined}concat=n={len(scenes)}:v=1:a=0[out]")
    subprocess.run(
        [
            FFMPEG,
            "-y",
            "-loglevel",
            "error",
            *inputs,
            "-filter_complex",
            ";".join(filters),
            "-map",
            "[out]",
            "-f",
            "yuv4mpegpipe",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    return out
