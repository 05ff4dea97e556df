"""The ONNX graph equivalent to a `DlibNetwork`.

Input `chips`: uint8 (batch, 150, 150, 3) RGB, the layout of `muster.vision.align`'s chips,
so callers only stack them. Output `descriptors`: float32 (batch, 128), dlib's raw
(unnormalised) descriptors.

Sizes follow dlib's integer arithmetic (`dlib_output_size`). Where dlib's arithmetic has no
direct ONNX twin we reproduce it explicitly: `add_prev` of tensors of different sizes pads
the smaller with zeros at the end of each dimension (dlib's tt::add), which happens twice
in this network (8x8 -> 3x3 vs 4x4 and 4x4 -> 1x1 vs 2x2). A window that would overhang the
input's end (dlib reads zeros there) is refused: this network has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from muster.vision.onnx.network import (
    AddPrev,
    Affine,
    Conv,
    DlibNetwork,
    FullyConnected,
    InputRGB,
    Layer,
    Pool,
    PoolKind,
    Relu,
    Skip,
    Tag,
)

INPUT_NAME = "chips"
OUTPUT_NAME = "descriptors"
OPSET = 17
IR_VERSION = 8  # the oldest IR that carries opset 17, readable by any recent onnxruntime
_DLIB_INPUT_SCALE = 1.0 / 256.0  # input_rgb_image_sized divides by 256, not by a std
_NOMINAL_SIDE_PX = 4096

Shape = tuple[int, int, int]
"""Channels, rows, columns of one sample."""


def fold_affine_into_conv(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """The same network with every affine layer that directly follows a convolution merged
    into it (w * gamma, b * gamma + beta): one fewer pass over each activation."""
    folded: list[Layer] = []
    for layer in layers:
        previous = folded[-1] if folded else None
        if isinstance(layer, Affine) and isinstance(previous, Conv):
            folded[-1] = Conv(
                weights=(previous.weights * layer.gamma[:, None, None, None]).astype(np.float32),
                bias=(previous.bias * layer.gamma + layer.beta).astype(np.float32),
                stride=previous.stride,
                padding=previous.padding,
            )
        else:
            folded.append(layer)
    return tuple(folded)


def dlib_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """dlib's output length for a window: 1 + (size + 2 * padding - kernel) / stride, with
    C++ integer division (truncation toward zero, so an overhanging window still gives 1)."""
    span = size + 2 * padding - kernel
    return 1 + int(span / stride)


@dataclass(frozen=True, slots=True)
class _Value:
    name: str
    shape: Shape


class _GraphBuilder:
    """Accumulates nodes and initializers; one instance builds one graph."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._counter = 0

    def fresh(self, stem: str) -> str:
        self._counter += 1
        return f"{stem}_{self._counter}"

    def constant(self, stem: str, array: np.ndarray) -> str:
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, **attributes: int | list[int]) -> str:
        output = self.fresh(stem)
        node = helper.make_node(op, inputs, [output])
        node.attribute.extend(helper.make_attribute(k, v) for k, v in sorted(attributes.items()))
        self.nodes.append(node)
        return output


def build_onnx_model(network: DlibNetwork, *, fold_affine: bool = True) -> onnx.ModelProto:
    """A checked ONNX model computing the network's raw descriptors (see module doc);
    `fold_affine` merges affine layers into the convolutions before them (same results
    within float rounding, one pass fewer over each activation)."""
    builder = _GraphBuilder()
    value = _input(builder, network.input)
    tags: dict[int, _Value] = {}
    layers = fold_affine_into_conv(network.layers) if fold_affine else network.layers
    for layer in layers:
        value = _apply(builder, layer, value, tags)
    builder.nodes.append(helper.make_node("Identity", [value.name], [OUTPUT_NAME]))
    size = network.input.size_px
    graph = helper.make_graph(
        builder.nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.UINT8, ["batch", size, size, 3])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", value.shape[0]])],
        builder.initializers,
    )
    return _checked_model(graph)


def build_feature_map_model(
    layers: tuple[Layer, ...], *, input_name: str, output_name: str, graph_name: str
) -> onnx.ModelProto:
    """A checked ONNX model running a fully convolutional stack of `layers` (conv, affine,
    relu; affines folded into their convolutions) on a float (batch, 3, rows, columns)
    input of any size, already normalised by the caller. Output: float (batch, k, r, c).

    Shapes are tracked against a nominal large input only to check windows: without
    padding dlib and ONNX both give floor((size - kernel) / stride) + 1 outputs.
    """
    builder = _GraphBuilder()
    value = _Value(input_name, (3, _NOMINAL_SIDE_PX, _NOMINAL_SIDE_PX))
    for layer in fold_affine_into_conv(layers):
        value = _apply(builder, layer, value, {})
    builder.nodes.append(helper.make_node("Identity", [value.name], [output_name]))
    dims: list[str | int] = ["batch", 3, "rows", "columns"]
    out_dims: list[str | int] = ["batch", value.shape[0], "out_rows", "out_columns"]
    graph = helper.make_graph(
        builder.nodes,
        graph_name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, out_dims)],
        builder.initializers,
    )
    return _checked_model(graph)


