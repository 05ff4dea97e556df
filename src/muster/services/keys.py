"""API keys: minting, authenticating and revoking.

A key reads `msk_<prefix>_<secret>`. The prefix is public and indexes the stored row; the
secret is 32 random bytes and only its SHA-256 is stored. A fast hash is right here (unlike for
passwords): a 256-bit random secret cannot be brute-forced, so a slow KDF would only slow every
request down.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from muster.domain.errors import MusterError
from muster.domain.people import ApiKey, Role
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.keys import ApiKeyRepository

KEY_SCHEME = "msk"
_PREFIX_BYTES = 6  # 12 hex characters: collisions are rare and retried.
_SECRET_BYTES = 32


class InvalidApiKeyError(MusterError):
    code = "invalid_api_key"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly created key; `token` is shown once and never stored."""

    key: ApiKey
    token: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, name and role, for a device key its device, and for a
    session key (see muster.services.accounts) when it expires."""

    key_id: int
    name: str
    role: Role
    device_id: int | None
    expires_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"key:{self.key_id}:{self.name}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str]:
    """(prefix, secret) of a well-formed token; raises InvalidApiKeyError otherwise."""
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[1] or not parts[2]:
        raise InvalidApiKeyError("the API key is malformed; keys look like msk_<prefix>_<secret>")
    return parts[1], parts[2]


class KeyService:
    def __init__(self, keys: ApiKeyRepository, clock: Clock = utc_now) -> None:
        self._keys = keys
        self._clock = clock

    def issue(
        self,
        *,
        name: str,
        role: Role,
        device_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> IssuedKey:
        """A new key; with `expires_at` it is refused from that instant on (session keys)."""
        prefix = secrets.token_hex(_PREFIX_BYTES)
        secret = secrets.token_urlsafe(_SECRET_BYTES).replace("_", "-")
        key = self._keys.create(
            name=name,
            role=role,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            device_id=device_id,
            expires_at=expires_at,
        )
        return IssuedKey(key=key, token=f"{KEY_SCHEME}_{prefix}_{secret}")

    def authenticate(self, token: str) -> Principal:
        """The caller behind `token`; raises InvalidApiKeyError for an unknown, wrong,
        revoked or expired key (one message for all, so a caller learns nothing about which)."""
        prefix, secret = split_token(token)
        found = self._keys.find_by_prefix(prefix)
        if (
            found is None
            or found.key.revoked_at is not None
            or found.key.expired(self._clock())
            or not hmac.compare_digest(found.secret_hash, hash_secret(secret))
        ):
            raise InvalidApiKeyError("the API key is unknown, revoked or expired")
        key = found.key
        return Principal(
            key_id=key.id,
            name=key.name,
            role=key.role,
            device_id=key.device_id,
            expires_at=key.expires_at,
        )

    def all(self, *, include_revoked: bool = False) -> list[ApiKey]:
        return self._keys.all(include_revoked=include_revoked)

    def revoke(self, key_id: int) -> ApiKey:
        return self._keys.revoke(key_id)
