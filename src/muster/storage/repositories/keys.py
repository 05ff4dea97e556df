"""API keys: stored as a public prefix plus a hash of the secret, never the secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from muster.domain.people import ApiKey, ApiKeyCredential, Role
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, flush_or_conflict, get_row, utc_now
from muster.storage.tables import ApiKeyRow, DeviceRow


class ApiKeyRepository:
    """Hashing and verifying secrets is the caller's job; this stores what it is given."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def create(
        self,
        *,
        name: str,
        role: Role,
        prefix: str,
        secret_hash: str,
        device_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> ApiKey:
        """Raises ValueError when `device_id` is given exactly when `role` is not DEVICE,
        NotFoundError for a missing device, ConflictError for a taken prefix."""
        if (role is Role.DEVICE) != (device_id is not None):
            raise ValueError("a device key names its device, and only a device key does")
        with self._db.write() as session:
            if device_id is not None:
                get_row(session, DeviceRow, device_id, "device")
            row = ApiKeyRow(
                name=name,
                role=role,
                device_id=device_id,
                prefix=prefix,
                secret_hash=secret_hash,
                created_at=self._clock(),
                expires_at=expires_at,
            )
            session.add(row)
            flush_or_conflict(session, f"an API key with prefix {prefix!r} exists; draw another")
            return _to_key(row)

    def find_by_prefix(self, prefix: str) -> ApiKeyCredential | None:
        """The key with this prefix and its secret hash, revoked or not (the caller decides),
        or None."""
        with self._db.read() as session:
            row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix)).first()
            if row is None:
                return None
            return ApiKeyCredential(key=_to_key(row), secret_hash=row.secret_hash)

    def get(self, key_id: int) -> ApiKey:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_key(get_row(session, ApiKeyRow, key_id, "API key"))

    def all(self, *, include_revoked: bool = False) -> list[ApiKey]:
        """Keys in id order; without `include_revoked`, only those still usable (neither
        revoked nor expired)."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.id)
        if not include_revoked:
            query = query.where(
                ApiKeyRow.revoked_at.is_(None),
                or_(ApiKeyRow.expires_at.is_(None), ApiKeyRow.expires_at > self._clock()),
            )
        with self._db.read() as session:
            return [_to_key(row) for row in session.scalars(query)]

    def revoke(self, key_id: int) -> ApiKey:
        """Mark the key revoked (revoking twice keeps the first time). Raises NotFoundError."""
        with self._db.write() as session:
            row = get_row(session, ApiKeyRow, key_id, "API key")
            row.revoked_at = row.revoked_at or self._clock()
            session.flush()
            return _to_key(row)


def _to_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=row.role,
        device_id=row.device_id,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )
