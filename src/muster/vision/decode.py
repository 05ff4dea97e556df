"""Decode a photo (upload bytes or a file) into the RGB pixels the face pipeline works on.

Contract of `load_image`: it returns a new H x W x 3 uint8 RGB array, C-contiguous and
writeable, turned upright by its EXIF orientation; otherwise it raises `InvalidImageError`
or one of its subclasses (`UnsupportedImageError`, `ImageTooLargeError`) with a message a
person can act on. Limits come before the work they protect against: the byte limit before
any parsing, the pixel limit from the header before any pixel is decoded.

Accepted: JPEG, PNG, WebP, BMP, GIF, TIFF and, as a documented extra, netpbm (PGM/PPM/PBM),
because the AT&T/ORL evaluation gallery is stored as PGM. Animated or multi-page files give
their first frame. Pillow's global settings are never changed, so this is safe to call from
several threads at once.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PIL import ExifTags, Image, ImageFile

from muster.config import ImageLimits
from muster.domain.errors import ImageTooLargeError, InvalidImageError, UnsupportedImageError
from muster.domain.faces import RGBImage

# Pillow's format ids that we open, in the order tried, with the names people know them by.
_FORMAT_NAMES: Final[Mapping[str, str]] = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "BMP": "BMP",
    "GIF": "GIF",
    "TIFF": "TIFF",
    "PPM": "PGM/PPM",
}
ACCEPTED_FORMATS: Final[tuple[str, ...]] = tuple(_FORMAT_NAMES.values())
"""Names of the accepted formats, for messages, documentation and upload forms."""

_ACCEPTED_TEXT: Final = ", ".join(ACCEPTED_FORMATS[:-1]) + " or " + ACCEPTED_FORMATS[-1]

# Pillow reports a damaged file with any of these. `Warning` is here because where warnings
# are errors (our test suite, `python -W error`), Pillow's warnings about damaged metadata
# arrive as exceptions, and a caller must still get a typed error.
_PILLOW_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
    Warning,
)
# Pillow's own decompression-bomb guard. Our pixel check runs first and our limit never exceeds
# Pillow's, so these fire only for a size that is not in the header: a GIF whose first frame
# is larger than its screen, or an MPO (multi-picture JPEG) frame, both sized while Pillow
# reads the header. Where warnings are errors the warning arrives here as an exception;
# elsewhere Pillow prints it once and our pixel check then refuses the image.
_PILLOW_BOMB_ERRORS: Final = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_HIGH_BIT_DEPTH_MODES: Final = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
_ALPHA_MODES: Final = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WHITE: Final = (255, 255, 255, 255)

# Formats people upload by mistake, by their leading bytes, so the refusal can name them.
_OTHER_SIGNATURES: Final[Mapping[bytes, str]] = {
    b"%PDF-": "PDF",
    b"8BPS": "Photoshop (PSD)",
    b"\xffO\xffQ": "JPEG 2000",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n": "JPEG 2000",
    b"\x1aE\xdf\xa3": "WebM/Matroska video",
}
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})


def load_image(source: bytes | Path, limits: ImageLimits, *, name: str | None = None) -> RGBImage:
    """Decode `source` (encoded bytes, or a file to read) into upright RGB pixels.

    `name` is how messages refer to the image (for example the upload's file name); it
    defaults to the file's name, or "the uploaded file" for bytes.
    Raises `ImageTooLargeError` over `limits`, `UnsupportedImageError` for a recognised but
    refused format or colour mode, and `InvalidImageError` for missing, empty, truncated,
    damaged or non-image input.
    """
    if isinstance(source, Path):
        label = name or source.name
        data = _read_file(source, limits, label)
    else:
        label = name or "the uploaded file"
        _check_byte_size(len(source), limits, label)
        data = source
    if not data:
        raise InvalidImageError(f"{label} is empty (0 bytes); please choose the photo again")

    image, format_name = _open_header(data, limits, label)
    with image:
        _check_pixel_count(image.size, limits, label)
        try:
            image.load()
        except _PILLOW_BOMB_ERRORS as error:
            raise _too_many_pixels_error(label, limits) from error
        except _PILLOW_ERRORS as error:
            raise _damaged_error(error, data, label, format_name) from error
        orientation = _exif_orientation(image)
        pixels = _to_rgb(image, label)
    upright = apply_exif_orientation(pixels, orientation)
    # Copies only when needed: a rotation gives a strided view, Pillow's buffer is read-only.
    return np.require(upright, dtype=np.uint8, requirements=["C_CONTIGUOUS", "WRITEABLE"])


def apply_exif_orientation(pixels: RGBImage, orientation: int) -> RGBImage:
    """Turn pixels stored with EXIF `orientation` (1-8) so that they display upright.

    Orientation says how the stored rows must be transformed for display: 6 means turn 90
    degrees clockwise, 8 counter-clockwise, 2/4 mirror, 5/7 mirror along a diagonal. Values
    outside 1-8 (0 is common) mean "as stored". The result may be a view of `pixels`.
    """
    match orientation:
        case 2:
            return pixels[:, ::-1]
        case 3:
            return pixels[::-1, ::-1]
        case 4:
            return pixels[::-1]
        case 5:
            return pixels.swapaxes(0, 1)
        case 6:
            return np.rot90(pixels, k=-1)
        case 7:
            return pixels.swapaxes(0, 1)[::-1, ::-1]
        case 8:
            return np.rot90(pixels, k=1)
        case _:
            return pixels


def scale_to_uint8(samples: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Map one channel of 16-bit, 32-bit or float samples onto 0..255, keeping their order.

    Integers within 0..65535 are 16-bit data: the full 16-bit range maps onto 0..255, so a
    dark photo stays dark (Pillow's own conversion clips at 255, which turns most 16-bit
    images white). Floats within 0..1 are scaled by 255, the usual convention. Anything else
    (negative or wider integers, other floats) has no standard white level, so it is
    stretched from its own minimum to its maximum. NaN and infinities become black.
    """
    if samples.size == 0:
        return np.zeros(samples.shape, dtype=np.uint8)
    if np.issubdtype(samples.dtype, np.integer):
        if int(samples.min()) >= 0 and int(samples.max()) <= 65535:
            # round(v / 257) in integers: 65535 / 255 == 257 exactly.
            rounded = (samples.astype(np.uint32) + 128) // 257
            return rounded.astype(np.uint8)
        values = samples.astype(np.float32)
    else:
        values = np.nan_to_num(samples.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        if float(values.min()) >= 0.0 and float(values.max()) <= 1.0:
            return (values * 255.0).round().astype(np.uint8)
    return _stretch_to_uint8(values)


def _stretch_to_uint8(values: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    low, high = float(values.min()), float(values.max())
    if high == low:
        return np.zeros(values.shape, dtype=np.uint8)
    return ((values - low) * (255.0 / (high - low))).round().astype(np.uint8)


def _read_file(path: Path, limits: ImageLimits, label: str) -> bytes:
    try:
        with path.open("rb") as file:
            _check_byte_size(path.stat().st_size, limits, label)
            # Read one byte past the limit: a file that grows (or a pipe) is still capped.
            data = file.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise InvalidImageError(f"{label} was not found at {path}; check the path") from None
    except IsADirectoryError:
        raise InvalidImageError(f"{path} is a folder, not an image file") from None
    except OSError as error:
        raise InvalidImageError(
            f"{label} could not be read ({error.strerror or error}); check that the file "
            "exists and that Muster may read it"
        ) from error
    _check_byte_size(len(data), limits, label)
    return data


def _check_byte_size(size_bytes: int, limits: ImageLimits, label: str) -> None:
    if size_bytes > limits.max_bytes:
        raise ImageTooLargeError(
            f"{label} is {_format_bytes(size_bytes)}, over the limit of "
            f"{_format_bytes(limits.max_bytes)}; please send a smaller photo (a few megapixels "
            "is plenty for a face)"
        )


def _format_bytes(size_bytes: int) -> str:
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MiB"
    return f"{size_bytes:,} bytes"


def _open_header(data: bytes, limits: ImageLimits, label: str) -> tuple[ImageFile.ImageFile, str]:
    """Identify `data` among the accepted formats and parse its header only (no pixels).

    This calls the format plugins the way `Image.open` does, but without `Image.open`'s own
    pixel check, which would otherwise warn or refuse before ours with Pillow's fixed
    limit; `_check_pixel_count` runs right after, before any pixel is decoded.
    """
    Image.init()  # Pillow's own lazy plugin registration; idempotent, changes no setting
    head = data[:16]
    for pillow_id, format_name in _FORMAT_NAMES.items():
        if pillow_id not in Image.OPEN:  # a Pillow built without this codec (e.g. WebP)
            continue
        factory, accept = Image.OPEN[pillow_id]
        # `accept` may return a string (a reason it cannot read this file); only True counts.
        if accept is not None and accept(head) is not True:
            continue
        try:
            return factory(io.BytesIO(data), ""), format_name
        except _PILLOW_BOMB_ERRORS as error:
            raise _too_many_pixels_error(label, limits) from error
        except _PILLOW_ERRORS as error:
            raise _damaged_error(error, data, label, format_name) from error
    raise _not_accepted_error(data, label)


def _check_pixel_count(size: tuple[int, int], limits: ImageLimits, label: str) -> None:
    width_px, height_px = size
    if width_px < 1 or height_px < 1:
        raise InvalidImageError(f"{label} has no pixels ({width_px} x {height_px})")
    if width_px * height_px > _max_pixels(limits):
        raise _too_many_pixels_error(label, limits, size)


def _max_pixels(limits: ImageLimits) -> int:
    # Above Pillow's own threshold, Pillow would warn or refuse while decoding; staying under
    # it keeps our check the one that decides, without touching Pillow's global setting.
    pillow_max_pixels = Image.MAX_IMAGE_PIXELS
    if pillow_max_pixels is None:
        return limits.max_pixels
    return min(limits.max_pixels, pillow_max_pixels)


def _too_many_pixels_error(
    label: str, limits: ImageLimits, size: tuple[int, int] | None = None
) -> ImageTooLargeError:
    """`size` is None where Pillow found the excess past the header (a GIF frame)."""
    limit = f"the limit of {_format_pixels(_max_pixels(limits))}"
    if size is None:
        what = f"{label} has more pixels than {limit}"
    else:
        width_px, height_px = size
        count = _format_pixels(width_px * height_px)
        what = f"{label} is {width_px} x {height_px} pixels ({count}), over {limit}"
    return ImageTooLargeError(f"{what}; please resize it (a few megapixels is plenty for a face)")


def _format_pixels(pixel_count: int) -> str:
    if pixel_count >= 1_000_000:
        return f"{pixel_count / 1_000_000:.1f} megapixels"
    return f"{pixel_count:,} pixels"


def _damaged_error(
    error: Exception, data: bytes, label: str, format_name: str
) -> InvalidImageError:
    if "truncated" in str(error).lower() or _riff_is_cut_short(data):
        return InvalidImageError(
            f"{label} is truncated (it was cut off while being copied or sent); please send or "
            "copy the complete file again"
        )
    return InvalidImageError(
        f"{label} is a damaged or incomplete {format_name} file and cannot be decoded "
        f"({error}); please send the file again, or export the photo again"
    )


def _riff_is_cut_short(data: bytes) -> bool:
    """WebP (a RIFF file) states its length up front; Pillow's error does not say truncated."""
    if len(data) < 8 or not data.startswith(b"RIFF"):
        return False
    declared_bytes = int.from_bytes(data[4:8], "little") + 8
    return len(data) < declared_bytes


def _not_accepted_error(data: bytes, label: str) -> InvalidImageError:
    other_format = _other_format_name(data)
    if other_format is not None:
        return UnsupportedImageError(
            f"{label} is in {other_format} format, which Muster does not accept; please "
            f"convert it to {_ACCEPTED_TEXT}"
        )
    return InvalidImageError(
        f"{label} is not an image Muster can read (it is not a {_ACCEPTED_TEXT} file, or it is "
        "badly damaged); please use a photo in one of those formats"
    )


def _other_format_name(data: bytes) -> str | None:
    for signature, format_name in _OTHER_SIGNATURES.items():
        if data.startswith(signature):
            return format_name
    if data[4:8] == b"ftyp":  # ISO media: HEIC/AVIF stills share their container with MP4
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIC/HEIF"
        if brand in _AVIF_BRANDS:
            return "AVIF"
        return "MP4/QuickTime video"
    if b"<svg" in data[:1024].lower():  # after an optional XML declaration or comment
        return "SVG"
    return None


def _exif_orientation(image: Image.Image) -> int:
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except _PILLOW_ERRORS:
        # Damaged EXIF is only metadata: the pixels are still usable as stored.
        return 1
    return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


def _to_rgb(image: Image.Image, label: str) -> RGBImage:
    if image.mode in _HIGH_BIT_DEPTH_MODES:
        grey = scale_to_uint8(np.asarray(image))
        return np.repeat(grey[:, :, np.newaxis], 3, axis=2)
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        image = _flatten_onto_white(image)
    try:
        rgb = image.convert("RGB")
    except ValueError as error:
        raise UnsupportedImageError(
            f"{label} uses the {image.mode} colour mode, which Muster cannot convert to RGB; "
            "please save it as an ordinary RGB JPEG or PNG"
        ) from error
    return np.asarray(rgb, dtype=np.uint8)


def _flatten_onto_white(image: Image.Image) -> Image.Image:
    """Composite onto white rather than dropping alpha: transparent pixels often hold
    arbitrary colour (commonly black), which would leave a dark halo around a cut-out
    portrait; white matches how the picture looks to the person who uploaded it and how
    ID-style photos are shot, so the detector sees a face on a plain, light background."""
    background = Image.new("RGBA", image.size, _WHITE)
    background.alpha_composite(image.convert("RGBA"))
    return background
