"""dlib's tiled image pyramid (input_rgb_image_pyramid), as pure functions.

dlib runs its MMOD network once over an image that holds the whole pyramid: the input at
full size in the top left, each smaller level (sides times (down - 1) / down, floored) below
it, and, once the first column is tall enough, the rest climbing back up along the right
edge (dlib/image_transforms/image_pyramid.h, compute_tiled_image_pyramid_details). Levels
are `padding_px` apart and the whole is framed by `outer_padding_px` of zeros. The input
layer normalises the pixels first ((pixel - mean) / 256, so padding is 0 after
normalisation) and builds each level from the previous one with dlib's bilinear
resize_image on floats, which `dlib.resize_image` runs for us, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import dlib
import numpy as np
import numpy.typing as npt

from muster.domain.faces import RGBImage
from muster.vision.onnx.mmod_reader import PyramidInput

FloatTensor = npt.NDArray[np.float32]
_MIN_LEVEL_HEIGHT_PX = 5
_INPUT_SCALE = 1.0 / 256.0


@dataclass(frozen=True, slots=True)
class Tile:
    """One pyramid level's place in the tiled image; right and bottom exclusive."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True, slots=True)
class TiledLayout:
    """Where each level goes (level 0 = the input) and the tiled image's size."""

    tiles: tuple[Tile, ...]
    rows: int
    columns: int


def tiled_layout(rows: int, columns: int, spec: PyramidInput) -> TiledLayout:
    """dlib's layout for an image of `rows` x `columns` (see module doc)."""
    padding, outer = spec.padding_px, spec.outer_padding_px
    sizes = [(columns, rows)]
    rate = (spec.down - 1.0) / spec.down
    nr, nc = rows, columns
    while True:
        nr, nc = math.floor(rate * nr), math.floor(rate * nc)
        if nr * nc == 0 or nr < _MIN_LEVEL_HEIGHT_PX:
            break
        sizes.append((nc, nr))
    total_height = sum(h + padding for _, h in sizes) - 2 * padding
    height, previous_width = 0, 0
    for width, level_height in sizes:
        # Stay in the first column until the next level fits beside the previous one and
        # the column is at least half of what remains.
        if (
            width <= sizes[0][0] - previous_width - padding
            and (height - sizes[0][1]) * 2 >= total_height - sizes[0][1]
        ):
            break
        height += level_height + padding
        previous_width = width
    height -= padding
    full_width = sizes[0][0]
    tiles: list[Tile] = []
    y = outer
    index = 0
    while y < height + outer and index < len(sizes):
        width, level_height = sizes[index]
        tiles.append(Tile(outer, y, width, level_height))
        y += level_height + padding
        index += 1
    y -= padding
    while index < len(sizes):
        width, level_height = sizes[index]
        # dlib anchors the level's bottom-right corner at (outer + full_width - 1, y - 1).
        tile = Tile(outer + full_width - width, y - level_height, width, level_height)
        if _overlap(tile, tiles[0]):
            break  # it would overlap the full-size level
        tiles.append(tile)
        y -= level_height + padding
        index += 1
    return TiledLayout(tuple(tiles), height + 2 * outer, full_width + 2 * outer)


def _overlap(a: Tile, b: Tile) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def tiled_pyramid(image: RGBImage, spec: PyramidInput) -> tuple[FloatTensor, TiledLayout]:
    """The network input for `image` (uint8 RGB, H x W x 3): float32 (1, 3, rows, cols)."""
    rows, columns = image.shape[:2]
    layout = tiled_layout(rows, columns, spec)
    tensor = np.zeros((1, 3, layout.rows, layout.columns), dtype=np.float32)
    if not layout.tiles:
        return tensor, layout
    mean = np.asarray(spec.mean_rgb, dtype=np.float32)
    planar = ((image.astype(np.float32) - mean) * np.float32(_INPUT_SCALE)).transpose(2, 0, 1)
    _region(tensor, layout.tiles[0])[:] = planar
    for previous, tile in zip(layout.tiles, layout.tiles[1:], strict=False):
        source, target = _region(tensor, previous), _region(tensor, tile)
        for channel in range(3):
            source_plane = np.ascontiguousarray(source[channel])
            target[channel] = dlib.resize_image(source_plane, tile.height, tile.width)
    return tensor, layout


def _region(tensor: FloatTensor, tile: Tile) -> FloatTensor:
    """A writable (3, height, width) view of one level in the (1, 3, rows, cols) tensor."""
    return tensor[0, :, tile.top : tile.bottom, tile.left : tile.right]


def nearest_tile(tiles: tuple[Tile, ...], x: float, y: float) -> int:
    """The level whose tile contains (x, y) rounded to a pixel, else the closest one."""
    px, py = math.floor(x + 0.5), math.floor(y + 0.5)
    best, best_distance = 0, math.inf
    for index, tile in enumerate(tiles):
        nearest_x = min(max(px, tile.left), tile.right - 1)
        nearest_y = min(max(py, tile.top), tile.bottom - 1)
        if (nearest_x, nearest_y) == (px, py):
            return index
        distance = math.hypot(nearest_x - px, nearest_y - py)
        if distance < best_distance:
            best, best_distance = index, distance
    return best


def tiled_to_image(
    box: tuple[float, float, float, float], tiles: tuple[Tile, ...], down: int
) -> tuple[float, float, float, float]:
    """A (left, top, right, bottom) box in tiled-image pixels mapped to the input image
    through the level its centre lies on (dlib's tiled_pyramid_to_image)."""
    left, top, right, bottom = box
    level = nearest_tile(tiles, (left + right) / 2, (top + bottom) / 2)
    origin = tiles[level]
    points = [left - origin.left, top - origin.top, right - origin.left, bottom - origin.top]
    ratio = down / (down - 1.0)
    for _ in range(level):
        points = [p * ratio + 0.3 for p in points]
    return points[0], points[1], points[2], points[3]
