"""Five real people enrolled from face_recognition's knn_examples/train photos, and real
probe photos of them (knn_examples/test, never used for enrolment) and of strangers.

The enrolment photos are embedded once per session by the real pipeline (`embed_train`);
`enrol` stores those templates in a test's own database through the repositories, as the
enrolment service would, so each API test starts from the same real gallery in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from muster.domain.faces import Face
from muster.domain.people import DeviceKind, Role
from muster.storage import Repositories
from muster.vision.models import ModelStore

from ..knn_people import KNN, NO_FACE, STRANGER, embed_knn_people, store_people
from .live_server import LiveServer

__all__ = [
    "KNN",
    "NO_FACE",
    "PROBES",
    "STRANGER",
    "Kiosk",
    "TrainFaces",
    "add_kiosk",
    "count_rows",
    "embed_train",
    "enrol",
]

PROBES = {
    "Alex Lacamoire": KNN / "test/alex_lacamoire1.jpg",
    "Kit Harington": KNN / "test/johnsnow_test1.jpg",
    "Barack Obama": KNN / "test/obama1.jpg",
}


@dataclass(frozen=True)
class TrainFaces:
    """The largest face of every enrolment photo, by person name."""

    faces_dir: Path
    by_name: dict[str, list[Face]]

    def photo(self, relative: Path) -> bytes:
        return (self.faces_dir / relative).read_bytes()


def embed_train(faces_dir: Path, models: ModelStore) -> TrainFaces:
    return TrainFaces(faces_dir=faces_dir, by_name=embed_knn_people(faces_dir, models))


def enrol(server: LiveServer, train: TrainFaces) -> dict[str, int]:
    """Creates the five people with their templates; returns person ids by name."""
    ids = store_people(Repositories.create(server.services.database), train.by_name)
    server.services.gallery.changed()
    return ids


@dataclass(frozen=True)
class Kiosk:
    device_id: int
    token: str


def add_kiosk(server: LiveServer, name: str = "front door", timezone: str = "UTC") -> Kiosk:
    """A device made over HTTP by the admin, with a device key of its own."""
    location = server.admin.post("/locations", json={"name": f"{name} site", "timezone": timezone})
    assert location.status_code == 201, location.text
    device = server.admin.post(
        "/devices",
        json={"name": name, "location_id": location.json()["id"], "kind": DeviceKind.KIOSK},
    )
    assert device.status_code == 201, device.text
    device_id = int(device.json()["id"])
    return Kiosk(device_id=device_id, token=server.token(Role.DEVICE, device_id=device_id))


def count_rows(server: LiveServer, table: str) -> int:
    with server.services.database.read() as session:
        return int(session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
