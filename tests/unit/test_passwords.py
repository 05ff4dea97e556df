"""Password hashing (scrypt) and usernames. Real hashlib.scrypt; no I/O. Most tests use a
cheap cost so they run fast; one checks the real default parameters."""

from __future__ import annotations

import pytest

from muster.domain.users import normalise_username
from muster.services.passwords import PasswordHasher, ScryptCost

CHEAP = ScryptCost(n=2**10, r=8, p=1)


def test_a_password_verifies_against_its_hash_and_a_wrong_one_does_not() -> None:
    hasher = PasswordHasher(CHEAP)
    stored = hasher.hash("correct horse battery staple")

    assert hasher.verify("correct horse battery staple", stored)
    assert not hasher.verify("correct horse battery stapl", stored)
    assert not hasher.verify("", stored)


def test_the_same_password_hashes_differently_each_time_because_of_the_salt() -> None:
    hasher = PasswordHasher(CHEAP)

    first, second = hasher.hash("same password"), hasher.hash("same password")

    assert first != second
    assert first.split("$")[4] != second.split("$")[4]  # the salts
    assert hasher.verify("same password", first)
    assert hasher.verify("same password", second)


def test_the_default_hash_records_its_cost_and_never_the_password() -> None:
    stored = PasswordHasher().hash("a long enough secret")

    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**15), "8", "1")
    assert len(salt) >= 21  # 16 random bytes, base64
    assert len(key) >= 42  # 32 bytes, base64
    assert "secret" not in stored


def test_a_hash_made_at_another_cost_still_verifies_and_asks_for_a_rehash() -> None:
    old = PasswordHasher(CHEAP).hash("secret words here")
    current = PasswordHasher(ScryptCost(n=2**11))

    assert current.verify("secret words here", old)
    assert current.needs_rehash(old)
    assert not current.needs_rehash(current.hash("secret words here"))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain text",
        "bcrypt$2$8$1$c2FsdA$a2V5",
        "scrypt$1000$8$1$c2FsdA$a2V5",  # n not a power of two
        "scrypt$1024$8$1$$" + "A" * 43,  # no salt
        "scrypt$1024$8$1$c2FsdA$short",  # key of the wrong length
        "scrypt$1073741824$8$1$c2FsdA$" + "A" * 43,  # a cost that would exhaust memory
        "scrypt$x$8$1$c2FsdA$" + "A" * 43,
    ],
)
def test_a_malformed_stored_hash_never_matches(stored: str) -> None:
    hasher = PasswordHasher(CHEAP)

    assert not hasher.verify("anything", stored)
    assert hasher.needs_rehash(stored)


@pytest.mark.parametrize(("typed", "stored"), [("Alice", "alice"), ("  hr.manager ", "hr.manager")])
def test_usernames_are_stored_trimmed_and_in_lower_case(typed: str, stored: str) -> None:
    assert normalise_username(typed) == stored


@pytest.mark.parametrize("bad", ["", "   ", "two words", "-dash-first", "x" * 65, "émile"])
def test_an_unusable_username_is_refused_with_what_is_allowed(bad: str) -> None:
    with pytest.raises(ValueError, match="lower-case letters, digits"):
        normalise_username(bad)
