"""All settings in one place. Every field has a description and bounds; unknown keys are
rejected. Environment variables use the MUSTER_ prefix and `__` for nesting, for example
MUSTER_VISION__DETECTOR=cnn. docs/configuration.md lists every setting (a test checks)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from muster.domain.faces import DetectorKind


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageLimits(_Group):
    max_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024,
        description="Largest accepted encoded image, in bytes; checked before decoding.",
    )
    max_pixels: int = Field(
        40_000_000, ge=10_000, le=500_000_000,
        description="Largest accepted width x height, checked from the header before decoding "
        "(guards against decompression bombs).",
    )


class VisionSettings(_Group):
    detector: DetectorKind = Field(
        DetectorKind.HOG, description="Face detector: 'hog' (fast, CPU) or 'cnn' (MMOD, slower, "
        "finds smaller and turned faces).",
    )
    upsample: int = Field(
        1, ge=0, le=3,
        description="Times the image is upsampled 2x before detection; each step finds faces "
        "half as small and costs about 4x the time.",
    )
    detect_max_side_px: int = Field(
        1280, ge=160, le=8192,
        description="Images with a longer side are detected on a downscaled copy; boxes are "
        "mapped back to the original.",
    )
    jitters: int = Field(
        0, ge=0, le=100,
        description="Extra randomly jittered copies embedded and averaged per face (0 = none); "
        "each costs one more network pass.",
    )
    limits: ImageLimits = Field(default_factory=ImageLimits, description="Input image limits.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MUSTER_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Field(
        Path("data"), description="Directory for the SQLite database and the local gallery."
    )
    vision: VisionSettings = Field(
        default_factory=VisionSettings, description="Face detection and embedding."
    )
