"""`muster watch` as a real subprocess on the real Hamilton clip of the shared face data,
against a temporary SQLite data directory. Real: the dlib models, OpenCV decoding, the
database, the check-in rules.

Enrolled: the clip's two people from their reference photos (Lin-Manuel Miranda, who sings
facing the camera in three separate shots, and Alex Lacamoire), and two people who are not
in the clip. Alex is at the piano in the first second (11 px between the eyes: too small to
trust, and not detected without upsampling) and then in a one-second close-up, in profile
(yaw 30-45 degrees), which only the CNN detector finds. Frame by frame his close-up scores
0.90-0.935 against his photo and 0.89-0.91 against Lin-Manuel's; a four-person gallery's
threshold is the prior tail's (recognition.prior_impostor_*, about 0.922 for FPIR 1 % with
the flip-averaged embedder), which a few of those frames clear with the margin. The replay
therefore turns on the stream's CNN fallback and embeds an undecided track on every frame,
so that k of the last n answers can agree. The clip must give exactly two check-ins, one
each: Lin-Manuel's later appearances are separate tracks, and the dedupe window makes them
duplicates. Detection runs without upsampling to keep the test short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from muster.commands.video_source import FrameFeed, SourceSpec
from muster.config import Settings
from muster.domain.attendance import Direction
from muster.domain.people import DeviceKind
from muster.services.container import build_services
from muster.services.enrolment import Photo
from muster.services.people import ConsentGiven
from muster.storage import Database, Repositories, sqlite_url

pytestmark = pytest.mark.models

ACTOR = "test"
CLIP_FRAMES = 275
FAST_DETECTION = {"MUSTER_VISION__UPSAMPLE": "0"}
# A replay of every frame: the CNN looks again where HOG finds nobody (profiles), and an
# undecided track is embedded on every frame, so each frame of a short close-up is evidence.
PROFILE_REPLAY = {
    "MUSTER_STREAM__FALLBACK_MAX_SIDE_PX": "320",
    "MUSTER_STREAM__EMBED_EVERY_FRAMES": "1",
}


def _examples(faces_dir: Path) -> Path:
    return faces_dir / "face_recognition_examples" / "examples"


def _camera_with_people(data_dir: Path, photos: dict[str, Path]) -> tuple[int, dict[str, int]]:
    """A camera device and `photos`' people enrolled; returns (device id, id by name)."""
    services = build_services(Settings(data_dir=data_dir))
    try:
        location = services.devices.create_location(name="hall", timezone="UTC", actor=ACTOR)
        device = services.devices.create_device(
            name="stage camera",
            location_id=location.id,
            kind=DeviceKind.CAMERA,
            timezone=None,
            actor=ACTOR,
        )
        people: dict[str, int] = {}
        for name, path in photos.items():
            person = services.people.create(
                name=name, actor=ACTOR, consent=ConsentGiven(method="test")
            )
            outcomes = services.enrolment.enrol(
                person.id, [Photo(path.read_bytes(), path.name)], actor=ACTOR
            )
            assert outcomes[0].template is not None, f"{path} was not enrolled"
            people[name] = person.id
        return device.id, people
    finally:
        services.close()


