"""Fixtures shared by every test tier.

What is missing outside Python (the face data, PostgreSQL, Chromium) makes a test skip with
its reason locally, and fail under CI=true, where nothing may skip for lack of a dependency.
The marks `models`, `postgres` and `browser` are declared in pyproject.toml.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def _unavailable(reason: str) -> NoReturn:
    """Skip the running test with `reason`, or fail it under CI."""
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so this may not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require_service() -> Callable[[str], NoReturn]:
    """A function to call with the reason a service is unusable, for example from a
    PostgreSQL fixture: require_service("PostgreSQL is not reachable at ...; run make
    test-deps"). It skips the test locally and fails it under CI=true; it never returns."""
    return _unavailable


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared face data (../shared/faces from the repository root, or MUSTER_FACES_DIR)."""
    override = os.environ.get("MUSTER_FACES_DIR")
    path = Path(override) if override else REPO_ROOT.parent / "shared" / "faces"
    if not path.is_dir():
        _unavailable(
            f"face data not found at {path}; set MUSTER_FACES_DIR to the shared/faces folder"
        )
    return path
