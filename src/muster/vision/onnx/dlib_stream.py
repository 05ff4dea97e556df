"""A cursor over dlib's binary serialisation format, enough to read a dnn network file.

The encodings follow dlib/serialize.h and dlib/dnn/tensor.h:

* integers (signed and unsigned alike): one control byte, whose low 4 bits give the number
  of value bytes that follow (little-endian) and whose bit 0x80 marks a negative value;
* strings: an integer length, then the raw bytes;
* bools: the ASCII character '1' or '0';
* float and double: an integer mantissa and an integer exponent (value = m * 2**e);
* tensors: version 2, then n, k, nr, nc as integers, then n*k*nr*nc little-endian float32;
* alias tensors (views into a layer's params): version 1, then n, k, nr, nc.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

_MAX_INT_BYTES = 8
_TENSOR_VERSION = 2
_ALIAS_TENSOR_VERSION = 1
_FLOAT32_BYTES = 4


class DlibFormatError(RuntimeError):
    """The bytes are not the dlib object the reader expected (truncated, corrupt or another
    network); the message says what was expected and at which byte offset. A RuntimeError,
    like dlib's own serialization_error, so callers treat both loaders' failures alike."""


class DlibStream:
    """Reads dlib-serialised values from `data`, front to back."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._offset = 0

    @property
    def offset(self) -> int:
        """Bytes consumed so far."""
        return self._offset

    def at_end(self) -> bool:
        return self._offset == len(self._data)

    def error(self, message: str) -> DlibFormatError:
        """A DlibFormatError naming the current offset, for callers to raise."""
        return DlibFormatError(f"{message} (at byte {self._offset} of {len(self._data)})")

    def integer(self) -> int:
        control = self._take(1)[0]
        size = control & 0x0F
        if size > _MAX_INT_BYTES or control & 0x70:
            raise self.error(f"invalid integer control byte 0x{control:02x}")
        value = int.from_bytes(self._take(size), "little")
        return -value if control & 0x80 else value

    def expect_integer(self, allowed: tuple[int, ...], what: str) -> int:
        """An integer that must be one of `allowed` (a version number, a fixed size)."""
        value = self.integer()
        if value not in allowed:
            raise self.error(f"{what}: expected {' or '.join(map(str, allowed))}, found {value}")
        return value

    def boolean(self) -> bool:
        char = bytes(self._take(1))
        if char not in (b"0", b"1"):
            raise self.error(f"invalid bool byte {char!r}")
        return char == b"1"

    def string(self) -> str:
        size = self.integer()
        try:
            return bytes(self._take(size)).decode("ascii")
        except UnicodeDecodeError as exc:
            raise self.error("a version string that is not ASCII") from exc

    def expect_string(self, expected: str) -> None:
        """Consumes a version string that must equal `expected`."""
        found = self.string()
        if found != expected:
            raise self.error(f"expected {expected!r}, found {found!r}")

    def floating(self) -> float:
        """A float or double in dlib's portable mantissa/exponent form."""
        if self._peek() & 0x70:
            raise self.error("a floating-point value in dlib's old text format")
        mantissa = self.integer()
        exponent = self.integer()
        value = math.ldexp(mantissa, exponent)
        if not math.isfinite(value):
            raise self.error("a non-finite floating-point value")
        return value

    def tensor(self) -> FloatArray:
        """A dlib tensor as a float32 array of shape (n, k, nr, nc)."""
        self.expect_integer((_TENSOR_VERSION,), "tensor version")
        shape = self._shape()
        count = math.prod(shape)
        raw = self._take(count * _FLOAT32_BYTES)
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)

    def alias_tensor_shape(self) -> tuple[int, int, int, int]:
        """The (n, k, nr, nc) of an alias tensor: a view into a layer's params."""
        self.expect_integer((_ALIAS_TENSOR_VERSION,), "alias tensor version")
        return self._shape()

    def _shape(self) -> tuple[int, int, int, int]:
        n, k, nr, nc = (self.integer() for _ in range(4))
        if min(n, k, nr, nc) < 0:
            raise self.error(f"negative tensor dimension in {(n, k, nr, nc)}")
        return n, k, nr, nc

    def _peek(self) -> int:
        if self._offset >= len(self._data):
            raise self.error("unexpected end of data")
        return self._data[self._offset]

    def _take(self, size: int) -> memoryview:
        end = self._offset + size
        if end > len(self._data):
            raise self.error(f"unexpected end of data (wanted {size} more bytes)")
        chunk = self._data[self._offset : end]
        self._offset = end
        return chunk