def _watch(
    data_dir: Path, *args: str, detection: dict[str, str] = FAST_DETECTION
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env = clean | detection | {"MUSTER_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "muster", "watch", *args],
        env=env,
        capture_output=True,
        text=True,
        # A hang guard, not a speed check: a loaded 2-core machine replays the clip slowly.
        timeout=1200,
        check=False,
    )


def test_watching_the_hamilton_clip_checks_in_both_musicians_once_and_nobody_else(
    tmp_path: Path, faces_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    examples = _examples(faces_dir)
    device_id, people = _camera_with_people(
        data_dir,
        {
            "Lin-Manuel Miranda": examples / "lin-manuel-miranda.png",
            "Alex Lacamoire": examples / "alex-lacamoire.png",
            "Kit Harington": examples / "knn_examples" / "train" / "kit_harington" / "john1.jpeg",
            "Rose Leslie": examples / "knn_examples" / "train" / "rose_leslie" / "img1.jpg",
        },
    )
    clip = _examples(faces_dir) / "short_hamilton_clip.mp4"
    started = datetime.now(UTC)

    result = _watch(
        data_dir,
        str(clip),
        "--device",
        str(device_id),
        "--once",
        "--every-frame",
        detection=FAST_DETECTION | PROFILE_REPLAY,
    )

    assert result.returncode == 0, result.stderr
    with Database(sqlite_url(data_dir / "muster.sqlite3")) as database:
        events = Repositories.create(database).events.between(
            started - timedelta(minutes=1), datetime.now(UTC) + timedelta(minutes=1)
        )
    checked_in = sorted(e.person_id for e in events)
    musicians = sorted([people["Lin-Manuel Miranda"], people["Alex Lacamoire"]])
    assert checked_in == musicians, result.stdout
    assert all(e.direction is Direction.IN and e.device_id == device_id for e in events)
    lines = result.stdout.splitlines()
    for name in ("Lin-Manuel Miranda", "Alex Lacamoire"):
        assert any(name in line and "checked_in" in line for line in lines), result.stdout
    assert any("Lin-Manuel Miranda" in line and "duplicate" in line for line in lines)


def test_watching_a_missing_file_once_fails_with_a_message(tmp_path: Path, faces_dir: Path) -> None:
    data_dir = tmp_path / "data"
    device_id, _ = _camera_with_people(data_dir, {})

    result = _watch(data_dir, str(tmp_path / "nope.mp4"), "--device", str(device_id), "--once")

    assert result.returncode != 0
    assert "no video file at" in result.stderr


def test_reading_a_file_frame_by_frame_gives_every_frame(faces_dir: Path) -> None:
    clip = _examples(faces_dir) / "short_hamilton_clip.mp4"
    with FrameFeed(SourceSpec.parse(str(clip)), keep_up=False) as feed:
        frames = 0
        while (frame := feed.next_frame()) is not None:
            assert frame.shape == (360, 640, 3)
            frames += 1

    assert frames == CLIP_FRAMES
    assert feed.dropped == 0


def test_a_slow_reader_keeping_up_skips_frames_and_counts_them(faces_dir: Path) -> None:
    clip = _examples(faces_dir) / "short_hamilton_clip.mp4"
    with FrameFeed(SourceSpec.parse(str(clip)), keep_up=True) as feed:
        taken = 0
        while feed.next_frame(timeout_s=5.0) is not None:
            taken += 1
            time.sleep(0.5)  # a consumer at 2 fps, against a 30 fps file

    assert taken < CLIP_FRAMES / 5
    assert taken + feed.dropped <= CLIP_FRAMES
    assert feed.dropped > CLIP_FRAMES / 2


def test_sigterm_stops_a_watch_cleanly(tmp_path: Path, faces_dir: Path) -> None:
    data_dir = tmp_path / "data"
    device_id, _ = _camera_with_people(data_dir, {})
    clip = _examples(faces_dir) / "short_hamilton_clip.mp4"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env = clean | FAST_DETECTION | {"MUSTER_DATA_DIR": str(data_dir)}
    # Without --once a file that ends is replayed: only a signal stops it.
    with subprocess.Popen(
        [sys.executable, "-m", "muster", "watch", str(clip), "--device", str(device_id)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    ) as watcher:
        assert watcher.stderr is not None
        first_line = watcher.stderr.readline()
        if not first_line.startswith("watching"):
            watcher.kill()
        assert first_line.startswith("watching"), first_line
        watcher.send_signal(signal.SIGTERM)
        rest = watcher.stderr.read()
        status = watcher.wait(timeout=60)

    assert status == 0, rest
    assert rest.strip().endswith("stopped")
