"""Password hashing with scrypt (hashlib.scrypt, from OpenSSL): salted, slow on purpose, and
self-describing, so the cost can be raised later without locking anyone out.

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key in unpadded URL-safe
base64). The defaults follow RFC 7914's interactive-login advice, with the cost doubled:

- n = 2**15 (CPU/memory cost): one hash needs 128 * n * r bytes = 32 MiB of memory and takes
  0.1-0.5 s of one core (0.4-0.5 s measured on the 2-core test machine), so every guess costs
  an attacker with a stolen database as much, and memory rather than arithmetic bounds
  guessing on a GPU.
- r = 8 (block size, 1 KiB blocks), p = 1 (no parallel lanes).
- salt: 16 random bytes per password, so equal passwords hash differently and no
  precomputed table helps; key: 32 bytes.

At most `max_concurrent` hashes run at once per hasher (32 MiB each), so a burst of sign-in
attempts cannot exhaust the server's memory; the others wait their turn.

Unlike API keys (a 256-bit random secret, where SHA-256 is right), passwords are chosen by
people and guessable, which is why this KDF is slow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

SCHEME = "scrypt"
_SALT_BYTES = 16
_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """scrypt's cost parameters (see the module docstring for what each costs)."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.r < 1 or self.p < 1:
            raise ValueError("scrypt needs n a power of two >= 2, and r, p >= 1")

    @property
    def memory_bytes(self) -> int:
        return 128 * self.n * self.r * self.p


class PasswordHasher:
    """Hashes and verifies passwords. Thread-safe."""

    def __init__(self, cost: ScryptCost | None = None, *, max_concurrent: int = 2) -> None:
        self._cost = cost or ScryptCost()
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(_SALT_BYTES)
        key = self._derive(password, salt, self._cost)
        cost = self._cost
        return f"{SCHEME}${cost.n}${cost.r}${cost.p}${_b64(salt)}${_b64(key)}"

    def verify(self, password: str, stored: str) -> bool:
        """True when `password` matches `stored` (a hash made by `hash`, with any cost).
        A malformed `stored` never matches."""
        parsed = _parse(stored)
        if parsed is None:
            return False
        cost, salt, key = parsed
        return hmac.compare_digest(self._derive(password, salt, cost), key)

    def waste_time(self, password: str) -> None:
        """Spends what a `verify` would, for a username that does not exist, so that the
        time of an answer does not tell which usernames do."""
        self._derive(password, secrets.token_bytes(_SALT_BYTES), self._cost)

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other cost parameters than this hasher's."""
        parsed = _parse(stored)
        return parsed is None or parsed[0] != self._cost

    def _derive(self, password: str, salt: bytes, cost: ScryptCost) -> bytes:
        with self._slots:
            return hashlib.scrypt(
                password.encode("utf-8"),
                salt=salt,
                n=cost.n,
                r=cost.r,
                p=cost.p,
                # OpenSSL's default limit (32 MiB) is exactly one n=2**15 hash; allow headroom.
                maxmem=2 * cost.memory_bytes + 1024 * 1024,
                dklen=_KEY_BYTES,
            )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        cost = ScryptCost(n=int(parts[1]), r=int(parts[2]), p=int(parts[3]))
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except ValueError:  # also binascii.Error, a subclass
        return None
    if cost.memory_bytes > 1024 * 1024 * 1024 or not salt or len(key) != _KEY_BYTES:
        return None  # refuse absurd costs rather than let a stored value exhaust memory
    return cost, salt, key