def _checked_model(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="muster",
        ir_version=IR_VERSION,
    )
    onnx.checker.check_model(model)
    return model


def _input(builder: _GraphBuilder, layer: InputRGB) -> _Value:
    pixels = builder.node("Cast", [INPUT_NAME], "pixels", to=TensorProto.FLOAT)
    mean = builder.constant("mean_rgb", np.asarray(layer.mean_rgb, dtype=np.float32))
    centred = builder.node("Sub", [pixels, mean], "centred")
    scale = builder.constant("scale", np.asarray(_DLIB_INPUT_SCALE, dtype=np.float32))
    scaled = builder.node("Mul", [centred, scale], "scaled")
    planar = builder.node("Transpose", [scaled], "planar", perm=[0, 3, 1, 2])
    return _Value(planar, (3, layer.size_px, layer.size_px))


def _apply(builder: _GraphBuilder, layer: Layer, value: _Value, tags: dict[int, _Value]) -> _Value:
    match layer:
        case Conv():
            return _conv(builder, layer, value)
        case Affine():
            return _affine(builder, layer, value)
        case Relu():
            return _Value(builder.node("Relu", [value.name], "relu"), value.shape)
        case Pool():
            return _pool(builder, layer, value)
        case Tag(tag_id=tag_id):
            tags[tag_id] = value
            return value
        case Skip(tag_id=tag_id):
            return tags[tag_id]
        case AddPrev(tag_id=tag_id):
            return _add_zero_padded(builder, value, tags[tag_id])
        case FullyConnected():
            flat = builder.node("Flatten", [value.name], "flat", axis=1)
            weights = builder.constant("fc_w", layer.weights)
            return _Value(
                builder.node("MatMul", [flat, weights], "fc"), (layer.weights.shape[1], 1, 1)
            )
    raise TypeError(f"no ONNX translation for {layer!r}")


def _window_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    output = dlib_output_size(size, kernel, stride, padding)
    if (output - 1) * stride + kernel > size + 2 * padding:
        raise ValueError(f"a {kernel}-wide window at stride {stride} overhangs a {size} input")
    return output


def _conv(builder: _GraphBuilder, layer: Conv, value: _Value) -> _Value:
    _, rows, columns = value.shape
    kernel, stride, padding = layer.kernel, layer.stride, layer.padding
    out_rows = _window_output_size(rows, kernel, stride, padding)
    out_columns = _window_output_size(columns, kernel, stride, padding)
    output = builder.node(
        "Conv",
        [
            value.name,
            builder.constant("conv_w", layer.weights),
            builder.constant("conv_b", layer.bias),
        ],
        "conv",
        kernel_shape=[kernel, kernel],
        strides=[stride, stride],
        pads=[padding] * 4,
    )
    return _Value(output, (int(layer.weights.shape[0]), out_rows, out_columns))


def _affine(builder: _GraphBuilder, layer: Affine, value: _Value) -> _Value:
    gamma = builder.constant("gamma", layer.gamma.reshape(-1, 1, 1))
    beta = builder.constant("beta", layer.beta.reshape(-1, 1, 1))
    scaled = builder.node("Mul", [value.name, gamma], "affine_mul")
    return _Value(builder.node("Add", [scaled, beta], "affine_add"), value.shape)


def _pool(builder: _GraphBuilder, layer: Pool, value: _Value) -> _Value:
    channels, rows, columns = value.shape
    if layer.kernel == 0:
        op = "GlobalMaxPool" if layer.kind is PoolKind.MAX else "GlobalAveragePool"
        return _Value(builder.node(op, [value.name], "global_pool"), (channels, 1, 1))
    out_rows = _window_output_size(rows, layer.kernel, layer.stride, layer.padding)
    out_columns = _window_output_size(columns, layer.kernel, layer.stride, layer.padding)
    op = "MaxPool" if layer.kind is PoolKind.MAX else "AveragePool"
    output = builder.node(
        op,
        [value.name],
        "pool",
        kernel_shape=[layer.kernel, layer.kernel],
        strides=[layer.stride, layer.stride],
        pads=[layer.padding] * 4,
    )
    return _Value(output, (channels, out_rows, out_columns))


def _add_zero_padded(builder: _GraphBuilder, first: _Value, second: _Value) -> _Value:
    shape: Shape = (
        max(first.shape[0], second.shape[0]),
        max(first.shape[1], second.shape[1]),
        max(first.shape[2], second.shape[2]),
    )
    total = builder.node(
        "Add", [_zero_pad_to(builder, first, shape), _zero_pad_to(builder, second, shape)], "add"
    )
    return _Value(total, shape)


def _zero_pad_to(builder: _GraphBuilder, value: _Value, shape: Shape) -> str:
    if value.shape == shape:
        return value.name
    ends = [target - have for target, have in zip(shape, value.shape, strict=True)]
    pads = builder.constant("pads", np.asarray([0, 0, 0, 0, 0, *ends], dtype=np.int64))
    return builder.node("Pad", [value.name, pads], "padded")
