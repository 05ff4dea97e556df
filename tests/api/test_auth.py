"""Signing in over real HTTP (SQLite and PostgreSQL): a username and password become a
short-lived session key of the user's role; wrong passwords are counted per username; signing
out revokes the key; an expired key is refused. Users are made through the account service,
as `muster users create` makes them, with real scrypt hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from muster.config import Settings
from muster.domain.people import Role

from .live_server import LiveServer, make_settings

ADMIN_PASSWORD = "correct horse battery staple"
OPERATOR_PASSWORD = "purple elephant at sunrise"
MAX_FAILED = 3
SESSION_MINUTES = 30


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path / "data",
        auth={"max_failed_sign_ins": MAX_FAILED, "session_minutes": SESSION_MINUTES},
    )


@pytest.fixture
def users(live_server: LiveServer) -> None:
    accounts = live_server.services.accounts
    accounts.create_user("Alice", role=Role.ADMIN, password=ADMIN_PASSWORD, actor="test")
    accounts.create_user("olive", role=Role.OPERATOR, password=OPERATOR_PASSWORD, actor="test")


def sign_in(server: LiveServer, username: str, password: str) -> httpx.Response:
    with server.client() as client:
        return client.post("/auth/login", json={"username": username, "password": password})


@pytest.mark.usefixtures("users")
def test_a_user_signs_in_and_the_session_key_acts_with_their_role(
    live_server: LiveServer,
) -> None:
    before = datetime.now(UTC)
    signed_in = sign_in(live_server, "  ALICE ", ADMIN_PASSWORD)

    assert signed_in.status_code == 200, signed_in.text
    session = signed_in.json()
    assert (session["username"], session["role"]) == ("alice", "admin")
    assert session["token"].startswith("msk_")
    expires = datetime.fromisoformat(session["expires_at"])
    assert before + timedelta(minutes=SESSION_MINUTES) <= expires
    assert expires <= datetime.now(UTC) + timedelta(minutes=SESSION_MINUTES)
    with live_server.client(session["token"]) as alice:
        me = alice.get("/auth/me").json()
        assert (me["username"], me["role"], me["name"]) == ("alice", "admin", "user:alice")
        assert alice.get("/keys").status_code == 200

    operator = sign_in(live_server, "olive", OPERATOR_PASSWORD).json()
    with live_server.client(operator["token"]) as olive:
        assert olive.get("/people").status_code == 200
        refused = olive.get("/keys")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"


@pytest.mark.usefixtures("users")
def test_a_wrong_password_and_an_unknown_user_get_one_and_the_same_answer(
    live_server: LiveServer,
) -> None:
    wrong = sign_in(live_server, "alice", "not the password")
    unknown = sign_in(live_server, "mallory", ADMIN_PASSWORD)
    impossible = sign_in(live_server, "not a user name!", ADMIN_PASSWORD)

    for answer in (wrong, unknown, impossible):
        assert answer.status_code == 401
        assert answer.json()["error"] == {
            "code": "invalid_credentials",
            "message": "the username or password is wrong",
        }


@pytest.mark.usefixtures("users")
def test_wrong_passwords_lock_that_username_out_even_for_the_right_password(
    live_server: LiveServer,
) -> None:
    for _ in range(MAX_FAILED):
        assert sign_in(live_server, "alice", "guess").status_code == 401

    locked = sign_in(live_server, "alice", ADMIN_PASSWORD)

    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert sign_in(live_server, "olive", OPERATOR_PASSWORD).status_code == 200


@pytest.mark.usefixtures("users")
def test_signing_out_revokes_the_session_key(live_server: LiveServer) -> None:
    token = sign_in(live_server, "alice", ADMIN_PASSWORD).json()["token"]
    with live_server.client(token) as alice:
        assert alice.post("/auth/logout").status_code == 204
        after = alice.get("/auth/me")
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthenticated"


def test_a_long_lived_key_cannot_sign_out(live_server: LiveServer) -> None:
    refused = live_server.admin.post("/auth/logout")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_a_session_key"
    assert live_server.admin.get("/auth/me").status_code == 200


def test_an_expired_key_is_refused_and_no_longer_listed(live_server: LiveServer) -> None:
    expired = live_server.services.keys.issue(
        name="user:alice", role=Role.ADMIN, expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    with live_server.client(expired.token) as client:
        refused = client.get("/auth/me")

    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]["message"]
    listed = {key["id"] for key in live_server.admin.get("/keys").json()}
    assert expired.key.id not in listed
    everything = live_server.admin.get("/keys", params={"include_revoked": True}).json()
    assert expired.key.id in {key["id"] for key in everything}


@pytest.mark.usefixtures("users")
def test_signing_in_and_out_and_failures_are_audited_without_passwords(
    live_server: LiveServer,
) -> None:
    sign_in(live_server, "alice", "a wrong guess")
    token = sign_in(live_server, "alice", ADMIN_PASSWORD).json()["token"]
    with live_server.client(token) as alice:
        alice.post("/auth/logout")

    entries = live_server.admin.get("/audit", params={"target_type": "user"}).json()
    entries += live_server.admin.get("/audit", params={"action": "user.signed_out"}).json()
    actions = [(entry["action"], entry["actor"]) for entry in entries]
    assert ("user.sign_in_failed", "user:alice") in actions
    assert ("user.signed_in", "user:alice") in actions
    signed_out = [actor for action, actor in actions if action == "user.signed_out"]
    assert len(signed_out) == 1
    assert signed_out[0].endswith(":user:alice")
    assert ADMIN_PASSWORD not in str(entries)
    assert "a wrong guess" not in str(entries)


@pytest.mark.usefixtures("users")
def test_a_disabled_user_cannot_sign_in(live_server: LiveServer) -> None:
    live_server.services.accounts.set_disabled("alice", True, actor="test")

    refused = sign_in(live_server, "alice", ADMIN_PASSWORD)

    assert refused.status_code == 401
    assert "disabled" in refused.json()["error"]["message"]


def test_a_malformed_sign_in_is_a_typed_error(live_server: LiveServer) -> None:
    with live_server.client() as client:
        missing = client.post("/auth/login", json={"username": "alice"})
        not_json = client.post(
            "/auth/login", content=b"username=alice", headers={"content-type": "text/plain"}
        )
        extra = client.post(
            "/auth/login", json={"username": "a", "password": "b", "remember": True}
        )

    for answer in (missing, not_json, extra):
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "invalid_request"
