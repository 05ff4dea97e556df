"""dlib's ResNet ported to ONNX Runtime. Real: dlib's model file and its ONNX conversion,
dlib itself as the reference, LFW photos from ../shared/faces aligned by our pipeline's
detector, landmarks and alignment, and cache files on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from muster.config import VisionSettings
from muster.domain.errors import ModelUnavailableError
from muster.domain.faces import EmbedderKind, RGBImage
from muster.vision import FacePipeline, ModelStore
from muster.vision.align import align_faces
from muster.vision.decode import load_image
from muster.vision.detect import HogDetector
from muster.vision.embed import DlibResNetEmbedder, FloatArray
from muster.vision.landmarks import LandmarkPredictor
from muster.vision.models import ModelFile
from muster.vision.onnx.cache import load_or_convert
from muster.vision.onnx.dlib_stream import DlibFormatError
from muster.vision.onnx.embedder import OnnxResNetEmbedder
from muster.vision.onnx.graph import INPUT_NAME, build_onnx_model, dlib_output_size
from muster.vision.onnx.reader import read_resnet_v1

pytestmark = pytest.mark.models

FACE_COUNT = 20
PEOPLE_STRIDE = 150
"""Every 150th LFW person (sorted by name) gives 20 different people."""
MAX_ABS_DIFFERENCE = 1e-4
MIN_COSINE = 0.99999
GOLDEN_IMAGE = "lfw_dev/Abdullah_Gul/Abdullah_Gul_0013.jpg"


@pytest.fixture(scope="session")
def lfw_chips(faces_dir: Path, model_store: ModelStore) -> list[RGBImage]:
    """Aligned chips of the first photo of 20 different LFW people, as the pipeline makes
    them (HOG with one upsample, 5-point landmarks, dlib's chip alignment)."""
    detector = HogDetector(model_store, upsample=1)
    landmarks = LandmarkPredictor(model_store)
    people = sorted(path for path in (faces_dir / "lfw_dev").iterdir() if path.is_dir())
    chips: list[RGBImage] = []
    for person in people[::PEOPLE_STRIDE]:
        photo = sorted(person.glob("*.jpg"))[0]
        image = load_image(photo, VisionSettings().limits)
        detections = detector.detect(image)
        if detections:
            chips += align_faces(image, [landmarks.predict(image, detections[0].box).shape])
    assert len(chips) >= FACE_COUNT, f"only {len(chips)} of the chosen photos had a face"
    return chips[:FACE_COUNT]


@pytest.fixture(scope="session")
def dlib_descriptors(model_store: ModelStore, lfw_chips: list[RGBImage]) -> FloatArray:
    return DlibResNetEmbedder(model_store).descriptors(lfw_chips)


@pytest.fixture(scope="session")
def onnx_store(tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """A store whose ONNX conversion lives in a temporary cache of this session."""
    return ModelStore(onnx_cache_dir=tmp_path_factory.mktemp("onnx-cache"))


@pytest.fixture(scope="session")
def onnx_embedder(onnx_store: ModelStore) -> OnnxResNetEmbedder:
    embedder = OnnxResNetEmbedder(onnx_store)
    embedder.load()
    return embedder


def min_cosine(first: FloatArray, second: FloatArray) -> float:
    """The least cosine similarity between corresponding rows."""
    dots = np.sum(first * second, axis=1)
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    return float(np.min(dots / norms))


def test_onnx_descriptors_equal_dlibs_on_twenty_lfw_faces(
    onnx_embedder: OnnxResNetEmbedder, lfw_chips: list[RGBImage], dlib_descriptors: FloatArray
) -> None:
    ported = onnx_embedder.descriptors(lfw_chips)

    assert ported.shape == dlib_descriptors.shape == (FACE_COUNT, 128)
    assert ported.dtype == np.float32
    assert float(np.abs(ported - dlib_descriptors).max()) < MAX_ABS_DIFFERENCE
    assert min_cosine(ported, dlib_descriptors) > MIN_COSINE


def test_onnx_embeddings_are_dlibs_embeddings_scaled_to_unit_length(
    onnx_embedder: OnnxResNetEmbedder, lfw_chips: list[RGBImage], dlib_descriptors: FloatArray
) -> None:
    embeddings = onnx_embedder.embed(lfw_chips)

    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    expected = dlib_descriptors / np.linalg.norm(dlib_descriptors, axis=1, keepdims=True)
    np.testing.assert_allclose(embeddings, expected, atol=MAX_ABS_DIFFERENCE)


def test_batches_give_the_same_descriptors_as_one_chip_at_a_time(
    onnx_store: ModelStore, lfw_chips: list[RGBImage]
) -> None:
    # 20 chips in batches of 8: two full batches and a remainder of 4.
    batched = OnnxResNetEmbedder(onnx_store, batch_size=8)
    one_by_one = np.concatenate([batched.descriptors([chip]) for chip in lfw_chips])
    np.testing.assert_allclose(batched.descriptors(lfw_chips), one_by_one, atol=1e-5)


def test_folding_affine_layers_into_convolutions_keeps_the_descriptors(
    model_store: ModelStore, lfw_chips: list[RGBImage]
) -> None:
    network = read_resnet_v1(model_store.path(ModelFile.RESNET).read_bytes())
    chips = np.stack(lfw_chips[:4])

    def run(model: onnx.ModelProto) -> FloatArray:
        session = ort.InferenceSession(model.SerializeToString())
        return session.run(None, {INPUT_NAME: chips})[0]

    folded = run(build_onnx_model(network))
    unfolded = run(build_onnx_model(network, fold_affine=False))
    assert float(np.abs(folded - unfolded).max()) < 1e-5


def test_no_chips_give_an_empty_descriptor_matrix(onnx_embedder: OnnxResNetEmbedder) -> None:
    assert onnx_embedder.embed([]).shape == (0, 128)


def test_chips_of_the_wrong_size_are_rejected(onnx_embedder: OnnxResNetEmbedder) -> None:
    with pytest.raises(ValueError, match="150 x 150"):
        onnx_embedder.embed([np.zeros((112, 112, 3), dtype=np.uint8)])


def test_jittered_onnx_embedding_differs_slightly_from_the_plain_one(
    onnx_store: ModelStore, onnx_embedder: OnnxResNetEmbedder, lfw_chips: list[RGBImage]
) -> None:
    jittered = OnnxResNetEmbedder(onnx_store, jitters=1)
    similarity = float(jittered.embed(lfw_chips[:1])[0] @ onnx_embedder.embed(lfw_chips[:1])[0])
    assert 0.97 < similarity < 0.99999


def test_the_pipeline_set_to_onnx_gives_the_dlib_pipelines_embedding(
    faces_dir: Path, onnx_store: ModelStore
) -> None:
    # The two networks themselves: flip averaging (on by default) would wrap both alike.
    def pipeline(embedder: EmbedderKind) -> FacePipeline:
        return FacePipeline(VisionSettings(embedder=embedder, flip_average=False), onnx_store)

    (ported,) = pipeline(EmbedderKind.ONNX).analyze_path(faces_dir / GOLDEN_IMAGE)
    (reference,) = pipeline(EmbedderKind.DLIB).analyze_path(faces_dir / GOLDEN_IMAGE)

    assert ported.box == reference.box
    np.testing.assert_allclose(ported.embedding, reference.embedding, atol=MAX_ABS_DIFFERENCE)


def test_second_load_reads_the_cache_instead_of_converting(
    model_store: ModelStore, tmp_path: Path
) -> None:
    source = model_store.path(ModelFile.RESNET)

    first = load_or_convert(source, tmp_path)
    second = load_or_convert(source, tmp_path)

    assert not first.from_cache
    assert first.path.is_file()
    assert first.path.parent == tmp_path
    assert second.from_cache
    assert second.model_bytes == first.model_bytes


@pytest.mark.parametrize("damage", ["changed byte", "truncated", "digest removed"])
def test_a_damaged_cache_entry_is_converted_again(
    model_store: ModelStore, tmp_path: Path, damage: str
) -> None:
    source = model_store.path(ModelFile.RESNET)
    original = load_or_convert(source, tmp_path)
    damaged = bytearray(original.model_bytes)
    if damage == "changed byte":
        damaged[len(damaged) // 2] ^= 0xFF
        original.path.write_bytes(bytes(damaged))
    elif damage == "truncated":
        original.path.write_bytes(bytes(damaged[:1000]))
    else:
        original.path.with_name(original.path.name + ".sha256").unlink()

    rebuilt = load_or_convert(source, tmp_path)

    assert not rebuilt.from_cache
    assert rebuilt.model_bytes == original.model_bytes
    assert original.path.read_bytes() == original.model_bytes
    assert load_or_convert(source, tmp_path).from_cache


def test_a_changed_model_file_gets_its_own_cache_entry(
    model_store: ModelStore, tmp_path: Path
) -> None:
    source = model_store.path(ModelFile.RESNET)
    changed = tmp_path / "models" / source.name
    changed.parent.mkdir()
    data = bytearray(source.read_bytes())
    data[-100_000] ^= 0x01  # one bit of one weight in the last layer
    changed.write_bytes(bytes(data))

    original = load_or_convert(source, tmp_path / "cache")
    converted = load_or_convert(changed, tmp_path / "cache")

    assert not converted.from_cache
    assert converted.path != original.path
    assert converted.model_bytes != original.model_bytes


def test_an_unwritable_cache_still_gives_the_converted_model(
    model_store: ModelStore, tmp_path: Path
) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("in the way")
    converted = load_or_convert(model_store.path(ModelFile.RESNET), not_a_dir / "cache")
    assert not converted.from_cache
    assert len(converted.model_bytes) > 20_000_000


def test_a_truncated_model_file_is_refused_naming_the_offset(model_store: ModelStore) -> None:
    data = model_store.path(ModelFile.RESNET).read_bytes()
    with pytest.raises(DlibFormatError, match=r"unexpected end of data .*at byte"):
        read_resnet_v1(data[: len(data) // 2])


def test_another_dlib_network_is_refused(model_store: ModelStore) -> None:
    mmod_detector = model_store.path(ModelFile.MMOD_DETECTOR).read_bytes()
    with pytest.raises(DlibFormatError, match="loss_metric_2"):
        read_resnet_v1(mmod_detector)


def test_a_corrupt_model_file_makes_the_embedder_unavailable(
    model_store: ModelStore, tmp_path: Path
) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    shutil.copyfile(model_store.path(ModelFile.MMOD_DETECTOR), models_dir / ModelFile.RESNET)
    embedder = OnnxResNetEmbedder(ModelStore(models_dir, onnx_cache_dir=tmp_path / "cache"))
    with pytest.raises(ModelUnavailableError, match=r"could not be loaded.*loss_metric_2"):
        embedder.load()


def test_a_missing_model_file_makes_the_embedder_unavailable(tmp_path: Path) -> None:
    embedder = OnnxResNetEmbedder(ModelStore(tmp_path, onnx_cache_dir=tmp_path / "cache"))
    with pytest.raises(ModelUnavailableError, match="not found") as raised:
        embedder.load()
    assert "pip install" in raised.value.message


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (150, 7, 2, 0, 72),  # first convolution
        (72, 3, 2, 0, 35),  # max pool
        (8, 3, 2, 0, 3),  # a strided block, where the average-pool branch gives 4
        (2, 3, 2, 0, 1),  # a window overhanging the input still gives one output
        (35, 3, 1, 1, 35),  # stride-1 layers keep the size
    ],
)
def test_output_sizes_follow_dlibs_integer_arithmetic(
    size: int, kernel: int, stride: int, padding: int, expected: int
) -> None:
    assert dlib_output_size(size, kernel, stride, padding) == expected
