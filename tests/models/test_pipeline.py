"""The face pipeline end to end. Real: dlib's models, the photos in ../shared/faces, decoding."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from muster.config import VisionSettings
from muster.domain.errors import InvalidImageError, ModelUnavailableError
from muster.domain.faces import Face, RGBImage
from muster.eval.embed import PIPELINE_MODULE, pipeline_key, vision_sources
from muster.vision import FacePipeline, ModelStore
from muster.vision.align import CHIP_SIZE_PX, align_faces
from muster.vision.decode import load_image
from muster.vision.detect import HogDetector
from muster.vision.embed import DlibResNetEmbedder, FlipAveragingEmbedder
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.models import ModelFile

pytestmark = pytest.mark.models

Analyze = Callable[[str], list[Face]]

GOLDEN_IMAGE = "lfw_dev/Abdullah_Gul/Abdullah_Gul_0013.jpg"
# dlib 20 ResNet on the HOG (upsample 1) + 5-point chip of GOLDEN_IMAGE, measured once: the
# network alone (unit length), and the pipeline's default (flip averaging) embedding.
GOLDEN_NETWORK_FIRST_8 = (
    -0.033672,
    -0.010207,
    0.003477,
    -0.053721,
    -0.032954,
    -0.091116,
    0.019226,
    -0.071239,
)
GOLDEN_FIRST_8 = (
    -0.039003,
    -0.012538,
    0.003076,
    -0.052834,
    -0.039691,
    -0.080925,
    0.025974,
    -0.070078,
)
GOLDEN_RAW_NORM = 1.343925
GOLDEN_TOLERANCE = 1e-4

KNN = "face_recognition_examples/examples/knn_examples"
LIVE_PHOTO_EXIF_ROTATED = "spoof_silent_face/sample/image_T1.jpg"
GROUP_PHOTO = "dlib_examples/faces/bald_guys.jpg"


def single_face(analyze: Analyze, relative_path: str) -> Face:
    faces = analyze(relative_path)
    assert len(faces) == 1, f"{relative_path}: expected one face, found {len(faces)}"
    return faces[0]


def knn_gallery(faces_dir: Path, analyze: Analyze) -> dict[str, list[Face]]:
    """The knn_examples training photos, one face each, by person (folder name)."""
    gallery: dict[str, list[Face]] = {}
    for person_dir in sorted((faces_dir / KNN / "train").iterdir()):
        for photo in sorted(person_dir.iterdir()):
            relative = photo.relative_to(faces_dir).as_posix()
            gallery.setdefault(person_dir.name, []).append(single_face(analyze, relative))
    return gallery


def nearest_person(gallery: dict[str, list[Face]], probe: Face) -> str:
    scored = (
        (float(face.embedding @ probe.embedding), person)
        for person, faces in gallery.items()
        for face in faces
    )
    return max(scored)[1]


def golden_chip(faces_dir: Path, model_store: ModelStore) -> RGBImage:
    """GOLDEN_IMAGE's face aligned as the pipeline aligns it."""
    image = load_image(faces_dir / GOLDEN_IMAGE, VisionSettings().limits)
    (detection,) = HogDetector(model_store, upsample=1).detect(image)
    marks = LandmarkPredictor(model_store).predict(image, detection.box)
    (chip,) = align_faces(image, [marks.shape])
    return chip


def test_golden_embedding_of_a_fixed_lfw_image_is_unchanged(
    faces_dir: Path, model_store: ModelStore, analyzed: Analyze
) -> None:
    raw = DlibResNetEmbedder(model_store).descriptors([golden_chip(faces_dir, model_store)])

    # The network itself, without test-time augmentation, then the default pipeline's output.
    assert float(np.linalg.norm(raw[0])) == pytest.approx(GOLDEN_RAW_NORM, abs=GOLDEN_TOLERANCE)
    network = raw[0] / np.linalg.norm(raw[0])
    np.testing.assert_allclose(network[:8], GOLDEN_NETWORK_FIRST_8, atol=GOLDEN_TOLERANCE)
    embedding = single_face(analyzed, GOLDEN_IMAGE).embedding
    np.testing.assert_allclose(embedding[:8], GOLDEN_FIRST_8, atol=GOLDEN_TOLERANCE)


