"""docs/configuration.md documents every setting (datasette-style): a setting added to
muster.config without a line in the docs fails here, and so does a documented variable that
no longer exists. Real: the Settings class and the docs file; no I/O beyond reading it."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from muster.config import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
NOT_SETTINGS = {"MUSTER_FACES_DIR", "MUSTER_TEST_POSTGRES_URL"}
"""Variables the docs mention that the test suite reads, not muster.config."""


def _group_model(annotation: object) -> type[BaseModel] | None:
    """The settings group a field holds (also inside `X | None`), or None for a value."""
    candidates = [annotation, *typing.get_args(annotation)]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def settings_paths(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """The path of every leaf setting, groups included recursively: ("vision", "detector")."""
    for name, field in model.model_fields.items():
        group = _group_model(field.annotation)
        if group is None:
            yield (*prefix, name)
        else:
            yield from settings_paths(group, (*prefix, name))


def environment_name(path: tuple[str, ...]) -> str:
    return "MUSTER_" + "__".join(part.upper() for part in path)


def documented_names() -> set[str]:
    return set(re.findall(r"\bMUSTER_[A-Z0-9_]*[A-Z0-9]\b", DOCS.read_text(encoding="utf-8")))


def test_the_walk_finds_nested_settings() -> None:
    # Guards the test itself: a walk that missed groups would pass with an empty docs page.
    names = {environment_name(path) for path in settings_paths(Settings)}
    assert {"MUSTER_DATA_DIR", "MUSTER_VISION__LIMITS__MAX_BYTES"} <= names
    assert "MUSTER_VISION" not in names  # a group is not a setting; its fields are


@pytest.mark.parametrize(
    "name", sorted(environment_name(path) for path in settings_paths(Settings))
)
def test_every_setting_is_in_docs_configuration(name: str) -> None:
    assert name in documented_names(), f"document {name} in {DOCS.name} (see config.py)"


def test_docs_configuration_names_no_setting_that_does_not_exist() -> None:
    real = {environment_name(path) for path in settings_paths(Settings)}
    assert documented_names() - real - NOT_SETTINGS == set()


def test_every_setting_has_a_description() -> None:
    def undescribed(model: type[BaseModel], prefix: str) -> Iterator[str]:
        for name, field in model.model_fields.items():
            if not (field.description or "").strip():
                yield prefix + name
            group = _group_model(field.annotation)
            if group is not None:
                yield from undescribed(group, f"{prefix}{name}.")

    assert list(undescribed(Settings, "")) == []
