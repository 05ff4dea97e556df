"""People who sign in to the admin pages with a username and password.

A user is not a `Person` (someone recognised at a kiosk): it is a member of staff with a
role. Signing in trades the password for a short-lived session API key of that role, so the
rest of the API only ever sees API keys. Passwords are known only by their hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from muster.domain.attendance import ensure_utc
from muster.domain.people import Role

USER_ROLES = (Role.ADMIN, Role.OPERATOR)
"""The roles a user may hold; DEVICE belongs to kiosks and cameras, never to a person."""

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
"""Lower-case letters, digits and . _ @ -, starting with a letter or digit; 1-64 long."""


def normalise_username(username: str) -> str:
    """The stored form of `username` (trimmed, lower case), so that 'Alice' and 'alice '
    name the same user. Raises ValueError for one that does not fit USERNAME_PATTERN."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"{username!r} is not a usable username: use 1-64 lower-case letters, digits "
            "and . _ @ -, starting with a letter or digit"
        )
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A member of staff who signs in. `role` is ADMIN or OPERATOR; a disabled user (see
    `disabled_at`) cannot sign in, but their name stays in the audit log."""

    id: int
    username: str
    role: Role
    created_at: datetime
    last_sign_in_at: datetime | None = None
    disabled_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.role not in USER_ROLES:
            raise ValueError(f"a user is an admin or an operator, not a {self.role}")
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "User.created_at"))
        for name in ("last_sign_in_at", "disabled_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, ensure_utc(value, f"User.{name}"))

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCredential:
    """What checking a password needs: the user and the stored hash of their password."""

    user: User
    password_hash: str
