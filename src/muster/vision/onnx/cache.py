"""The converted ONNX model, cached on disk and keyed by the dlib file it came from.

Conversion reads the 22 MB dlib file and builds the graph (about a second); the cache makes
later loads a file read. An entry is named by the SHA-256 of the source .dat and by
`CONVERTER_VERSION`, so a new model file or a changed converter never picks up a stale
entry. Next to each entry a `.sha256` file holds the digest of the ONNX bytes: an entry
that was changed, truncated or half-written does not match it and is converted again.
Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from muster.vision.onnx.graph import build_onnx_model
from muster.vision.onnx.reader import read_resnet_v1

CONVERTER_VERSION = 1
"""Bump whenever the reader or graph builder changes what they produce."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ConvertedModel:
    """Serialised ONNX bytes of one dlib model; `from_cache` says whether they were read
    from `path` (True) or converted on this call (False)."""

    model_bytes: bytes
    path: Path
    from_cache: bool


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/muster/models, else ~/.cache/muster/models."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "muster" / "models"


def cache_path(source: Path, source_digest: str, cache_dir: Path) -> Path:
    """Where the conversion of `source` (whose SHA-256 hex digest is given) is cached."""
    return cache_dir / f"{source.stem}-c{CONVERTER_VERSION}-{source_digest[:16]}.onnx"


def load_or_convert(source: Path, cache_dir: Path) -> ConvertedModel:
    """The ONNX conversion of the dlib ResNet file `source`, from `cache_dir` when a valid
    entry is there, else converted now and written there.

    Raises OSError when `source` cannot be read and DlibFormatError when it is not the
    expected network. An unwritable cache only logs a warning: the model still loads.
    """
    source_bytes = source.read_bytes()
    path = cache_path(source, hashlib.sha256(source_bytes).hexdigest(), cache_dir)
    cached = _read_verified(path)
    if cached is not None:
        return ConvertedModel(cached, path, from_cache=True)
    model_bytes = build_onnx_model(read_resnet_v1(source_bytes)).SerializeToString()
    try:
        _write_verified(path, model_bytes)
    except OSError as exc:
        _log.warning("could not cache the converted model at %s: %s", path, exc)
    return ConvertedModel(model_bytes, path, from_cache=False)


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _read_verified(path: Path) -> bytes | None:
    """The entry's bytes if it and its digest file exist and agree, else None."""
    try:
        model_bytes = path.read_bytes()
        recorded = _digest_path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(model_bytes).hexdigest() != recorded:
        _log.info("cached model %s does not match its digest; converting again", path)
        return None
    return model_bytes


def _write_verified(path: Path, model_bytes: bytes) -> None:
    """Writes the entry, then its digest, each atomically (temporary file + rename), so a
    reader never sees a partial file and two processes converting at once both succeed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, model_bytes)
    _write_atomically(_digest_path(path), hashlib.sha256(model_bytes).hexdigest().encode())


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
