"""Fixtures of the models tier: the real dlib models, loaded once per test session.

`face_pipeline` uses the default settings; tests that need other settings build a
`FacePipeline` on the shared `model_store`, so no model is read from disk twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from muster.config import VisionSettings
from muster.domain.faces import Face
from muster.vision import FacePipeline, ModelStore


@pytest.fixture(scope="session")
def model_store() -> ModelStore:
    return ModelStore()


@pytest.fixture(scope="session")
def face_pipeline(model_store: ModelStore) -> FacePipeline:
    """The pipeline with default settings, warmed up."""
    pipeline = FacePipeline(VisionSettings(), model_store)
    pipeline.warm_up()
    return pipeline


@pytest.fixture(scope="session")
def analyzed(faces_dir: Path, face_pipeline: FacePipeline) -> Callable[[str], list[Face]]:
    """`face_pipeline.analyze_path` of a path relative to the face data, computed once per
    session, so several tests can look at the faces of one photo for the price of one."""
    results: dict[str, list[Face]] = {}

    def analyze(relative_path: str) -> list[Face]:
        if relative_path not in results:
            results[relative_path] = face_pipeline.analyze_path(faces_dir / relative_path)
        return results[relative_path]

    return analyze
