"""Groups over the API: classes, departments, teams."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from muster.domain.people import Group, GroupKind

GroupName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="Unique name."),
]


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName
    kind: GroupKind = GroupKind.OTHER


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName | None = None
    kind: GroupKind | None = None


class GroupPublic(BaseModel):
    id: int
    name: str
    kind: GroupKind

    @classmethod
    def of(cls, group: Group) -> Self:
        return cls(id=group.id, name=group.name, kind=group.kind)
