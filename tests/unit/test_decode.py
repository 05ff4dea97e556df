"""Decoding synthetic images built here with Pillow and numpy: every accepted format and
colour mode, each EXIF orientation, and every way an upload can be refused.
Real: Pillow's codecs and files in tmp_path. Nothing is mocked."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from muster.config import ImageLimits
from muster.domain.errors import ImageTooLargeError, InvalidImageError, UnsupportedImageError
from muster.domain.faces import RGBImage
from muster.vision.decode import load_image, scale_to_uint8

LIMITS = ImageLimits()
ORIENTATION_TAG = 0x0112
# Six distinct colours on a 3 x 2 grid: every rotation or mirror of it is a different picture.
BLOCK_COLOURS = np.array(
    [
        [[220, 30, 30], [30, 200, 30]],
        [[30, 30, 220], [230, 220, 40]],
        [[200, 40, 200], [20, 20, 20]],
    ],
    dtype=np.uint8,
)


def blocks(block_px: int = 16) -> RGBImage:
    """48 x 32 (height x width) pixels of `BLOCK_COLOURS`, each block `block_px` square."""
    return np.ascontiguousarray(BLOCK_COLOURS.repeat(block_px, axis=0).repeat(block_px, axis=1))


def encode(image: Image.Image, pillow_format: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **params)
    return buffer.getvalue()


def mean_abs_diff(actual: RGBImage, expected: npt.NDArray[Any]) -> float:
    assert actual.shape == expected.shape
    return float(np.abs(actual.astype(np.int32) - expected.astype(np.int32)).mean())


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_claiming_size(width_px: int, height_px: int) -> bytes:
    """A valid PNG header claiming `width_px` x `height_px` RGB pixels, with almost no data."""
    header = struct.pack(">IIBBBBB", width_px, height_px, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def gif_with_frame(frame_width_px: int, frame_height_px: int) -> bytes:
    """A GIF whose 10 x 10 screen holds a first frame of the given size (Pillow grows the
    image to the frame while reading the header, past the size the screen declares)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0x80, 0, 0) + b"\x00" * 6
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, frame_width_px, frame_height_px, 0)
    return screen + descriptor + b"\x02\x02\x4c\x01\x00;"


# -- accepted formats ------------------------------------------------------------------


LOSSLESS_SAVES = {
    "PNG": {},
    "WEBP": {"lossless": True},
    "BMP": {},
    "TIFF": {},
    "PPM": {},
}


@pytest.mark.parametrize("pillow_format", sorted(LOSSLESS_SAVES))
def test_lossless_format_decodes_to_the_exact_rgb_pixels(pillow_format: str) -> None:
    data = encode(Image.fromarray(blocks()), pillow_format, **LOSSLESS_SAVES[pillow_format])

    pixels = load_image(data, LIMITS)

    assert pixels.dtype == np.uint8
    assert pixels.flags.c_contiguous
    assert pixels.flags.writeable
    np.testing.assert_array_equal(pixels, blocks())


def test_jpeg_decodes_to_close_rgb_pixels() -> None:
    data = encode(Image.fromarray(blocks()), "JPEG", quality=95, subsampling=0)

    assert mean_abs_diff(load_image(data, LIMITS), blocks()) < 4


def test_gif_decodes_its_palette_colours() -> None:
    palette_image = Image.fromarray(blocks()).convert("P", palette=Image.Palette.ADAPTIVE)

    np.testing.assert_array_equal(load_image(encode(palette_image, "GIF"), LIMITS), blocks())


def test_animated_gif_gives_its_first_frame() -> None:
    red, blue = (Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255)))
    data = encode(red, "GIF", save_all=True, append_images=[blue], duration=100)

    pixels = load_image(data, LIMITS)

    assert {tuple(colour) for colour in pixels.reshape(-1, 3)} == {(255, 0, 0)}


# -- EXIF orientation ------------------------------------------------------------------

