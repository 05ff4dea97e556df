"""dlib's MMOD CNN face detector ported to ONNX Runtime. Real: dlib's model file and its
ONNX conversion, dlib's own detector as the reference, and photos from ../shared/faces (LFW
portraits, PASCAL VOC group photos, a 640x480 frame of the Hamilton clip)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from muster.config import VisionSettings
from muster.domain.errors import ModelUnavailableError
from muster.domain.faces import Box, CnnRuntime, DetectorKind, RGBImage
from muster.vision import ModelStore
from muster.vision.decode import load_image
from muster.vision.detect import MmodDetector, OnnxMmodDetector, build_detector
from muster.vision.models import ModelFile
from muster.vision.onnx.dlib_stream import DlibFormatError
from muster.vision.onnx.mmod import OnnxMmod
from muster.vision.onnx.mmod_reader import read_mmod

pytestmark = pytest.mark.models

LFW_PHOTOS = (
    "lfw_dev/Abdullah_Gul/Abdullah_Gul_0013.jpg",
    "lfw_dev/George_HW_Bush/George_HW_Bush_0005.jpg",
)
GROUP_PHOTO = "dlib_examples/faces/2008_002470.jpg"
"""Six annotated faces, each under the detector's 80 px window: found at twice the size."""
SEVEN_FACES = "dlib_examples/faces/2007_007763.jpg"
CLIP = "face_recognition_examples/examples/short_hamilton_clip.mp4"
CLIP_FRAME_INDEX = 29
"""A frame in which dlib's CNN finds a face without upsampling."""
FRAME = "640x480 frame"
MIN_IOU = 0.9
MAX_SCORE_DIFFERENCE = 0.01


@pytest.fixture(scope="module")
def onnx_mmod(model_store: ModelStore) -> OnnxMmod:
    net = OnnxMmod(model_store.path(ModelFile.MMOD_DETECTOR))
    net.load()
    return net


def clip_frame(faces_dir: Path) -> RGBImage:
    """A 640x360 frame of the clip letterboxed into a 640x480 kiosk frame."""
    capture = cv2.VideoCapture(str(faces_dir / CLIP), cv2.CAP_FFMPEG)
    for _ in range(CLIP_FRAME_INDEX + 1):
        ok, bgr = capture.read()
        assert ok, f"could not read {CLIP}"
    capture.release()
    canvas = np.zeros((480, 640, 3), dtype=np.uint8)
    canvas[60:420] = bgr[:, :, ::-1]
    return canvas


def doubled(faces_dir: Path, name: str) -> RGBImage:
    """A photo at twice its size (what upsampling would look at, made without dlib's
    pyramid_up, which the port does not reproduce)."""
    image = load_image(faces_dir / name, VisionSettings().limits)
    big = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(big, dtype=np.uint8)


def photo(faces_dir: Path, name: str) -> RGBImage:
    if name == FRAME:
        return clip_frame(faces_dir)
    if name == GROUP_PHOTO:
        return doubled(faces_dir, name)
    return load_image(faces_dir / name, VisionSettings().limits)


def iou(a: Box, b: Box) -> float:
    inner = max(0, min(a.right, b.right) - max(a.left, b.left)) * max(
        0, min(a.bottom, b.bottom) - max(a.top, b.top)
    )
    return inner / (a.width * a.height + b.width * b.height - inner)


@pytest.mark.parametrize("name", [*LFW_PHOTOS, GROUP_PHOTO, FRAME])
def test_onnx_detector_finds_the_faces_dlib_finds_with_the_same_boxes_and_scores(
    faces_dir: Path, model_store: ModelStore, onnx_mmod: OnnxMmod, name: str
) -> None:
    image = photo(faces_dir, name)
    expected = MmodDetector(model_store, upsample=0).detect(image)

    found = OnnxMmodDetector(onnx_mmod).detect(image)

    assert expected, f"dlib finds no face in {name}: a comparison that cannot fail"
    assert len(found) == len(expected)
    for ours, theirs in zip(found, expected, strict=True):
        assert iou(ours.box, theirs.box) >= MIN_IOU, (ours, theirs)
        assert abs(ours.score - theirs.score) <= MAX_SCORE_DIFFERENCE
        assert ours.detector is DetectorKind.CNN


def test_group_photos_give_several_faces_best_first(faces_dir: Path, onnx_mmod: OnnxMmod) -> None:
    found = onnx_mmod.find(doubled(faces_dir, SEVEN_FACES))

    assert len(found) == 7
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
    assert min(scores) > 0.0


def test_cnn_runtime_onnx_gives_dlibs_cnn_detections_through_build_detector(
    faces_dir: Path, model_store: ModelStore
) -> None:
    image = photo(faces_dir, LFW_PHOTOS[0])
    cnn = VisionSettings(detector=DetectorKind.CNN, upsample=0)
    ported = build_detector(cnn, model_store)
    reference = build_detector(cnn.model_copy(update={"cnn_runtime": CnnRuntime.DLIB}), model_store)

    found, expected = ported.detect(image), reference.detect(image)

    assert [d.box for d in found] == [d.box for d in expected]
    assert VisionSettings().cnn_runtime is CnnRuntime.ONNX


def test_a_missing_model_file_is_reported_on_load(tmp_path: Path) -> None:
    net = OnnxMmod(tmp_path / ModelFile.MMOD_DETECTOR.value)

    with pytest.raises(ModelUnavailableError, match=r"mmod_human_face_detector\.dat"):
        net.load()


def test_the_reader_refuses_a_network_that_is_not_the_mmod_detector(
    model_store: ModelStore,
) -> None:
    with pytest.raises(DlibFormatError, match="loss_mmod_"):
        read_mmod(model_store.path(ModelFile.RESNET).read_bytes())
