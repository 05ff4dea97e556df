"""Small builders for storage tests: real values (unit float32 embeddings, real JPEG bytes),
one line each at the call site."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import Image
from sqlalchemy import text

from muster.domain.attendance import AttendanceEvent, Direction, EventSource
from muster.domain.faces import Embedding, FaceQuality
from muster.domain.people import Device, DeviceKind, Person, TemplateSource
from muster.storage import Database, Repositories

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
"""A Monday morning; tests place events relative to it."""

QUALITY = FaceQuality(
    interocular_px=61.5,
    sharpness=153.25,
    yaw_deg=-4.5,
    pitch_deg=2.0,
    brightness=121.0,
    contrast=47.5,
)
MODEL = ("dlib_resnet_v1", "1")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def unit_embedding(seed: int, dimension: int = 128) -> Embedding:
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.float32(np.linalg.norm(vector))


def jpeg_thumbnail(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def add_person(
    repos: Repositories, name: str = "Ada Lovelace", *, group_ids: tuple[int, ...] = ()
) -> Person:
    return repos.people.create(name=name, group_ids=group_ids)


def add_device(repos: Repositories, name: str = "front door") -> Device:
    location = repos.locations.create(name=f"{name} site", timezone="Europe/London")
    return repos.devices.create(name=name, location_id=location.id, kind=DeviceKind.KIOSK)


def add_template(repos: Repositories, person_id: int, seed: int = 1) -> int:
    template = repos.templates.add(
        person_id=person_id,
        embedding=unit_embedding(seed),
        model_name=MODEL[0],
        model_version=MODEL[1],
        quality=QUALITY,
        source=TemplateSource.UPLOAD,
        thumbnail_jpeg=jpeg_thumbnail(seed),
    )
    return template.id


def look(
    person_id: int,
    seconds: float = 0,
    *,
    device_id: int | None = None,
    key: str | None = None,
    direction: Direction = Direction.IN,
) -> AttendanceEvent:
    """A kiosk sighting `seconds` after T0, not yet stored."""
    return AttendanceEvent(
        id=None,
        person_id=person_id,
        direction=direction,
        at=at(seconds),
        source=EventSource.KIOSK,
        device_id=device_id,
        similarity=0.71,
        liveness_passed=True,
        idempotency_key=key,
    )


def count_rows(database: Database, sql_where: str, **params: object) -> int:
    """SELECT count(*) FROM ... straight on the tables, bypassing the repositories."""
    with database.read() as session:
        return int(session.execute(text(f"SELECT count(*) FROM {sql_where}"), params).scalar_one())
