"""Reads dlib's face-recognition ResNet file into a `DlibNetwork`.

dlib deserialises a network by its C++ type: the file stores no layer graph, only each
layer's version string and parameters, nested as the type is. So, like dlib, we read
*against* the expected type (`RESNET_V1_LAYERS`) and refuse a file that does not match it.

Layout (dlib/dnn/core.h): the loss layer (version 1, "loss_metric_2", margin, threshold)
wraps the network; each wrapper writes its version number and then its subnetwork, so the
file starts with one version number per layer, outermost first. Tag and skip layers write
nothing else. The innermost layer wraps the input layer, which comes next. Then each
computational layer, innermost first, writes its details followed by its training state
(three bools and a few tensors that are empty in a cleaned network).
"""

from __future__ import annotations

from muster.vision.onnx.dlib_stream import DlibFormatError, DlibStream
from muster.vision.onnx.network import (
    INPUT_SIZE_PX,
    RESNET_V1_LAYERS,
    AddPrev,
    Affine,
    Conv,
    DlibNetwork,
    Expected,
    FullyConnected,
    InputRGB,
    Layer,
    LayerKind,
    Pool,
    PoolKind,
    Relu,
    Skip,
    Tag,
)

_LOSS_LAYER_VERSION = 1
_WRAPPER_VERSION = 1  # add_tag_layer and add_skip_layer
_LAYER_VERSIONS = (1, 2)  # add_layer; version 2 adds params_grad
_INPUT_LAYER_VERSIONS = (2, 3)  # add_layer over an input layer; 3 adds the expansion factor
_CONV_MODE = 0
_FC_NO_BIAS = 1

__all__ = [
    "DlibFormatError",
    "read_layer_details",
    "read_layer_version",
    "read_resnet_v1",
    "skip_training_state",
]


def read_resnet_v1(data: bytes) -> DlibNetwork:
    """The network in the bytes of dlib_face_recognition_resnet_model_v1.dat.

    Raises DlibFormatError when the bytes are not that network (truncated, corrupt, or
    another dlib network), naming what was expected where.
    """
    stream = DlibStream(data)
    stream.expect_integer((_LOSS_LAYER_VERSION,), "loss layer version")
    stream.expect_string("loss_metric_2")
    stream.floating()  # margin: training only
    stream.floating()  # distance threshold: training only

    versions = [read_layer_version(stream, expected) for expected in RESNET_V1_LAYERS[:-1]]
    versions.append(stream.expect_integer(_INPUT_LAYER_VERSIONS, "input add_layer version"))
    input_layer = _input_layer(stream)

    layers: list[Layer] = []
    innermost = len(RESNET_V1_LAYERS) - 1
    for index in range(innermost, -1, -1):
        expected = RESNET_V1_LAYERS[index]
        if expected.kind is LayerKind.TAG:
            layers.append(Tag(expected.tag_id))
        elif expected.kind is LayerKind.SKIP:
            layers.append(Skip(expected.tag_id))
        else:
            layers.append(read_layer_details(stream, expected))
            skip_training_state(stream, versions[index], wraps_input=index == innermost)
    if not stream.at_end():
        raise stream.error("unexpected data after the network")
    return DlibNetwork(input=input_layer, layers=tuple(layers))


def read_layer_version(stream: DlibStream, expected: Expected) -> int:
    if expected.is_wrapper:
        return stream.expect_integer((_WRAPPER_VERSION,), f"{expected.kind} layer version")
    return stream.expect_integer(_LAYER_VERSIONS, f"{expected.kind} add_layer version")


def _input_layer(stream: DlibStream) -> InputRGB:
    stream.expect_string("input_rgb_image_sized")
    mean_rgb = (stream.floating(), stream.floating(), stream.floating())
    rows = stream.expect_integer((INPUT_SIZE_PX,), "input rows")
    stream.expect_integer((INPUT_SIZE_PX,), "input columns")
    return InputRGB(size_px=rows, mean_rgb=mean_rgb)


def skip_training_state(stream: DlibStream, version: int, *, wraps_input: bool) -> None:
    """Skips what add_layer saves for training: three flags, then x_grad and
    cached_output, then params_grad (version 2) or, over the input layer, grad_final and
    (version 3) the sample expansion factor."""
    for _ in range(3):
        stream.boolean()
    stream.tensor()
    stream.tensor()
    if wraps_input:
        stream.tensor()
        if version >= 3:
            stream.integer()
    elif version >= 2:
        stream.tensor()


