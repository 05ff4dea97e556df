"""The five real people of face_recognition's knn_examples, shared by the API and browser
tiers: their enrolment photos (knn_examples/train) embedded by the real pipeline, and
storing those faces as templates the way the enrolment service does, so a test starts from
a real gallery in milliseconds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from muster.config import VisionSettings
from muster.domain.faces import Face
from muster.domain.people import TemplateSource
from muster.services.container import EMBEDDER_NAME, EMBEDDER_VERSION
from muster.storage import Repositories
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

KNN = Path("face_recognition_examples/examples/knn_examples")
FOLDERS = {
    "Alex Lacamoire": "alex_lacamoire",
    "Joe Biden": "biden",
    "Kit Harington": "kit_harington",
    "Barack Obama": "obama",
    "Rose Leslie": "rose_leslie",
}
"""Person name: folder under knn_examples/train."""

STRANGER = Path("face_recognition_examples/examples/lin-manuel-miranda.png")
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")


def embed_knn_people(faces_dir: Path, models: ModelStore) -> dict[str, list[Face]]:
    """The largest face of every enrolment photo, by person name."""
    pipeline = FacePipeline(VisionSettings(), models)
    faces: dict[str, list[Face]] = {}
    for name, folder in FOLDERS.items():
        for path in sorted((faces_dir / KNN / "train" / folder).iterdir()):
            faces.setdefault(name, []).append(pipeline.analyze_path(path)[0])
    return faces


def store_people(
    repos: Repositories,
    faces: Mapping[str, Sequence[Face]],
    external_ids: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Creates each person with their faces as templates; person ids by name. The caller
    tells the gallery that it changed."""
    ids: dict[str, int] = {}
    for name, person_faces in faces.items():
        external_id = external_ids.get(name) if external_ids is not None else None
        person = repos.people.create(name=name, external_id=external_id)
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
    return ids
