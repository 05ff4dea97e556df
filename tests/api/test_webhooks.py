"""Webhooks over real HTTP, on SQLite and PostgreSQL: a real receiver (http.server on
127.0.0.1, in a thread) gets a signed delivery for a real check-in, after the dispatcher
started by the app's lifespan retried a failed first attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from muster.config import Settings
from muster.domain.people import Role
from muster.services.webhooks import WebhookEventType

from .knn_gallery import PROBES, TrainFaces, add_kiosk, enrol
from .live_server import LiveServer, make_settings

SECRET = "a-shared-secret-of-some-length"
MAX_ATTEMPTS = 3


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Retries within a fraction of a second, so the test does not wait minutes."""
    return make_settings(
        database_url,
        tmp_path / "data",
        webhooks={
            "max_attempts": MAX_ATTEMPTS,
            "backoff_initial_s": 0.2,
            "poll_interval_s": 0.05,
            "request_timeout_s": 5,
        },
    )


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (the last one repeats)."""

    statuses: list[int]
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def wait_for(self, count: int, timeout_s: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


@pytest.fixture
def receiver_factory() -> Iterator[Callable[[list[int]], Receiver]]:
    servers: list[ThreadingHTTPServer] = []

    def start(statuses: list[int]) -> Receiver:
        receiver = Receiver(statuses)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.statuses[min(len(receiver.received), len(statuses) - 1)]
                receiver.received.append(Received(dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test reads what arrived, not the access log."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/muster"
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def expected_signature(timestamp: str, body: bytes) -> str:
    """The documented scheme, computed independently of the code under test."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()


def register(server: LiveServer, url: str) -> dict[str, Any]:
    response = server.admin.post(
        "/webhooks", json={"url": url, "events": ["attendance.created"], "secret": SECRET}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries_of(server: LiveServer, webhook_id: int, until: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 20
    while True:
        found = server.admin.get(f"/webhooks/{webhook_id}/deliveries").json()
        if until(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_check_in_is_delivered_signed_after_a_failed_first_attempt(
    live_server: LiveServer,
    train_faces: TrainFaces,
    receiver_factory: Callable[[list[int]], Receiver],
) -> None:
    receiver = receiver_factory([500, 200])
    webhook = register(live_server, receiver.url)
    people = enrol(live_server, train_faces)
    kiosk = add_kiosk(live_server)
    with live_server.client(kiosk.token) as device:
        checkin = device.post(
            "/checkins",
            files={"image": ("obama.jpg", train_faces.photo(PROBES["Barack Obama"]), "image/jpeg")},
        ).json()

    first, second = receiver.wait_for(2)
    [delivery] = deliveries_of(live_server, webhook["id"], lambda d: d[0]["status"] != "pending")

    assert checkin["decision"] == "checked_in"
    assert first.body == second.body  # a retry resends the same delivery
    assert first.headers["X-Muster-Delivery"] == second.headers["X-Muster-Delivery"]
    assert second.headers["X-Muster-Event"] == "attendance.created"
    timestamp, signature = (
        p.split("=", 1)[1] for p in second.headers["X-Muster-Signature"].split(",")
    )
    assert hmac.compare_digest(signature, expected_signature(timestamp, second.body))
    assert abs(time.time() - int(timestamp)) < 60
    document = json.loads(second.body)
    assert document["event"] == "attendance.created"
    assert document["data"]["event_id"] == checkin["event_id"]
    assert document["data"]["person_id"] == people["Barack Obama"]
    assert document["data"]["direction"] == "in"
    assert "Obama" not in second.body.decode()  # ids only: no names leave in webhooks
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "delivered",
        2,
        None,
    )


def test_a_delivery_that_keeps_failing_is_given_up_after_max_attempts(
    live_server: LiveServer, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([503])
    webhook = register(live_server, receiver.url)

    live_server.services.webhooks.publish(WebhookEventType.ATTENDANCE_CREATED, {"event_id": 1})

    [delivery] = deliveries_of(live_server, webhook["id"], lambda d: d[0]["status"] == "failed")
    assert (delivery["status"], delivery["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert delivery["last_error"] == "HTTP 503 from the receiver"
    assert delivery["next_attempt_at"] is None
    assert len(receiver.received) == MAX_ATTEMPTS


def test_an_inactive_webhook_receives_nothing(
    live_server: LiveServer, receiver_factory: Callable[[list[int]], Receiver]
) -> None:
    receiver = receiver_factory([200])
    webhook = register(live_server, receiver.url)
    paused = live_server.admin.patch(f"/webhooks/{webhook['id']}", json={"active": False})

    live_server.services.webhooks.publish(WebhookEventType.ATTENDANCE_CREATED, {"event_id": 1})

    assert paused.json()["active"] is False
    assert live_server.admin.get(f"/webhooks/{webhook['id']}/deliveries").json() == []


def test_webhooks_are_admin_only_and_their_secret_is_shown_once(
    live_server: LiveServer,
) -> None:
    created = live_server.admin.post(
        "/webhooks", json={"url": "https://example.org/hook", "events": ["attendance.created"]}
    )
    listed = live_server.admin.get("/webhooks").json()
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        refused = operator.get("/webhooks")

    assert created.status_code == 201
    assert len(created.json()["secret"]) >= 32  # drawn for us
    assert listed == [{k: v for k, v in created.json().items() if k != "secret"}]
    assert refused.status_code == 403
    assert live_server.admin.delete(f"/webhooks/{created.json()['id']}").status_code == 204
    assert live_server.admin.get("/webhooks").json() == []
    actions = [e.action for e in live_server.services.audit.recent(target_type="webhook")]
    assert actions == ["webhook.deleted", "webhook.created"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"url": "ftp://example.org/x", "events": ["attendance.created"]}, id="ftp"),
        pytest.param({"url": "https://example.org/x", "events": []}, id="no-events"),
        pytest.param({"url": "https://example.org/x", "events": ["person.born"]}, id="bad-event"),
        pytest.param(
            {"url": "https://example.org/x", "events": ["attendance.created"], "secret": "short"},
            id="short-secret",
        ),
    ],
)
def test_an_invalid_webhook_is_refused(live_server: LiveServer, body: dict[str, Any]) -> None:
    assert live_server.admin.post("/webhooks", json=body).status_code == 422
