"""Reading evaluation protocol files: tab-separated, one header line, image paths relative to
the file's own folder.

Pairs: columns ``path_a path_b same`` plus either ``fold`` (an integer; k-fold
cross-validation) or ``split`` (``train``/``test``). Identification: columns
``path identity role`` with role ``gallery``, ``probe_known`` or ``probe_unknown``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from muster.domain.errors import MusterError


class ProtocolFileError(MusterError):
    """A protocol file that cannot be read as the format it claims."""

    code = "invalid_protocol"


_E = TypeVar("_E", bound=StrEnum)


class Split(StrEnum):
    TRAIN = "train"
    TEST = "test"


class Role(StrEnum):
    GALLERY = "gallery"
    PROBE_KNOWN = "probe_known"
    PROBE_UNKNOWN = "probe_unknown"


@dataclass(frozen=True, slots=True)
class Pair:
    """Two images and whether they show the same person. Exactly one of `split` and `fold`
    is set, according to the file's columns."""

    path_a: Path
    path_b: Path
    same: bool
    split: Split | None = None
    fold: int | None = None


@dataclass(frozen=True, slots=True)
class IdentificationEntry:
    path: Path
    identity: str
    role: Role


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yields (line number, row) after checking the header names every required column."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as error:
        raise ProtocolFileError(f"cannot read protocol file {path}: {error.strerror}") from error
    with handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise ProtocolFileError(
                f"{path} lacks the column(s) {', '.join(missing)}; its header is "
                f"{reader.fieldnames} (tab-separated, expected {', '.join(required)})"
            )
        yield from enumerate(reader, start=2)


def _enum(kind: type[_E], value: str, where: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ProtocolFileError(f"{where}: '{value}' is not one of {allowed}") from None


def read_pairs(path: Path) -> list[Pair]:
    """All pairs in a pairs file, image paths resolved against the file's folder."""
    folder = path.parent
    pairs: list[Pair] = []
    for line, row in _rows(path, ("path_a", "path_b", "same")):
        where = f"{path}:{line}"
        if row["same"] not in ("0", "1"):
            raise ProtocolFileError(f"{where}: 'same' must be 0 or 1, got '{row['same']}'")
        fold: int | None = None
        split: Split | None = None
        if row.get("fold") not in (None, ""):
            try:
                fold = int(row["fold"])
            except ValueError:
                message = f"{where}: fold '{row['fold']}' is not an integer"
                raise ProtocolFileError(message) from None
        elif row.get("split") not in (None, ""):
            split = _enum(Split, row["split"], where)
        else:
            raise ProtocolFileError(f"{where}: each pair needs a 'fold' or a 'split' value")
        pairs.append(
            Pair(folder / row["path_a"], folder / row["path_b"], row["same"] == "1", split, fold)
        )
    if not pairs:
        raise ProtocolFileError(f"{path} holds no pairs")
    return pairs


def read_identification(path: Path) -> list[IdentificationEntry]:
    """All entries of an identification protocol, image paths resolved against its folder."""
    folder = path.parent
    entries = [
        IdentificationEntry(
            folder / row["path"], row["identity"], _enum(Role, row["role"], f"{path}:{line}")
        )
        for line, row in _rows(path, ("path", "identity", "role"))
    ]
    if not any(entry.role is Role.GALLERY for entry in entries):
        raise ProtocolFileError(f"{path} enrols nobody (no row with role 'gallery')")
    return entries
