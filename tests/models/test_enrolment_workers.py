"""Enrolling a folder in several worker processes gives the gallery a serial run gives.

Real: the dlib and ONNX models, real LFW photos and negatives from the shared face data
(linked into a temporary DIR/<person>/ folder), real spawned worker processes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muster.config import EnrolmentSettings
from muster.domain.quality_gates import QualityCode
from muster.services.local_enrolment import FolderEnrolment, enrol_folder
from muster.vision import FacePipeline

pytestmark = pytest.mark.models

PEOPLE = ("Aaron_Peirsol", "Adam_Sandler", "Al_Gore")
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")
TWO_FACES = Path("face_recognition_examples/examples/two_people.jpg")


@pytest.fixture(scope="module")
def folder(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three LFW people (two photos each) and a fourth 'person' whose photos show no face
    and two faces, so both outcomes have to come back from the workers."""
    root = tmp_path_factory.mktemp("enrol")
    for person in PEOPLE:
        (root / person).mkdir()
        for photo in sorted((faces_dir / "lfw_dev" / person).glob("*.jpg"))[:2]:
            (root / person / photo.name).symlink_to(photo)
    (root / "nobody").mkdir()
    (root / "nobody" / NO_FACE.name).symlink_to(faces_dir / NO_FACE)
    (root / "nobody" / TWO_FACES.name).symlink_to(faces_dir / TWO_FACES)
    return root


def enrol(root: Path, pipeline: FacePipeline, workers: int) -> FolderEnrolment:
    return enrol_folder(
        root,
        pipeline,
        model_name="test",
        model_version="1",
        policy=EnrolmentSettings().quality_policy(),
        workers=workers,
    )


def test_two_worker_processes_enrol_the_same_gallery_as_one_process(
    folder: Path, face_pipeline: FacePipeline
) -> None:
    serial = enrol(folder, face_pipeline, workers=1)
    parallel = enrol(folder, face_pipeline, workers=2)

    assert [t.source for t in parallel.gallery.templates] == [
        t.source for t in serial.gallery.templates
    ]
    assert len(serial.gallery.templates) >= len(PEOPLE)
    for mine, theirs in zip(parallel.gallery.templates, serial.gallery.templates, strict=True):
        assert mine.person == theirs.person
        np.testing.assert_allclose(mine.embedding, theirs.embedding, atol=1e-5)
    skipped = {p.person: [(s.photo.name, s.code) for s in p.skipped] for p in parallel.people}
    assert skipped == {p.person: [(s.photo.name, s.code) for s in p.skipped] for p in serial.people}
    assert sorted(skipped["nobody"]) == [
        (NO_FACE.name, QualityCode.NO_FACE.value),
        (TWO_FACES.name, QualityCode.SEVERAL_FACES.value),
    ]