# How a camera stores an upright scene for each orientation: the inverse of what the tag
# asks the viewer to do (6 = "turn clockwise to view", so the camera stored it turned
# counter-clockwise).
STORED_FROM_UPRIGHT = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored_with_orientation(orientation: int, pillow_format: str, **params: Any) -> bytes:
    upright = Image.fromarray(blocks())
    transpose = STORED_FROM_UPRIGHT[orientation]
    stored = upright if transpose is None else upright.transpose(transpose)
    exif = stored.getexif()
    exif[ORIENTATION_TAG] = orientation
    return encode(stored, pillow_format, exif=exif, **params)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_with_exif_orientation_comes_out_upright(orientation: int) -> None:
    data = stored_with_orientation(orientation, "JPEG", quality=95, subsampling=0)

    assert mean_abs_diff(load_image(data, LIMITS), blocks()) < 4


@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_with_exif_orientation_comes_out_upright_exactly(orientation: int) -> None:
    data = stored_with_orientation(orientation, "PNG")

    np.testing.assert_array_equal(load_image(data, LIMITS), blocks())


def test_out_of_range_orientation_leaves_pixels_as_stored() -> None:
    image = Image.fromarray(blocks())
    exif = image.getexif()
    exif[ORIENTATION_TAG] = 0
    data = encode(image, "PNG", exif=exif)

    np.testing.assert_array_equal(load_image(data, LIMITS), blocks())


def test_damaged_exif_gives_a_typed_error_where_warnings_are_errors() -> None:
    cut_short_ifd = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03"
    data = encode(Image.fromarray(blocks()), "JPEG", exif=cut_short_ifd)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidImageError, match="damaged or incomplete JPEG"):
            load_image(data, LIMITS)


def test_damaged_exif_still_decodes_where_warnings_are_only_shown() -> None:
    cut_short_ifd = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03"
    data = encode(Image.fromarray(blocks()), "JPEG", quality=95, subsampling=0, exif=cut_short_ifd)

    with pytest.warns(UserWarning, match="Corrupt EXIF"):
        pixels = load_image(data, LIMITS)

    assert mean_abs_diff(pixels, blocks()) < 4


# -- colour modes ----------------------------------------------------------------------


@pytest.mark.parametrize("pillow_format", ["PNG", "JPEG", "PPM"])
def test_grey_image_becomes_three_equal_channels(pillow_format: str) -> None:
    grey = np.tile(np.arange(0, 256, 8, dtype=np.uint8), (16, 1))

    pixels = load_image(encode(Image.fromarray(grey), pillow_format, quality=100), LIMITS)

    assert pixels.shape == (16, 32, 3)
    np.testing.assert_array_equal(pixels[..., 0], pixels[..., 1])
    np.testing.assert_array_equal(pixels[..., 0], pixels[..., 2])
    assert mean_abs_diff(pixels[..., 0], grey) < 2


@pytest.mark.parametrize(
    ("pillow_format", "params"), [("PNG", {}), ("WEBP", {"lossless": True, "exact": True})]
)
def test_rgba_is_composited_onto_white(pillow_format: str, params: dict[str, Any]) -> None:
    # Transparent black, opaque red, half-transparent black.
    rgba = np.array([[[0, 0, 0, 0], [255, 0, 0, 255], [0, 0, 0, 128]]], dtype=np.uint8)

    pixels = load_image(encode(Image.fromarray(rgba, "RGBA"), pillow_format, **params), LIMITS)

    expected = np.array([[[255, 255, 255], [255, 0, 0], [127, 127, 127]]])
    assert np.abs(pixels.astype(np.int32) - expected).max() <= 1


def test_grey_with_alpha_is_composited_onto_white() -> None:
    grey_alpha = np.array([[[0, 0], [200, 255], [0, 128]]], dtype=np.uint8)

    pixels = load_image(encode(Image.fromarray(grey_alpha, "LA"), "PNG"), LIMITS)

    assert np.abs(pixels[0, :, 0].astype(np.int32) - [255, 200, 127]).max() <= 1


@pytest.mark.parametrize("pillow_format", ["PNG", "GIF"])
def test_palette_transparency_becomes_white(pillow_format: str) -> None:
    palette_image = Image.new("P", (4, 2), 0)
    palette_image.putpalette([0, 0, 0, 0, 0, 255])
    palette_image.paste(1, (2, 0, 4, 2))  # right half: palette entry 1, blue

    data = encode(palette_image, pillow_format, transparency=0)
    pixels = load_image(data, LIMITS)

    assert {tuple(colour) for colour in pixels[:, :2].reshape(-1, 3)} == {(255, 255, 255)}
    assert {tuple(colour) for colour in pixels[:, 2:].reshape(-1, 3)} == {(0, 0, 255)}


