"""Decoding real photos from ../shared/faces, checked against what their label files say.
Real: the files, Pillow's codecs, and (marked `models`) dlib's HOG face detector."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import dlib
import numpy as np
import pytest
from PIL import Image

from muster.config import ImageLimits
from muster.domain.errors import UnsupportedImageError
from muster.domain.faces import RGBImage
from muster.vision.decode import load_image

LIMITS = ImageLimits()
LIVE_PHOTO = "spoof_silent_face/sample/image_T1.jpg"
RGBA_PHOTO = "face_recognition_examples/tests/test_images/32bit.png"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".pgm", ".bmp", ".webp", ".tif"})


def label_note(faces_dir: Path, labels_csv: str, relative_path: str) -> str:
    with (faces_dir / labels_csv).open(newline="", encoding="utf-8") as labels:
        for row in csv.DictReader(labels):
            if row["path"] == relative_path:
                return row["note"]
    raise AssertionError(f"{relative_path} is not in {labels_csv}")


def stored_pixels(path: Path) -> RGBImage:
    """The pixels exactly as stored, without any EXIF orientation applied."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def hog_face_count(pixels: RGBImage) -> int:
    boxes, _scores, _kinds = dlib.get_frontal_face_detector().run(np.ascontiguousarray(pixels), 0)
    return len(boxes)


def test_live_photo_with_exif_orientation_8_comes_out_portrait(faces_dir: Path) -> None:
    note = label_note(faces_dir, "spoof_silent_face/labels.csv", LIVE_PHOTO)
    assert "EXIF orientation 8" in note
    size = re.search(r"(\d+)x(\d+) stored", note)
    assert size is not None
    stored_width_px, stored_height_px = int(size[1]), int(size[2])
    assert stored_width_px > stored_height_px  # stored sideways, as landscape

    pixels = load_image(faces_dir / LIVE_PHOTO, LIMITS)

    assert pixels.shape == (stored_width_px, stored_height_px, 3)


@pytest.mark.models
def test_live_photo_face_is_upright_only_after_the_exif_rotation(faces_dir: Path) -> None:
    # The HOG detector finds upright faces only: it finds none in the stored (sideways)
    # pixels, and would find none in a photo turned the wrong way (upside down).
    path = faces_dir / LIVE_PHOTO
    assert hog_face_count(stored_pixels(path)[::4, ::4]) == 0

    pixels = load_image(path, LIMITS)

    assert hog_face_count(pixels[::4, ::4]) == 1


def test_rgba_png_decodes_to_its_colour_channels(faces_dir: Path) -> None:
    with Image.open(faces_dir / RGBA_PHOTO) as image:
        assert image.mode == "RGBA"
        rgba = np.asarray(image)
    assert (rgba[..., 3] == 255).all()  # fully opaque, so compositing must change nothing

    pixels = load_image(faces_dir / RGBA_PHOTO, LIMITS)

    np.testing.assert_array_equal(pixels, rgba[..., :3])


def test_grey_pgm_decodes_to_equal_rgb_channels(faces_dir: Path) -> None:
    path = faces_dir / "att_orl_faces/s1/1.pgm"
    # Read the binary PGM ourselves: "P5", width, height, maxval, then one byte per pixel.
    magic, width, height, maxval, raster = path.read_bytes().split(maxsplit=4)
    assert (magic, maxval) == (b"P5", b"255")
    grey = np.frombuffer(raster, dtype=np.uint8).reshape(int(height), int(width))

    pixels = load_image(path, LIMITS)

    for channel in range(3):
        np.testing.assert_array_equal(pixels[..., channel], grey)


def test_every_att_orl_image_decodes_at_its_documented_size(faces_dir: Path) -> None:
    with (faces_dir / "att_orl_faces/labels.csv").open(newline="", encoding="utf-8") as labels:
        paths = [faces_dir / row["path"] for row in csv.DictReader(labels)]
    assert len(paths) == 400

    shapes = {load_image(path, LIMITS).shape for path in paths}

    assert shapes == {(112, 92, 3)}


def test_one_image_of_each_kind_in_every_data_folder_decodes(faces_dir: Path) -> None:
    first_of_kind: dict[tuple[str, str], Path] = {}
    for path in sorted(faces_dir.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            kind = (path.relative_to(faces_dir).parts[0], path.suffix.lower())
            first_of_kind.setdefault(kind, path)
    assert len(first_of_kind) >= 13  # every folder holds images

    for path in first_of_kind.values():
        pixels = load_image(path, LIMITS)
        assert pixels.ndim == 3
        assert pixels.shape[2] == 3
        assert pixels.dtype == np.uint8


@pytest.mark.parametrize(
    ("relative_path", "format_name"),
    [
        ("face_recognition_examples/examples/short_hamilton_clip.mp4", "MP4/QuickTime video"),
        ("spoof_liveness_webcam/videos/real2.webm", "WebM/Matroska video"),
    ],
)
def test_video_file_is_refused_by_name(
    faces_dir: Path, relative_path: str, format_name: str
) -> None:
    path = faces_dir / relative_path

    expected = re.escape(f"{path.name} is in {format_name} format")
    with pytest.raises(UnsupportedImageError, match=f"^{expected}"):
        load_image(path, LIMITS)
