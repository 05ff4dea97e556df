"""Groups (classes, departments, teams). Membership is part of `Person.group_ids`."""

from __future__ import annotations

from sqlalchemy import select

from muster.domain.people import Group, GroupKind
from muster.storage.database import Database
from muster.storage.repositories.base import flush_or_conflict, get_row
from muster.storage.tables import GroupRow


class GroupRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, *, name: str, kind: GroupKind = GroupKind.OTHER) -> Group:
        """Raises ConflictError when a group with that name exists."""
        with self._db.write() as session:
            row = GroupRow(name=name, kind=kind)
            session.add(row)
            flush_or_conflict(session, _name_taken(name))
            return _to_group(row)

    def get(self, group_id: int) -> Group:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_group(get_row(session, GroupRow, group_id, "group"))

    def all(self) -> list[Group]:
        """Every group, by name."""
        with self._db.read() as session:
            return [
                _to_group(row) for row in session.scalars(select(GroupRow).order_by(GroupRow.name))
            ]

    def save(self, group: Group) -> Group:
        """Store `group`'s name and kind. Raises NotFoundError, ConflictError (name taken)."""
        with self._db.write() as session:
            row = get_row(session, GroupRow, group.id, "group")
            row.name, row.kind = group.name, group.kind
            flush_or_conflict(session, _name_taken(group.name))
            return _to_group(row)

    def delete(self, group_id: int) -> None:
        """Delete the group with its memberships and schedules (people stay).
        Raises NotFoundError."""
        with self._db.write() as session:
            session.delete(get_row(session, GroupRow, group_id, "group"))


def _name_taken(name: str) -> str:
    return f"a group named {name!r} already exists"


def _to_group(row: GroupRow) -> Group:
    return Group(id=row.id, name=row.name, kind=row.kind)
