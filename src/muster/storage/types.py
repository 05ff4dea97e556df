"""Column types that keep domain values exact on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
from sqlalchemy import DateTime, Dialect, Enum, LargeBinary, TypeDecorator

from muster.domain.faces import Embedding

# Embeddings are stored as raw little-endian float32, whatever the server's byte order.
_EMBEDDING_DTYPE = np.dtype("<f4")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC and always read back aware in UTC.

    PostgreSQL keeps it as timestamptz; SQLite as naive UTC text, whose fixed format sorts
    and compares in time order. Writing a naive datetime raises ValueError: its zone is
    unknown, so storing it would silently shift it.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store naive datetime {value.isoformat()}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Float32Vector(TypeDecorator[Embedding]):
    """A 1-D float32 vector as its raw bytes (512 bytes for a 128-d embedding); read back
    bit-for-bit equal."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Embedding | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if value.ndim != 1 or value.size == 0:
            raise ValueError(f"an embedding must be a non-empty 1-D vector, got {value.shape}")
        return np.ascontiguousarray(value, dtype=_EMBEDDING_DTYPE).tobytes()

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> Embedding | None:
        if value is None:
            return None
        return np.frombuffer(value, dtype=_EMBEDDING_DTYPE).astype(np.float32)


def enum_type(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint named `name`, read back as
    members of `enum` (no native PostgreSQL ENUM, which would need its own migrations)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=_values,
        validate_strings=True,
    )


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