def test_the_flip_averaged_embedding_is_the_mean_of_the_chip_and_its_mirror_image(
    faces_dir: Path, model_store: ModelStore, analyzed: Analyze
) -> None:
    chip = golden_chip(faces_dir, model_store)
    network = DlibResNetEmbedder(model_store)
    # Separate calls, so a mix-up of the halves of the wrapper's one batch would show.
    (plain,) = network.embed([chip])
    (mirrored,) = network.embed([np.ascontiguousarray(chip[:, ::-1])])
    mean = (plain + mirrored) / np.linalg.norm(plain + mirrored)

    assert float(plain @ mirrored) < 0.999  # else averaging would change nothing
    np.testing.assert_allclose(single_face(analyzed, GOLDEN_IMAGE).embedding, mean, atol=1e-6)
    wrapped = FlipAveragingEmbedder(network).embed([chip, chip])
    np.testing.assert_allclose(wrapped, [mean, mean], atol=1e-6)


def test_with_flip_averaging_off_the_pipeline_gives_the_networks_own_embedding(
    faces_dir: Path, model_store: ModelStore
) -> None:
    plain = FacePipeline(VisionSettings(flip_average=False), model_store)
    (face,) = plain.analyze_path(faces_dir / GOLDEN_IMAGE)
    (network,) = DlibResNetEmbedder(model_store).embed([golden_chip(faces_dir, model_store)])
    np.testing.assert_allclose(face.embedding, network, atol=1e-6)


def test_the_evaluation_cache_key_covers_flip_averaging_and_the_code_the_pipeline_runs() -> None:
    # Cached evaluation embeddings must not outlive a change of what the pipeline computes.
    assert pipeline_key(VisionSettings()) != pipeline_key(VisionSettings(flip_average=False))
    modules = set(vision_sources(PIPELINE_MODULE))
    assert {PIPELINE_MODULE, "muster.vision.embed", "muster.vision.onnx.graph"} <= modules
    assert not any(module.startswith("muster.vision.liveness") for module in modules)


def test_flip_averaging_no_chips_gives_an_empty_matrix(model_store: ModelStore) -> None:
    assert FlipAveragingEmbedder(DlibResNetEmbedder(model_store)).embed([]).shape == (0, 128)


def test_embeddings_are_unit_length_float32_vectors(analyzed: Analyze) -> None:
    for face in analyzed(GROUP_PHOTO):
        assert face.embedding.dtype == np.float32
        assert face.embedding.shape == (128,)
        assert float(np.linalg.norm(face.embedding)) == pytest.approx(1.0, abs=1e-5)


def test_same_person_photos_are_more_similar_than_different_people(
    faces_dir: Path, analyzed: Analyze
) -> None:
    gallery = knn_gallery(faces_dir, analyzed)
    labelled = [(person, face) for person, faces in gallery.items() for face in faces]
    same: list[float] = []
    different: list[float] = []
    for (person_a, face_a), (person_b, face_b) in itertools.combinations(labelled, 2):
        similarity = float(face_a.embedding @ face_b.embedding)
        (same if person_a == person_b else different).append(similarity)
    assert len(same) == 4
    assert min(same) > max(different)


@pytest.mark.parametrize(
    ("photo", "person"),
    [
        ("alex_lacamoire1.jpg", "alex_lacamoire"),
        ("johnsnow_test1.jpg", "kit_harington"),
        ("obama1.jpg", "obama"),
    ],
)
def test_probe_photo_is_nearest_to_its_own_person(
    faces_dir: Path, analyzed: Analyze, photo: str, person: str
) -> None:
    probe = single_face(analyzed, f"{KNN}/test/{photo}")
    assert nearest_person(knn_gallery(faces_dir, analyzed), probe) == person


def test_each_face_in_a_two_person_photo_is_nearest_to_its_own_person(
    faces_dir: Path, analyzed: Analyze
) -> None:
    # Labels: Rose Leslie on the left, Kit Harington on the right.
    left, right = sorted(analyzed(f"{KNN}/test/kit_with_rose.jpg"), key=lambda f: f.box.left)
    gallery = knn_gallery(faces_dir, analyzed)
    assert nearest_person(gallery, left) == "rose_leslie"
    assert nearest_person(gallery, right) == "kit_harington"


def test_lfw_same_person_pair_is_more_similar_than_a_different_person_pair(
    analyzed: Analyze,
) -> None:
    # The first "same" and first "different" pairs of the official View-1 test list.
    same_a = single_face(analyzed, "lfw_dev/Abdullah_Gul/Abdullah_Gul_0013.jpg")
    same_b = single_face(analyzed, "lfw_dev/Abdullah_Gul/Abdullah_Gul_0014.jpg")
    assert float(same_a.embedding @ same_b.embedding) > 0.9
    other = single_face(analyzed, "lfw_dev/AJ_Cook/AJ_Cook_0001.jpg")
    assert float(same_a.embedding @ other.embedding) < 0.9


