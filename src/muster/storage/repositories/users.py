"""Users who sign in: stored with a password hash, never the password."""

from __future__ import annotations

from sqlalchemy import select

from muster.domain.people import Role
from muster.domain.users import User, UserCredential
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, flush_or_conflict, get_row, utc_now
from muster.storage.tables import UserRow


class UserRepository:
    """Hashing and checking passwords is the caller's job; this stores what it is given.
    Usernames arrive normalised (see muster.domain.users.normalise_username)."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def create(self, *, username: str, role: Role, password_hash: str) -> User:
        """Raises ConflictError when the username is taken."""
        with self._db.write() as session:
            row = UserRow(
                username=username,
                role=role,
                password_hash=password_hash,
                created_at=self._clock(),
            )
            session.add(row)
            flush_or_conflict(session, f"a user named {username!r} exists; choose another name")
            return _to_user(row)

    def find(self, username: str) -> UserCredential | None:
        """The user with this username and their password hash, or None."""
        with self._db.read() as session:
            row = session.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                return None
            return UserCredential(user=_to_user(row), password_hash=row.password_hash)

    def get(self, user_id: int) -> User:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_user(get_row(session, UserRow, user_id, "user"))

    def all(self) -> list[User]:
        with self._db.read() as session:
            return [_to_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.id))]

    def signed_in(self, user_id: int, *, password_hash: str | None = None) -> User:
        """Records a sign-in now; with `password_hash`, also replaces the stored hash (a
        rehash at a higher cost). Raises NotFoundError."""
        with self._db.write() as session:
            row = get_row(session, UserRow, user_id, "user")
            row.last_sign_in_at = self._clock()
            if password_hash is not None:
                row.password_hash = password_hash
            session.flush()
            return _to_user(row)

    def set_password(self, user_id: int, password_hash: str) -> User:
        """Raises NotFoundError."""
        with self._db.write() as session:
            row = get_row(session, UserRow, user_id, "user")
            row.password_hash = password_hash
            session.flush()
            return _to_user(row)

    def set_disabled(self, user_id: int, disabled: bool) -> User:
        """Disables (keeping the first time) or re-enables the user. Raises NotFoundError."""
        with self._db.write() as session:
            row = get_row(session, UserRow, user_id, "user")
            row.disabled_at = (row.disabled_at or self._clock()) if disabled else None
            session.flush()
            return _to_user(row)


def _to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=row.role,
        created_at=row.created_at,
        last_sign_in_at=row.last_sign_in_at,
        disabled_at=row.disabled_at,
    )