def read_layer_details(stream: DlibStream, expected: Expected) -> Layer:
    match expected.kind:
        case LayerKind.CON:
            return _conv(stream, expected)
        case LayerKind.AFFINE:
            return _affine(stream)
        case LayerKind.RELU:
            stream.expect_string("relu_")
            return Relu()
        case LayerKind.MAX_POOL:
            return _pool(stream, expected, PoolKind.MAX)
        case LayerKind.AVG_POOL:
            return _pool(stream, expected, PoolKind.AVG)
        case LayerKind.ADD_PREV:
            stream.expect_string("add_prev_")
            return AddPrev(expected.tag_id)
        case LayerKind.FC:
            return _fully_connected(stream, expected)
    raise stream.error(f"no reader for a {expected.kind} layer")


def _conv(stream: DlibStream, expected: Expected) -> Conv:
    stream.expect_string("con_4")
    params = stream.tensor().reshape(-1)
    stream.expect_integer((expected.size,), "con filters")
    stream.expect_integer((expected.kernel,), "con rows")
    stream.expect_integer((expected.kernel,), "con columns")
    stream.expect_integer((expected.stride,), "con row stride")
    stream.expect_integer((expected.stride,), "con column stride")
    stream.expect_integer((expected.default_padding,), "con row padding")
    stream.expect_integer((expected.default_padding,), "con column padding")
    filters_shape = stream.alias_tensor_shape()
    bias_shape = stream.alias_tensor_shape()
    _skip_doubles(stream, 4)  # learning-rate and weight-decay multipliers
    count, channels, rows, columns = filters_shape
    if (count, rows, columns) != (expected.size, expected.kernel, expected.kernel) or (
        bias_shape != (1, expected.size, 1, 1)
    ):
        raise stream.error(f"con filter shapes {filters_shape} and {bias_shape} do not match")
    weight_count = count * channels * rows * columns
    _check_size(stream, params.size, weight_count + count, "con params")
    return Conv(
        weights=params[:weight_count].reshape(filters_shape),
        bias=params[weight_count:],
        stride=expected.stride,
        padding=expected.default_padding,
    )


def _affine(stream: DlibStream) -> Affine:
    stream.expect_string("affine_")
    params = stream.tensor().reshape(-1)
    gamma_shape = stream.alias_tensor_shape()
    beta_shape = stream.alias_tensor_shape()
    stream.expect_integer((_CONV_MODE,), "affine mode")
    channels = gamma_shape[1]
    if gamma_shape != (1, channels, 1, 1) or beta_shape != gamma_shape:
        raise stream.error(f"affine shapes {gamma_shape} and {beta_shape} are not per-channel")
    _check_size(stream, params.size, 2 * channels, "affine params")
    return Affine(gamma=params[:channels], beta=params[channels:])


def _pool(stream: DlibStream, expected: Expected, kind: PoolKind) -> Pool:
    stream.expect_string(f"{kind}_pool_2")
    stream.expect_integer((expected.kernel,), f"{kind}_pool rows")
    stream.expect_integer((expected.kernel,), f"{kind}_pool columns")
    stream.expect_integer((expected.stride,), f"{kind}_pool row stride")
    stream.expect_integer((expected.stride,), f"{kind}_pool column stride")
    stream.expect_integer((expected.default_padding,), f"{kind}_pool row padding")
    stream.expect_integer((expected.default_padding,), f"{kind}_pool column padding")
    return Pool(kind, expected.kernel, expected.stride, expected.default_padding)


def _fully_connected(stream: DlibStream, expected: Expected) -> FullyConnected:
    stream.expect_string("fc_2")
    stream.expect_integer((expected.size,), "fc outputs")
    inputs = stream.integer()
    params = stream.tensor().reshape(-1)
    stream.alias_tensor_shape()  # weights: (inputs, outputs)
    stream.alias_tensor_shape()  # biases: unused without a bias
    stream.expect_integer((_FC_NO_BIAS,), "fc bias mode")
    _skip_doubles(stream, 4)
    _check_size(stream, params.size, inputs * expected.size, "fc params")
    return FullyConnected(weights=params.reshape(inputs, expected.size))


def _skip_doubles(stream: DlibStream, count: int) -> None:
    for _ in range(count):
        stream.floating()


def _check_size(stream: DlibStream, found: int, expected: int, what: str) -> None:
    if found != expected:
        raise stream.error(f"{what}: expected {expected} values, found {found}")
