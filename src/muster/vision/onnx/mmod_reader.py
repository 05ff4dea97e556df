"""Reads dlib's MMOD face detector (mmod_human_face_detector.dat) into plain data.

The C++ type (dlib/examples/dnn_mmod_face_detection_ex.cpp) is

    loss_mmod<con<1,9,9,1,1, rcon5<rcon5<rcon5<downsampler<
        input_rgb_image_pyramid<pyramid_down<6>>>>>>>>
    downsampler = relu(affine(con5d<32>(relu(affine(con5d<32>(relu(affine(con5d<16>)))))))
    rcon5<N>    = relu(affine(con<N,5x5,1>)),  con5d<N> = con<N,5x5,stride 2>

The file nests like the ResNet's (see `reader`), whose layer readers this module reuses.
What differs: the loss layer (the detection options), the input layer (the pyramid), and
the affine layers, stored as the batch-norm layers they were trained as.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from muster.vision.onnx.dlib_stream import DlibStream
from muster.vision.onnx.network import Affine, Expected, Layer, LayerKind
from muster.vision.onnx.reader import read_layer_details, read_layer_version, skip_training_state

_LOSS_LAYER_VERSION = 1
_OPTIONS_VERSION = 1
_INPUT_LAYER_VERSIONS = (2, 3)
_PYRAMID_DOWN = 6
_DEFAULT_PADDING_PX = 10  # what dlib assumes for a file without the padding fields
_DEFAULT_OUTER_PADDING_PX = 11


@dataclass(frozen=True, slots=True)
class BoxOverlap:
    """dlib's test_box_overlap: two boxes overlap when their IoU exceeds `iou`, or when
    their intersection covers more than `covered` of either box."""

    iou: float
    covered: float


@dataclass(frozen=True, slots=True)
class MmodOptions:
    """The detection part of the loss layer: the detector window (in pyramid pixels) each
    output channel scores, and the non-max suppression rule."""

    window_width_px: int
    window_height_px: int
    nms: BoxOverlap


@dataclass(frozen=True, slots=True)
class PyramidInput:
    """input_rgb_image_pyramid: (pixel - mean) / 256 per channel, levels shrinking by
    (down - 1) / down, tiled `padding_px` apart inside a border of `outer_padding_px`."""

    mean_rgb: tuple[float, float, float]
    down: int
    padding_px: int
    outer_padding_px: int


@dataclass(frozen=True, slots=True)
class MmodNetwork:
    """The detector: its input layer, its layers input to output (the last one writes the
    score map), and the loss layer's options."""

    input: PyramidInput
    layers: tuple[Layer, ...]
    options: MmodOptions


_AFFINE = Expected(LayerKind.AFFINE)
_RELU = Expected(LayerKind.RELU)


def _con_relu(filters: int, stride: int) -> list[Expected]:
    return [_RELU, _AFFINE, Expected(LayerKind.CON, size=filters, kernel=5, stride=stride)]


MMOD_LAYERS: tuple[Expected, ...] = (
    Expected(LayerKind.CON, size=1, kernel=9, stride=1),
    *_con_relu(45, 1),
    *_con_relu(45, 1),
    *_con_relu(45, 1),
    *_con_relu(32, 2),
    *_con_relu(32, 2),
    *_con_relu(16, 2),
)
"""The network below the loss layer, outermost first (the file's nesting order)."""


def read_mmod(data: bytes) -> MmodNetwork:
    """The detector in the bytes of mmod_human_face_detector.dat.

    Raises DlibFormatError when the bytes are not that network.
    """
    stream = DlibStream(data)
    stream.expect_integer((_LOSS_LAYER_VERSION,), "loss layer version")
    stream.expect_string("loss_mmod_")
    options = _options(stream)
    versions = [read_layer_version(stream, expected) for expected in MMOD_LAYERS[:-1]]
    versions.append(stream.expect_integer(_INPUT_LAYER_VERSIONS, "input add_layer version"))
    pyramid = _pyramid_input(stream)
    layers: list[Layer] = []
    innermost = len(MMOD_LAYERS) - 1
    for index in range(innermost, -1, -1):
        expected = MMOD_LAYERS[index]
        if expected.kind is LayerKind.AFFINE:
            layers.append(_batch_norm_as_affine(stream))
        else:
            layers.append(read_layer_details(stream, expected))
        skip_training_state(stream, versions[index], wraps_input=index == innermost)
    if not stream.at_end():
        raise stream.error("unexpected data after the network")
    return MmodNetwork(input=pyramid, layers=tuple(layers), options=options)


def _options(stream: DlibStream) -> MmodOptions:
    """mmod_options version 1, as in mmod_human_face_detector.dat: one detector window
    (width, height). Later versions (several labelled windows, bounding-box regression)
    are refused rather than guessed at."""
    stream.expect_integer((_OPTIONS_VERSION,), "mmod_options version")
    width, height = stream.integer(), stream.integer()
    stream.floating()  # loss_per_false_alarm: training only
    stream.floating()  # loss_per_missed_target: training only
    stream.floating()  # truth_match_iou_threshold: training only
    nms = BoxOverlap(iou=stream.floating(), covered=stream.floating())
    stream.floating()  # overlaps_ignore (iou, covered): training only
    stream.floating()
    return MmodOptions(window_width_px=width, window_height_px=height, nms=nms)


def _pyramid_input(stream: DlibStream) -> PyramidInput:
    version = stream.string()
    if version not in ("input_rgb_image_pyramid", "input_rgb_image_pyramid2"):
        raise stream.error(f"expected an input_rgb_image_pyramid, found {version!r}")
    mean_rgb = (stream.floating(), stream.floating(), stream.floating())
    padding, outer = _DEFAULT_PADDING_PX, _DEFAULT_OUTER_PADDING_PX
    if version.endswith("2"):
        padding, outer = stream.integer(), stream.integer()
    return PyramidInput(mean_rgb, _PYRAMID_DOWN, padding, outer)


def _batch_norm_as_affine(stream: DlibStream) -> Affine:
    """A layer stored as the batch norm it was trained as ("bn_con2"), frozen the way
    dlib's affine_ converts one: gamma / sqrt(running variance + eps) and
    beta - that * running mean."""
    stream.expect_string("bn_con2")
    params = stream.tensor().reshape(-1)
    gamma_shape = stream.alias_tensor_shape()
    stream.alias_tensor_shape()  # beta: same shape
    channels = gamma_shape[1]
    if params.size != 2 * channels:
        raise stream.error(f"bn params: expected {2 * channels} values, found {params.size}")
    stream.tensor()  # means and inverse deviations of the last training batch
    stream.tensor()
    running_means = stream.tensor().reshape(-1)
    running_variances = stream.tensor().reshape(-1)
    stream.integer()  # num_updates
    stream.integer()  # running_stats_window_size
    for _ in range(4):  # learning-rate and weight-decay multipliers
        stream.floating()
    eps = stream.floating()
    scale = params[:channels] / np.sqrt(running_variances + np.float32(eps))
    shift = params[channels:] - scale * running_means
    return Affine(gamma=scale.astype(np.float32), beta=shift.astype(np.float32))
