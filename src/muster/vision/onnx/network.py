"""dlib's face-recognition ResNet as plain data: its layers in input-to-output order.

The structure is dlib's `anet_type` (examples/dnn_face_recognition_ex.cpp, and
tools/python/src/face_recognition.cpp, which loads
dlib_face_recognition_resnet_model_v1.dat):

    block<N, stride>  = affine(con<N,3x3,1>(relu(affine(con<N,3x3,stride>(x)))))
    ares<N>           = relu(block<N,1>(x) + x)
    ares_down<N>      = relu(block<N,2>(x) + avg_pool<2x2,2>(x))
    net = fc_no_bias<128>(avg_pool_everything(
              ares_down<256>  ares<256> ares<256> ares_down<256>  ares<128> ares<128>
              ares_down<128>  ares<64> ares<64> ares<64> ares_down<64>  ares<32> x3
              max_pool<3x3,2>(relu(affine(con<32,7x7,2>(input_rgb_image_sized<150>))))))

dlib wires residual connections with `tag` layers (remember the output here), `skip`
layers (continue from a remembered output) and `add_prev` layers (add a remembered output),
which `Tag`, `Skip` and `AddPrev` mirror.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from muster.vision.onnx.dlib_stream import FloatArray


class PoolKind(StrEnum):
    MAX = "max"
    AVG = "avg"


@dataclass(frozen=True, slots=True)
class InputRGB:
    """dlib's input_rgb_image_sized: (pixel - mean) / 256 per channel, planar RGB."""

    size_px: int
    mean_rgb: tuple[float, float, float]


@dataclass(frozen=True, slots=True, eq=False)
class Conv:
    """A convolution with bias; weights are (out, in, kernel, kernel)."""

    weights: FloatArray
    bias: FloatArray
    stride: int
    padding: int

    @property
    def kernel(self) -> int:
        return int(self.weights.shape[2])


@dataclass(frozen=True, slots=True, eq=False)
class Affine:
    """Per-channel `x * gamma + beta` (dlib's batch norm frozen for inference)."""

    gamma: FloatArray
    beta: FloatArray


@dataclass(frozen=True, slots=True)
class Relu:
    pass


@dataclass(frozen=True, slots=True)
class Pool:
    """Max or average pooling; kernel 0 pools over the whole input (dlib's *_everything)."""

    kind: PoolKind
    kernel: int
    stride: int
    padding: int


@dataclass(frozen=True, slots=True)
class Tag:
    """Remembers the current output under `tag_id`."""

    tag_id: int


@dataclass(frozen=True, slots=True)
class Skip:
    """Continues from the output remembered under `tag_id`."""

    tag_id: int


@dataclass(frozen=True, slots=True)
class AddPrev:
    """Adds the output remembered under `tag_id`. Where the two differ in size, dlib adds
    as if the smaller were padded with zeros at the end of each dimension."""

    tag_id: int


@dataclass(frozen=True, slots=True, eq=False)
class FullyConnected:
    """`x @ weights` on the flattened input, no bias; weights are (inputs, outputs)."""

    weights: FloatArray


Layer = Conv | Affine | Relu | Pool | Tag | Skip | AddPrev | FullyConnected


@dataclass(frozen=True, slots=True)
class DlibNetwork:
    """A network read from a dlib file: its input layer, then its layers in the order data
    flows through them. The output of the last layer is the raw descriptor."""

    input: InputRGB
    layers: tuple[Layer, ...] = field(default=())


class LayerKind(StrEnum):
    """Layer types, named after dlib's version strings' stems."""

    CON = "con"
    AFFINE = "affine"
    RELU = "relu"
    MAX_POOL = "max_pool"
    AVG_POOL = "avg_pool"
    ADD_PREV = "add_prev"
    TAG = "tag"
    SKIP = "skip"
    FC = "fc"


@dataclass(frozen=True, slots=True)
class Expected:
    """One layer the network type declares, as dlib's C++ type fixes it at compile time:
    the file must agree. `size` is the filter count (con) or output count (fc), `kernel`
    the window side (0 = whole input) and `tag_id` the tag a tag/skip/add_prev names."""

    kind: LayerKind
    size: int = 0
    kernel: int = 0
    stride: int = 1
    tag_id: int = 0

    @property
    def is_wrapper(self) -> bool:
        """Tags and skips carry no details in the file, only a version number."""
        return self.kind in (LayerKind.TAG, LayerKind.SKIP)

    @property
    def default_padding(self) -> int:
        """dlib's default padding for con and pool layers: none when strided, else half
        the window (so a stride-1 layer keeps the input size)."""
        return 0 if self.stride != 1 else self.kernel // 2


_AFFINE = Expected(LayerKind.AFFINE)
_RELU = Expected(LayerKind.RELU)


def _con(filters: int, kernel: int, stride: int) -> Expected:
    return Expected(LayerKind.CON, size=filters, kernel=kernel, stride=stride)


def _block(filters: int, stride: int) -> list[Expected]:
    return [_AFFINE, _con(filters, 3, 1), _RELU, _AFFINE, _con(filters, 3, stride)]


def _ares(filters: int) -> list[Expected]:
    return [
        _RELU,
        Expected(LayerKind.ADD_PREV, tag_id=1),
        *_block(filters, 1),
        Expected(LayerKind.TAG, tag_id=1),
    ]


def _ares_down(filters: int) -> list[Expected]:
    return [
        _RELU,
        Expected(LayerKind.ADD_PREV, tag_id=2),
        Expected(LayerKind.AVG_POOL, kernel=2, stride=2),
        Expected(LayerKind.SKIP, tag_id=1),
        Expected(LayerKind.TAG, tag_id=2),
        *_block(filters, 2),
        Expected(LayerKind.TAG, tag_id=1),
    ]


def _levels() -> list[Expected]:
    return [
        *_ares_down(256),
        *_ares(256),
        *_ares(256),
        *_ares_down(256),
        *_ares(128),
        *_ares(128),
        *_ares_down(128),
        *_ares(64),
        *_ares(64),
        *_ares(64),
        *_ares_down(64),
        *_ares(32),
        *_ares(32),
        *_ares(32),
    ]


DESCRIPTOR_SIZE = 128
INPUT_SIZE_PX = 150

RESNET_V1_LAYERS: tuple[Expected, ...] = (
    Expected(LayerKind.FC, size=DESCRIPTOR_SIZE),
    Expected(LayerKind.AVG_POOL, kernel=0, stride=1),
    *_levels(),
    Expected(LayerKind.MAX_POOL, kernel=3, stride=2),
    _RELU,
    _AFFINE,
    _con(32, 7, 2),
)
"""dlib's anet_type below its loss layer, outermost layer first (the order of the C++
type and of the file's nesting)."""
