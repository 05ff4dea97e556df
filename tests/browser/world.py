"""The people and devices the kiosk tests meet: five real people enrolled from the
knn_examples/train photos of face_recognition (embedded by the real pipeline), a kiosk made
over HTTP by an admin, and real photos for the camera (a probe never used for enrolment, a
stranger, and a scene with no face)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from muster.config import Settings, VisionSettings
from muster.domain.attendance import AttendanceEvent
from muster.domain.faces import Face
from muster.domain.people import DeviceKind, TemplateSource
from muster.services.container import EMBEDDER_NAME, EMBEDDER_VERSION, Services
from muster.storage import Database, Repositories
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

KNN = Path("face_recognition_examples/examples/knn_examples")
ENROLLED = {
    "Alex Lacamoire": ("alex_lacamoire", "AL-1001"),
    "Joe Biden": ("biden", "JB-1002"),
    "Kit Harington": ("kit_harington", "KH-1003"),
    "Barack Obama": ("obama", "BO-1004"),
    "Rose Leslie": ("rose_leslie", "RL-1005"),
}
"""Name: (folder under knn_examples/train, external id used as the PIN-fallback code)."""

KNOWN_PROBE = KNN / "test/obama1.jpg"
KNOWN_NAME = "Barack Obama"
STRANGER = Path("face_recognition_examples/examples/lin-manuel-miranda.png")
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")

EnrolmentFaces = dict[str, list[Face]]


def embed_enrolment_photos(faces_dir: Path, models: ModelStore) -> EnrolmentFaces:
    """The largest face of every enrolment photo, by person name."""
    pipeline = FacePipeline(VisionSettings(), models)
    faces: EnrolmentFaces = {}
    for name, (folder, _) in ENROLLED.items():
        for path in sorted((faces_dir / KNN / "train" / folder).iterdir()):
            faces.setdefault(name, []).append(pipeline.analyze_path(path)[0])
    return faces


def enrol(services: Services, faces: EnrolmentFaces) -> dict[str, int]:
    """Stores the people and their templates as enrolment would; person ids by name."""
    repos = Repositories.create(services.database)
    ids: dict[str, int] = {}
    for name, person_faces in faces.items():
        person = repos.people.create(name=name, external_id=ENROLLED[name][1])
        for face in person_faces:
            repos.templates.add(
                person_id=person.id,
                embedding=face.embedding,
                model_name=EMBEDDER_NAME,
                model_version=EMBEDDER_VERSION,
                quality=face.quality,
                source=TemplateSource.UPLOAD,
            )
        ids[name] = person.id
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
