"""Health, error shape and the API-key gate, over real HTTP."""

from __future__ import annotations

from .live_server import LiveServer


def test_healthz_reports_the_database_and_an_empty_gallery(live_server: LiveServer) -> None:
    body = live_server.admin.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert body["enrolled_people"] == 0


def test_unknown_route_gives_a_json_error_with_a_stable_code(live_server: LiveServer) -> None:
    response = live_server.admin.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