@pytest.mark.parametrize("pillow_format", ["TIFF", "JPEG"])
def test_cmyk_becomes_rgb(pillow_format: str) -> None:
    cyan = Image.new("CMYK", (8, 8), (255, 0, 0, 0))

    pixels = load_image(encode(cyan, pillow_format, quality=100), LIMITS)

    assert mean_abs_diff(pixels, np.full((8, 8, 3), (0, 255, 255))) < 3


@pytest.mark.parametrize("pillow_format", ["PNG", "BMP", "TIFF"])
def test_one_bit_image_becomes_black_and_white(pillow_format: str) -> None:
    checkerboard = (np.indices((4, 6)).sum(axis=0) % 2).astype(bool)

    pixels = load_image(encode(Image.fromarray(checkerboard), pillow_format), LIMITS)

    np.testing.assert_array_equal(pixels[..., 0], np.where(checkerboard, 255, 0))
    np.testing.assert_array_equal(pixels[..., 0], pixels[..., 2])


@pytest.mark.parametrize("pillow_format", ["PNG", "TIFF", "PPM"])
def test_sixteen_bit_gradient_keeps_its_order_and_full_range(pillow_format: str) -> None:
    gradient = np.tile(np.linspace(0, 65535, 1024).astype(np.uint16), (2, 1))

    pixels = load_image(encode(Image.fromarray(gradient), pillow_format), LIMITS)

    row = pixels[0, :, 0].astype(np.int32)
    assert row[0] == 0
    assert row[-1] == 255
    assert (np.diff(row) >= 0).all()
    assert len(np.unique(row)) == 256  # all levels kept: not clipped, not posterised
    assert abs(int(row[512]) - 128) <= 1


def test_dark_sixteen_bit_image_stays_dark() -> None:
    dark = np.full((4, 4), 4096, dtype=np.uint16)  # 1/16 of full scale

    pixels = load_image(encode(Image.fromarray(dark), "PNG"), LIMITS)

    assert set(pixels.ravel().tolist()) == {16}


def test_thirty_two_bit_integer_image_is_stretched_to_full_range() -> None:
    wide = (np.arange(64, dtype=np.int32) * 1_000_000 - 5_000_000).reshape(8, 8)

    pixels = load_image(encode(Image.fromarray(wide), "TIFF"), LIMITS)

    row = pixels[..., 0].ravel().astype(np.int32)
    assert (row[0], row[-1]) == (0, 255)
    assert (np.diff(row) > 0).all()


def test_float_image_in_unit_range_scales_by_255() -> None:
    unit = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)

    pixels = load_image(encode(Image.fromarray(unit), "TIFF"), LIMITS)

    assert pixels[0, :, 0].tolist() == [0, 128, 255]


