"""Users who sign in, on real SQLite and PostgreSQL: the repository round-trips them with a
password hash only; signing in through the account service issues an expiring session key;
migration 0002 adds both to a database made at 0001 without touching its keys; and
`muster users create` (a real subprocess) prompts for the password."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from muster.config import AuthSettings
from muster.domain.errors import ConflictError, TooManyAttemptsError
from muster.domain.people import Role
from muster.services.accounts import AccountService, InvalidCredentialsError, WeakPasswordError
from muster.services.keys import InvalidApiKeyError, KeyService, hash_secret
from muster.services.passwords import PasswordHasher, ScryptCost
from muster.storage import Database, Repositories, current_revision, sqlite_url, upgrade
from muster.storage.repositories.users import UserRepository

PASSWORD = "correct horse battery staple"


def accounts(database: Database) -> AccountService:
    """The account service over `database`, with a cheap hash cost and 2 tries per username."""
    repos = Repositories.create(database)
    return AccountService(
        users=UserRepository(database),
        keys=KeyService(repos.keys),
        audit=repos.audit,
        settings=AuthSettings(max_failed_sign_ins=2),
        hasher=PasswordHasher(ScryptCost(n=2**10)),
    )


def test_a_user_is_stored_with_a_hash_and_found_by_normalised_name(database: Database) -> None:
    service = accounts(database)

    user = service.create_user("Alice", role=Role.ADMIN, password=PASSWORD, actor="cli:root")

    found = UserRepository(database).find("alice")
    assert found is not None
    assert found.user == user
    assert (user.username, user.role, user.last_sign_in_at) == ("alice", Role.ADMIN, None)
    assert found.password_hash.startswith("scrypt$")
    assert PASSWORD not in found.password_hash
    with pytest.raises(ConflictError, match="alice"):
        service.create_user("ALICE", role=Role.OPERATOR, password=PASSWORD, actor="cli:root")
    with pytest.raises(WeakPasswordError, match="at least 10"):
        service.create_user("bob", role=Role.OPERATOR, password="short", actor="cli:root")
    with pytest.raises(ValueError, match="admin or an operator"):
        service.create_user("kiosk", role=Role.DEVICE, password=PASSWORD, actor="cli:root")


def test_signing_in_issues_a_session_key_that_expires(database: Database) -> None:
    accounts(database).create_user("alice", role=Role.OPERATOR, password=PASSWORD, actor="t")

    signed_in = accounts(database).sign_in("alice", PASSWORD)

    key = signed_in.issued.key
    expires_at = key.expires_at
    assert (key.name, key.role) == ("user:alice", Role.OPERATOR)
    assert expires_at is not None
    assert timedelta(minutes=479) < expires_at - datetime.now(UTC) <= timedelta(minutes=480)
    assert signed_in.user.last_sign_in_at is not None
    keys_now = KeyService(Repositories.create(database).keys)
    assert keys_now.authenticate(signed_in.issued.token).expires_at == expires_at
    keys_later = KeyService(Repositories.create(database).keys, lambda: expires_at)
    with pytest.raises(InvalidApiKeyError, match="expired"):
        keys_later.authenticate(signed_in.issued.token)


def test_wrong_passwords_are_counted_per_username(database: Database) -> None:
    service = accounts(database)
    service.create_user("alice", role=Role.ADMIN, password=PASSWORD, actor="t")
    service.create_user("bob", role=Role.ADMIN, password=PASSWORD, actor="t")

    for _ in range(2):
        with pytest.raises(InvalidCredentialsError):
            service.sign_in("alice", "wrong")

    with pytest.raises(TooManyAttemptsError, match="try again in"):
        service.sign_in("alice", PASSWORD)
    assert service.sign_in("bob", PASSWORD).user.username == "bob"


def test_migration_0002_keeps_the_keys_of_a_database_made_at_0001(database_url: str) -> None:
    url = database_url
    upgrade(url, "0001")
    with Database(url) as database, database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_keys (name, role, prefix, secret_hash, created_at) "
                "VALUES ('old admin', 'admin', 'abc123', :hash, '2024-01-01 00:00:00')"
            ),
            {"hash": hash_secret("oldsecret")},
        )

    upgrade(url, "0002")

    assert current_revision(url) == "0002"
    with Database(url) as database:
        principal = KeyService(Repositories.create(database).keys).authenticate(
            "msk_abc123_oldsecret"
        )
        assert (principal.name, principal.expires_at) == ("old admin", None)
        assert UserRepository(database).all() == []


def test_users_create_prompts_for_the_password_twice_and_the_user_can_sign_in(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSTER_")}
    env |= {"MUSTER_DATA_DIR": str(data_dir)}

    def users(*args: str, typed: str) -> subprocess.CompletedProcess[str]:
        # A new session has no terminal, so the hidden prompt reads the typed lines from stdin.
        return subprocess.run(
            [sys.executable, "-m", "muster", "users", *args],
            input=typed,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            start_new_session=True,
        )

    created = users("create", "HR.Manager", "--role", "admin", typed=f"{PASSWORD}\n{PASSWORD}\n")
    short = users("create", "bob", typed="short\nshort\n")
    listed = users("list", typed="")

    assert created.returncode == 0, created.stderr
    assert "Created admin user 'hr.manager'" in created.stdout
    assert short.returncode == 1
    assert "at least 10" in short.stderr
    assert "hr.manager" in listed.stdout
    assert "bob" not in listed.stdout
    with Database(sqlite_url(data_dir / "muster.sqlite3")) as database:
        signed_in = accounts(database).sign_in("hr.manager", PASSWORD)
        assert signed_in.issued.key.role == Role.ADMIN
        audit = Repositories.create(database).audit.recent(action="user.created")
        assert [entry.actor.startswith("cli:") for entry in audit] == [True]