def test_exif_rotated_live_photo_gives_an_upright_face(analyzed: Analyze) -> None:
    face = single_face(analyzed, LIVE_PHOTO_EXIF_ROTATED)
    eye_right_x, eye_right_y = face.landmarks[0].x, face.landmarks[0].y
    eye_left_x, eye_left_y = face.landmarks[2].x, face.landmarks[2].y
    nose = face.landmarks[4]
    assert eye_left_x < nose.x < eye_right_x
    assert nose.y > max(eye_left_y, eye_right_y)
    assert abs(face.quality.yaw_deg) < 20


def test_faces_are_sorted_by_box_size_largest_first(analyzed: Analyze) -> None:
    areas = [face.box.width * face.box.height for face in analyzed(GROUP_PHOTO)]
    assert len(areas) > 1
    assert areas == sorted(areas, reverse=True)


def test_boxes_and_landmarks_are_in_original_image_pixels(
    faces_dir: Path, analyzed: Analyze
) -> None:
    # The photo (1986 px wide) is detected on a 1280 px copy; results must be mapped back.
    height_px, width_px = load_image(faces_dir / GROUP_PHOTO, VisionSettings().limits).shape[:2]
    faces = analyzed(GROUP_PHOTO)
    assert max(face.box.right for face in faces) > 1280
    for face in faces:
        assert 0 <= face.box.left < face.box.right <= width_px
        assert 0 <= face.box.top < face.box.bottom <= height_px
        for point in face.landmarks:
            assert (
                face.box.left - face.box.width / 2 < point.x < face.box.right + face.box.width / 2
            )
            assert (
                face.box.top - face.box.height / 2 < point.y < face.box.bottom + face.box.height / 2
            )


def test_bytes_and_path_entry_points_agree(
    faces_dir: Path, face_pipeline: FacePipeline, analyzed: Analyze
) -> None:
    from_bytes = face_pipeline.analyze_bytes((faces_dir / GOLDEN_IMAGE).read_bytes())
    (from_path,) = analyzed(GOLDEN_IMAGE)
    assert [face.box for face in from_bytes] == [from_path.box]
    np.testing.assert_array_equal(from_bytes[0].embedding, from_path.embedding)


def test_undecodable_bytes_raise_invalid_image(face_pipeline: FacePipeline) -> None:
    with pytest.raises(InvalidImageError):
        face_pipeline.analyze_bytes(b"this is not an image")


def test_non_rgb_array_is_rejected(face_pipeline: FacePipeline) -> None:
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        face_pipeline.analyze(np.zeros((64, 64), dtype=np.uint8))


def test_embed_aligned_matches_the_pipeline_embedding(
    faces_dir: Path, model_store: ModelStore, face_pipeline: FacePipeline, analyzed: Analyze
) -> None:
    image = load_image(faces_dir / GOLDEN_IMAGE, VisionSettings().limits)
    (face,) = analyzed(GOLDEN_IMAGE)
    chips = align_faces(image, [LandmarkPredictor(model_store).predict(image, face.box).shape])
    assert chips[0].shape == (CHIP_SIZE_PX, CHIP_SIZE_PX, 3)
    np.testing.assert_allclose(face_pipeline.embed_aligned(chips)[0], face.embedding, atol=1e-6)


def test_chips_of_the_wrong_size_are_rejected(face_pipeline: FacePipeline) -> None:
    with pytest.raises(ValueError, match="150 x 150"):
        face_pipeline.embed_aligned([np.zeros((112, 112, 3), dtype=np.uint8)])


def test_jittered_embedding_differs_slightly_from_the_plain_one(
    faces_dir: Path, model_store: ModelStore, analyzed: Analyze
) -> None:
    jittered = FacePipeline(VisionSettings(jitters=1), model_store)
    (face,) = jittered.analyze_path(faces_dir / GOLDEN_IMAGE)
    plain = single_face(analyzed, GOLDEN_IMAGE).embedding
    similarity = float(face.embedding @ plain)
    assert 0.97 < similarity < 0.99999


def test_constructor_loads_nothing_and_warm_up_reports_a_missing_model(tmp_path: Path) -> None:
    pipeline = FacePipeline(VisionSettings(), ModelStore(models_dir=tmp_path))
    with pytest.raises(ModelUnavailableError, match="not found") as raised:
        pipeline.warm_up()
    assert "pip install" in raised.value.message


def test_corrupt_model_file_is_reported_as_unavailable(tmp_path: Path) -> None:
    store = ModelStore(models_dir=tmp_path)
    store.path(ModelFile.LANDMARKS_5).write_bytes(b"not a model")
    with pytest.raises(ModelUnavailableError, match="could not be loaded"):
        store.landmarks_5()
