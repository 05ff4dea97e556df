"""The kiosk's liveness challenge over real HTTP, on SQLite and PostgreSQL, with the real
models and real photos, with `liveness.required` on: challenges are issued by the server,
expire, and are answered once; a still photo sent as the frame burst fails; a single frame
is refused; repeated failures pause the device, the admin is told and can lift the pause."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from muster.config import Settings
from muster.domain.challenges import Challenge
from muster.domain.liveness import ChallengeKind
from muster.domain.people import Role
from muster.storage.repositories.base import utc_now
from muster.storage.repositories.liveness import LivenessRepository

from .knn_gallery import NO_FACE, PROBES, Kiosk, TrainFaces, add_kiosk, count_rows, enrol
from .live_server import LiveServer, make_settings

OBAMA = "Barack Obama"
MAX_FAILURES = 3
BURST = 8


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path / "data",
        liveness={"required": True, "max_failures": MAX_FAILURES, "cooldown_s": 600},
    )


@pytest.fixture
def people(live_server: LiveServer, train_faces: TrainFaces) -> dict[str, int]:
    return enrol(live_server, train_faces)


@pytest.fixture
def kiosk(live_server: LiveServer) -> Kiosk:
    return add_kiosk(live_server)


def challenge(server: LiveServer, kiosk: Kiosk) -> dict[str, Any]:
    with server.client(kiosk.token) as client:
        response = client.post("/liveness/challenges")
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def answer(
    server: LiveServer, kiosk: Kiosk, challenge_id: str, frames: list[bytes]
) -> httpx.Response:
    with server.client(kiosk.token) as client:
        return client.post(
            "/checkins/live",
            data={"challenge_id": challenge_id},
            files=[("frames", (f"frame{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)],
        )


def expired_challenge(server: LiveServer, kiosk: Kiosk) -> str:
    """A challenge issued to the kiosk a minute ago that expired 30 s ago (stored directly:
    the live server's clock is the real one)."""
    issued = utc_now() - timedelta(seconds=60)
    stored = LivenessRepository(server.services.database).add_challenge(
        Challenge(
            id=f"expired-{secrets.token_hex(8)}",
            device_id=kiosk.device_id,
            kind=ChallengeKind.TURN_LEFT,
            issued_at=issued,
            expires_at=issued + timedelta(seconds=30),
            used=False,
        )
    )
    return stored.id


def failed(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["decision"] == "liveness_failed", body
    assert body["liveness"]["passed"] is False
    return body


def test_a_kiosk_is_issued_a_server_chosen_challenge_that_expires(
    live_server: LiveServer, kiosk: Kiosk
) -> None:
    kinds = set()
    for _ in range(24):
        issued = challenge(live_server, kiosk)
        kinds.add(issued["kind"])
        assert len(issued["challenge_id"]) >= 32
        assert issued["instruction"]
        lifetime = iso_time(issued["expires_at"]) - iso_time(issued["issued_at"])
        assert lifetime == timedelta(seconds=live_server.services.settings.liveness.challenge_ttl_s)
    # Only turns are asked for (a nod cannot be told from a tilted photo with 5 landmarks);
    # 24 draws of two kinds all alike would happen about once in 8 million runs.
    assert kinds == {"turn_left", "turn_right"}
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.post("/liveness/challenges").status_code == 403


def test_the_kiosk_session_says_that_liveness_is_required(
    live_server: LiveServer, kiosk: Kiosk
) -> None:
    with live_server.client(kiosk.token) as client:
        session = client.get("/kiosk/session").json()

    assert session["liveness_required"] is True


def test_a_single_frame_check_in_is_refused_while_liveness_is_required(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    with live_server.client(kiosk.token) as client:
        response = client.post(
            "/checkins",
            files={"image": ("look.jpg", train_faces.photo(PROBES[OBAMA]), "image/jpeg")},
        )
        # A frame without a face is still answered: that is how a kiosk sees someone arrive.
        empty = client.post(
            "/checkins", files={"image": ("empty.png", train_faces.photo(NO_FACE), "image/png")}
        )

    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "liveness_required"
    assert empty.status_code == 200, empty.text
    assert empty.json()["decision"] == "no_face"
    assert count_rows(live_server, "attendance_events") == 0


def test_a_still_photo_sent_as_the_burst_fails_the_challenge_and_records_nothing(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    issued = challenge(live_server, kiosk)

    body = failed(answer(live_server, kiosk, issued["challenge_id"], still_burst(train_faces)))

    # An enrolled person's real photo, but it does not move: never a check-in.
    assert body["liveness"]["failure"] in {"wrong_movement", "planar_motion"}, body
    assert body["liveness"]["kind"] == issued["kind"]
    assert body["liveness"]["frames_used"] == BURST
    assert body["person"] is None
    assert count_rows(live_server, "attendance_events") == 0
    assert attempts(live_server) == [(False, body["liveness"]["failure"])]


def test_a_challenge_is_answered_once_and_not_after_it_expired(
    live_server: LiveServer, people: dict[str, int], kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    issued = challenge(live_server, kiosk)
    frames = still_burst(train_faces)[:3]
    failed(answer(live_server, kiosk, issued["challenge_id"], frames))

    again = failed(answer(live_server, kiosk, issued["challenge_id"], frames))
    late = failed(answer(live_server, kiosk, expired_challenge(live_server, kiosk), frames))

    assert again["liveness"]["failure"] == "expired"
    assert late["liveness"]["failure"] == "expired"


def test_a_challenge_issued_to_another_device_cannot_be_answered(
    live_server: LiveServer, kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    other = add_kiosk(live_server, name="back door")
    issued = challenge(live_server, other)

    response = answer(live_server, kiosk, issued["challenge_id"], still_burst(train_faces)[:1])

    assert response.status_code == 404, response.text
    assert attempts(live_server) == []


def test_repeated_failures_pause_the_device_and_the_admin_sees_and_lifts_the_pause(
    live_server: LiveServer, kiosk: Kiosk, train_faces: TrainFaces
) -> None:
    hook = live_server.admin.post(
        "/webhooks",
        json={"url": "https://example.org/muster-hook", "events": ["liveness.device_paused"]},
    )
    assert hook.status_code == 201, hook.text
    frames = still_burst(train_faces)[:1]

    answers = [
        failed(answer(live_server, kiosk, expired_challenge(live_server, kiosk), frames))
        for _ in range(MAX_FAILURES)
    ]
    with live_server.client(kiosk.token) as client:
        refused = client.post("/liveness/challenges")
        refused_photo = client.post(
            "/checkins/live",
            data={"challenge_id": "anything"},
            files=[("frames", ("f.jpg", frames[0], "image/jpeg"))],
        )
    pauses = live_server.admin.get("/liveness/pauses").json()
    audit = live_server.admin.get("/audit", params={"action": "liveness.device_paused"}).json()

    assert [a["liveness"]["paused_until"] is None for a in answers] == [True, True, False]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "liveness_paused"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert refused_photo.json()["error"]["code"] == "liveness_paused"
    assert [(p["device_id"], p["failures"]) for p in pauses] == [(kiosk.device_id, MAX_FAILURES)]
    assert iso_time(pauses[0]["paused_until"]) == iso_time(answers[-1]["liveness"]["paused_until"])
    assert [(a["target_id"], a["detail"]["failures"]) for a in audit] == [
        (kiosk.device_id, MAX_FAILURES)
    ]
    assert deliveries(live_server, "liveness.device_paused") == 1

    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        assert operator.delete(f"/liveness/pauses/{kiosk.device_id}").status_code == 403
    lifted = live_server.admin.delete(f"/liveness/pauses/{kiosk.device_id}")

    assert lifted.status_code == 204, lifted.text
    assert live_server.admin.get("/liveness/pauses").json() == []
    assert challenge(live_server, kiosk)["challenge_id"]
    # Counted afresh after the lift: one more failure does not pause again.
    after = failed(answer(live_server, kiosk, expired_challenge(live_server, kiosk), frames))
    assert after["liveness"]["paused_until"] is None
    assert live_server.admin.delete(f"/liveness/pauses/{kiosk.device_id}").status_code == 404


def still_burst(train_faces: TrainFaces) -> list[bytes]:
    return [train_faces.photo(PROBES[OBAMA])] * BURST


def attempts(server: LiveServer) -> list[tuple[bool, str | None]]:
    with server.services.database.read() as session:
        rows = session.execute(text("SELECT passed, failure FROM liveness_attempts ORDER BY id"))
        return [(bool(passed), failure) for passed, failure in rows]


def deliveries(server: LiveServer, event: str) -> int:
    with server.services.database.read() as session:
        query = text("SELECT COUNT(*) FROM webhook_deliveries WHERE event = :event")
        return int(session.execute(query, {"event": event}).scalar_one())


def iso_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_the_dashboard_carries_the_paused_devices_notice(live_server: LiveServer) -> None:
    with live_server.client() as browser:
        page = browser.get("/admin/register")
        script = browser.get("/static/js/admin/liveness-notice.js")

    assert page.status_code == 200
    assert 'id="liveness-notice"' in page.text
    assert "/static/js/admin/liveness-notice.js" in page.text
    assert script.status_code == 200
    assert "/liveness/pauses" in script.text
