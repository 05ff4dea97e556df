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

from muster.config import VisionSettings
from muster.domain.faces import Face
from muster.domain.people import DeviceKind, Role, TemplateSource
from muster.services.container import EMBEDDER_NAME, EMBEDDER_VERSION
from muster.storage import Repositories
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

from .live_server import LiveServer

KNN = Path("face_recognition_examples/examples/knn_examples")
PEOPLE = {
    "alex_lacamoire": "Alex Lacamoire",
    "biden": "Joe Biden",
    "kit_harington": "Kit Harington",
    "obama": "Barack Obama",
    "rose_leslie": "Rose Leslie",
}
PROBES = {
    "Alex Lacamoire": KNN / "test/alex_lacamoire1.jpg",
    "Kit Harington": KNN / "test/johnsnow_test1.jpg",
    "Barack Obama": KNN / "test/obama1.jpg",
}
STRANGER = Path("face_recognition_examples/examples/lin-manuel-miranda.png")
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")


@dataclass(frozen=True)
class TrainFaces:
    """The largest face of every enrolment photo, by person name."""

    faces_dir: Path
    by_name: dict[str, list[Face]]

    def photo(self, relative: Path) -> bytes:
        return (self.faces_dir / relative).read_bytes()


def embed_train(faces_dir: Path, models: ModelStore) -> TrainFaces:
    pipeline = FacePipeline(VisionSettings(), models)
    by_name: dict[str, list[Face]] = {}
    for folder, name in PEOPLE.items():
        for path in sorted((faces_dir / KNN / "train" / folder).iterdir()):
            by_name.setdefault(name, []).append(pipeline.analyze_path(path)[0])
    return TrainFaces(faces_dir=faces_dir, by_name=by_name)


def enrol(server: LiveServer, train: TrainFaces) -> dict[str, int]:
    """Creates the five people with their templates; returns person ids by name."""
    repos = Repositories.create(server.services.database)
    ids: dict[str, int] = {}
    for name, faces in train.by_name.items():
        person = repos.people.create(name=name)
        for face in faces:
            repos.templates.add(
                person_id=person.id,
                embedding=face.embedding,
                model_name=EMBEDDER_NAME,
                model_version=EMBEDDER_VERSION,
                quality=face.quality,
                source=TemplateSource.UPLOAD,
            )
        ids[name] = person.id
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
