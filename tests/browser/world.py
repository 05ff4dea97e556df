"""The people and devices the kiosk tests meet: five real people enrolled from the
knn_examples/train photos of face_recognition (embedded by the real pipeline), a kiosk made
over HTTP by an admin, and real photos for the camera (a probe never used for enrolment, a
stranger, and a scene with no face)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from muster.config import Settings
from muster.domain.attendance import AttendanceEvent
from muster.domain.faces import Face
from muster.domain.people import DeviceKind
from muster.services.container import Services
from muster.storage import Database, Repositories
from muster.vision.models import ModelStore

from ..knn_people import FOLDERS, KNN, NO_FACE, STRANGER, embed_knn_people, store_people

__all__ = ["ENROLLED", "KNN", "KNOWN_NAME", "KNOWN_PROBE", "NO_FACE", "STRANGER", "add_kiosk"]

EXTERNAL_IDS = {
    "Alex Lacamoire": "AL-1001",
    "Joe Biden": "JB-1002",
    "Kit Harington": "KH-1003",
    "Barack Obama": "BO-1004",
    "Rose Leslie": "RL-1005",
}
"""External ids of the enrolled people, used as the PIN-fallback code."""
ENROLLED = {name: (folder, EXTERNAL_IDS[name]) for name, folder in FOLDERS.items()}
"""Name: (folder under knn_examples/train, external id used as the PIN-fallback code)."""

KNOWN_PROBE = KNN / "test/obama1.jpg"
KNOWN_NAME = "Barack Obama"

EnrolmentFaces = dict[str, list[Face]]


def embed_enrolment_photos(faces_dir: Path, models: ModelStore) -> EnrolmentFaces:
    """The largest face of every enrolment photo, by person name."""
    return embed_knn_people(faces_dir, models)


def enrol(services: Services, faces: EnrolmentFaces) -> dict[str, int]:
    """Stores the people and their templates as enrolment would; person ids by name."""
    ids = store_people(Repositories.create(services.database), faces, EXTERNAL_IDS)
    services.gallery.changed()
    return ids


@dataclass(frozen=True)
class KioskDevice:
    device_id: int
    token: str


def add_kiosk(admin: httpx.Client, name: str = "front door") -> KioskDevice:
    """A kiosk device made by the admin over HTTP, and a device key made for it."""
    location = admin.post("/locations", json={"name": f"{name} site", "timezone": "UTC"})
    assert location.status_code == 201, location.text
    device = admin.post(
        "/devices",
        json={"name": name, "location_id": location.json()["id"], "kind": DeviceKind.KIOSK},
    )
    assert device.status_code == 201, device.text
    device_id = int(device.json()["id"])
    key = admin.post("/keys", json={"name": name, "role": "device", "device_id": device_id})
    assert key.status_code == 201, key.text
    return KioskDevice(device_id=device_id, token=key.json()["token"])


def stored_events(settings: Settings) -> list[AttendanceEvent]:
    """Every attendance event in the database, read directly (works while the server is
    stopped)."""
    database = Database.from_settings(settings)
    try:
        return Repositories.create(database).events.between(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    finally:
        database.dispose()