def test_scale_to_uint8_turns_nan_and_infinities_black() -> None:
    samples = np.array([np.nan, 0.25, np.inf, -np.inf, 1.0], dtype=np.float32)

    assert scale_to_uint8(samples).tolist() == [0, 64, 0, 0, 255]


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF", "PPM"])
def test_truncated_file_is_reported_as_truncated(pillow_format: str) -> None:
    noise = np.random.default_rng(7).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    image = Image.fromarray(noise)
    data = encode(image.convert("P") if pillow_format == "GIF" else image, pillow_format)

    with pytest.raises(InvalidImageError) as refusal:
        load_image(data[: len(data) * 6 // 10], LIMITS, name="photo.jpg")

    assert type(refusal.value) is InvalidImageError
    assert refusal.value.message == (
        "photo.jpg is truncated (it was cut off while being copied or sent); please send or "
        "copy the complete file again"
    )


def test_empty_bytes_are_refused() -> None:
    with pytest.raises(InvalidImageError, match="is empty"):
        load_image(b"", LIMITS)


def test_random_bytes_are_not_an_image() -> None:
    noise = np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes()

    with pytest.raises(InvalidImageError, match=r"not an image .*JPEG, PNG, WebP"):
        load_image(noise, LIMITS)


def test_text_file_is_refused_naming_the_accepted_formats(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Attendance for Monday: everyone was there.\n", encoding="utf-8")

    with pytest.raises(InvalidImageError) as refusal:
        load_image(notes, LIMITS)

    assert refusal.value.message.startswith("notes.txt is not an image Muster can read")
    assert "JPEG, PNG, WebP, BMP, GIF, TIFF or PGM/PPM" in refusal.value.message


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'
HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "format_name"),
    [(SVG, "SVG"), (HEIC_HEADER, "HEIC/HEIF"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF")],
)
def test_known_other_format_is_refused_by_name(data: bytes, format_name: str) -> None:
    with pytest.raises(UnsupportedImageError) as refusal:
        load_image(data, LIMITS, name="upload")

    assert refusal.value.message.startswith(f"upload is in {format_name} format")
    assert "JPEG, PNG, WebP, BMP, GIF, TIFF or PGM/PPM" in refusal.value.message


@pytest.mark.parametrize("pillow_format", ["ICO", "PCX"])
def test_image_in_a_format_pillow_reads_but_we_do_not_accept_is_refused(
    pillow_format: str,
) -> None:
    data = encode(Image.fromarray(blocks()), pillow_format)
    Image.open(io.BytesIO(data)).close()  # Pillow itself would open it

    with pytest.raises(InvalidImageError, match="not an image Muster can read"):
        load_image(data, LIMITS)


@pytest.mark.parametrize(("width_px", "height_px"), [(100_000, 100_000), (10_000, 10_000)])
def test_decompression_bomb_png_is_refused_from_its_header(width_px: int, height_px: int) -> None:
    # The larger is far past Pillow's own limit, the smaller between its warning and its
    # error; either way our check must speak first, naming the size.
    with pytest.raises(ImageTooLargeError, match=f"is {width_px} x {height_px} pixels"):
        load_image(png_claiming_size(width_px, height_px), LIMITS)


def test_pixel_limit_is_checked_before_pixels_are_decoded() -> None:
    # Within Pillow's limits but over ours; decoding it would report the missing data instead.
    with pytest.raises(ImageTooLargeError, match=r"7000 x 7000 pixels \(49.0 megapixels\)"):
        load_image(png_claiming_size(7000, 7000), LIMITS)


@pytest.mark.parametrize(("width_px", "height_px"), [(65_535, 65_535), (12_000, 12_000)])
def test_gif_frame_far_larger_than_its_screen_is_refused(width_px: int, height_px: int) -> None:
    with pytest.raises(ImageTooLargeError, match=r"limit of 40\.0 megapixels"):
        load_image(gif_with_frame(width_px, height_px), LIMITS)


def test_pixel_limit_allows_exactly_the_limit() -> None:
    limits = ImageLimits(max_pixels=10_000)

    assert load_image(encode(Image.new("RGB", (100, 100)), "PNG"), limits).shape == (100, 100, 3)
    with pytest.raises(ImageTooLargeError, match=r"\(10,100 pixels\), over the limit of 10,000"):
        load_image(encode(Image.new("RGB", (101, 100)), "PNG"), limits)


def test_byte_limit_is_checked_before_decoding() -> None:
    limits = ImageLimits(max_bytes=1024)
    not_an_image = b"x" * 1025  # decoding it would say "not an image" instead

    with pytest.raises(ImageTooLargeError, match=r"is 1,025 bytes, over the limit of 1,024 bytes"):
        load_image(not_an_image, limits)


def test_file_over_the_byte_limit_is_refused(tmp_path: Path) -> None:
    noise = np.random.default_rng(5).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    photo = tmp_path / "big.png"
    Image.fromarray(noise).save(photo)

    size = f"{photo.stat().st_size:,}"

    with pytest.raises(ImageTooLargeError, match=rf"^big\.png is {size} bytes, over the limit"):
        load_image(photo, ImageLimits(max_bytes=1024))


def test_file_source_decodes_like_its_bytes(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    Image.fromarray(blocks()).save(photo)

    np.testing.assert_array_equal(load_image(photo, LIMITS), blocks())


def test_missing_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidImageError, match=r"^photo.jpg was not found at .*; check the path"):
        load_image(tmp_path / "photo.jpg", LIMITS)


def test_folder_instead_of_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidImageError, match="is a folder, not an image file"):
        load_image(tmp_path, LIMITS)
