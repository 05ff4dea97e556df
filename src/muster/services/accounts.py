"""Users and signing in: a username and password become a short-lived session API key.

The admin pages never see a long-lived key: `sign_in` checks the password (scrypt, see
muster.services.passwords) and issues an API key of the user's role through `KeyService`,
valid for `auth.session_minutes`; `sign_out` revokes it. Everything after sign-in is the
ordinary bearer-key API, so roles are checked in exactly one place.

Wrong passwords are counted per username (`auth.max_failed_sign_ins` within
`auth.failed_sign_in_window_s`): past the limit that username is refused, right password or
not, until the window has passed. An unknown username costs as much time as a wrong password
and gets the same answer, so answers do not reveal which usernames exist.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

from muster.config import AuthSettings
from muster.domain.errors import (
    ConflictError,
    MusterError,
    NotFoundError,
    UnauthenticatedError,
)
from muster.domain.people import Role
from muster.domain.users import USER_ROLES, User, normalise_username
from muster.services.attempts import FailureLimiter
from muster.services.keys import IssuedKey, KeyService, Principal
from muster.services.passwords import PasswordHasher
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.users import UserRepository

SESSION_KEY_PREFIX = "user:"
"""Session keys are named `user:<username>`, so the audit log's actor (`key:<id>:<name>`)
says which person acted."""

_WRONG = "the username or password is wrong"


class InvalidCredentialsError(UnauthenticatedError):
    """Unknown username, wrong password, or a disabled user (one answer for all)."""

    code = "invalid_credentials"


class WeakPasswordError(MusterError):
    code = "weak_password"


class NotASessionKeyError(ConflictError):
    """Signing out ends session keys only; long-lived keys are revoked by an admin."""

    code = "not_a_session_key"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A successful sign-in: the user and their session key (`issued.token` shown once)."""

    user: User
    issued: IssuedKey


class AccountService:
    """Thread-safe: the repositories, hasher and limiter guard their own state."""

    def __init__(
        self,
        *,
        users: UserRepository,
        keys: KeyService,
        audit: AuditRepository,
        settings: AuthSettings,
        hasher: PasswordHasher | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._users = users
        self._keys = keys
        self._audit = audit
        self._settings = settings
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        self._failures = FailureLimiter(
            max_failures=settings.max_failed_sign_ins,
            window_s=settings.failed_sign_in_window_s,
            what="passwords for this username",
        )

    def create_user(self, username: str, *, role: Role, password: str, actor: str) -> User:
        """Raises ValueError (username or role unusable), WeakPasswordError, ConflictError
        (username taken)."""
        if role not in USER_ROLES:
            raise ValueError(f"a user is an admin or an operator, not a {role}")
        name = normalise_username(username)
        self._check_strength(password)
        user = self._users.create(
            username=name, role=role, password_hash=self._hasher.hash(password)
        )
        self._audit.record(
            actor=actor,
            action="user.created",
            target_type="user",
            target_id=user.id,
            detail={"role": role.value},
        )
        return user

    def set_password(self, username: str, password: str, *, actor: str) -> User:
        """Raises NotFoundError, WeakPasswordError."""
        user = self._user(username)
        self._check_strength(password)
        changed = self._users.set_password(user.id, self._hasher.hash(password))
        self._audit.record(
            actor=actor, action="user.password_changed", target_type="user", target_id=user.id
        )
        return changed

    def set_disabled(self, username: str, disabled: bool, *, actor: str) -> User:
        """A disabled user cannot sign in (session keys already issued run out on their
        own). Raises NotFoundError."""
        user = self._user(username)
        changed = self._users.set_disabled(user.id, disabled)
        self._audit.record(
            actor=actor,
            action="user.disabled" if disabled else "user.enabled",
            target_type="user",
            target_id=user.id,
        )
        return changed

    def users(self) -> list[User]:
        return self._users.all()

    def sign_in(self, username: str, password: str) -> SignedIn:
        """A session key for the user. Raises InvalidCredentialsError, or
        TooManyAttemptsError while the username is locked out."""
        name = username.strip().lower()
        self._failures.check(name)
        found = None
        with suppress(ValueError):  # an impossible username is just another unknown one
            found = self._users.find(normalise_username(name))
        if found is None:
            self._hasher.waste_time(password)
            self._failures.failed(name)
            raise InvalidCredentialsError(_WRONG)
        user = found.user
        if not self._hasher.verify(password, found.password_hash):
            self._failures.failed(name)
            self._audit.record(
                actor=f"{SESSION_KEY_PREFIX}{user.username}",
                action="user.sign_in_failed",
                target_type="user",
                target_id=user.id,
            )
            raise InvalidCredentialsError(_WRONG)
        if user.disabled:
            raise InvalidCredentialsError(
                "this user is disabled; ask an administrator to enable it"
            )
        rehashed = (
            self._hasher.hash(password) if self._hasher.needs_rehash(found.password_hash) else None
        )
        user = self._users.signed_in(user.id, password_hash=rehashed)
        issued = self._keys.issue(
            name=f"{SESSION_KEY_PREFIX}{user.username}",
            role=user.role,
            expires_at=self._clock() + timedelta(minutes=self._settings.session_minutes),
        )
        self._audit.record(
            actor=f"{SESSION_KEY_PREFIX}{user.username}",
            action="user.signed_in",
            target_type="user",
            target_id=user.id,
            detail={"key_id": issued.key.id},
        )
        return SignedIn(user=user, issued=issued)

    def sign_out(self, principal: Principal) -> None:
        """Revokes the caller's session key. Raises NotASessionKeyError for another key."""
        if principal.expires_at is None:
            raise NotASessionKeyError(
                "this is a long-lived API key, not a sign-in session; an admin revokes it "
                "(POST /keys/{id}/revoke)"
            )
        self._keys.revoke(principal.key_id)
        self._audit.record(
            actor=principal.actor,
            action="user.signed_out",
            target_type="api_key",
            target_id=principal.key_id,
        )

    def _user(self, username: str) -> User:
        found = self._users.find(normalise_username(username))
        if found is None:
            raise NotFoundError(f"no user named {username!r} (see `muster users list`)")
        return found.user

    def _check_strength(self, password: str) -> None:
        shortest = self._settings.min_password_length
        if len(password) < shortest:
            raise WeakPasswordError(
                f"the password has {len(password)} characters; use at least {shortest} "
                "(a few unrelated words make a long one that is easy to remember)"
            )
