"""Routes the admin pages need, over real HTTP on SQLite and PostgreSQL with the real models:
live enrolment feedback on real photos (the same gates as enrolment), the read-only process
configuration, and a group's register over a date range (the rows the export writes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from muster.domain.people import DeviceKind, Role

from .attendance_world import MONDAY, TUESDAY, build_world, days, register_by_name
from .live_server import LiveServer

EXAMPLES = Path("face_recognition_examples/examples")
DARK = Path("insightface_samples/inspireface_test_res/bulk/blur.jpg")  # dark and blurred
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")


def check(server: LiveServer, photo: bytes, token: str | None = None) -> dict[str, object]:
    with server.client(token or server.token(Role.OPERATOR)) as client:
        answer = client.post("/enrolment-checks", files={"image": ("frame.jpg", photo)})
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


def codes(result: dict[str, object]) -> list[str]:
    problems = result["problems"]
    assert isinstance(problems, list)
    return [problem["code"] for problem in problems]


@pytest.mark.models
def test_a_good_photo_is_ready_and_says_where_the_face_is(
    live_server: LiveServer, faces_dir: Path
) -> None:
    result = check(live_server, (faces_dir / EXAMPLES / "obama.jpg").read_bytes())

    assert result["ready"] is True
    assert codes(result) == []
    assert result["faces"] == 1
    assert (result["width_px"], result["height_px"]) == (910, 1137)
    quality = result["quality"]
    assert isinstance(quality, dict)
    assert quality["interocular_px"] > 30


@pytest.mark.models
@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        (NO_FACE, ["no_face"]),
        (EXAMPLES / "two_people.jpg", ["several_faces"]),
        (EXAMPLES / "obama-240p.jpg", ["face_too_small"]),
    ],
)
def test_a_photo_enrolment_would_refuse_says_what_to_fix(
    live_server: LiveServer, faces_dir: Path, photo: Path, expected: list[str]
) -> None:
    result = check(live_server, (faces_dir / photo).read_bytes())

    assert result["ready"] is False
    assert codes(result) == expected


@pytest.mark.models
def test_a_dark_photo_fails_the_same_gates_as_enrolment(
    live_server: LiveServer, faces_dir: Path
) -> None:
    photo = (faces_dir / DARK).read_bytes()
    result = check(live_server, photo)
    person = live_server.admin.post(
        "/people", json={"name": "Blur", "consent": {"method": "test"}}
    ).json()
    with live_server.client(live_server.token(Role.OPERATOR)) as client:
        enrolled = client.post(
            f"/people/{person['id']}/templates", files={"photos": ("blur.jpg", photo)}
        )

    assert result["ready"] is False
    assert codes(result) == ["too_dark"]
    refused = enrolled.json()["error"]["enrolment"]["photos"][0]["problems"]
    assert codes(result) == [problem["code"] for problem in refused]


def test_enrolment_checks_refuse_devices_and_unreadable_images(live_server: LiveServer) -> None:
    location = live_server.admin.post("/locations", json={"name": "Hall", "timezone": "UTC"})
    device = live_server.admin.post(
        "/devices",
        json={"name": "Door", "location_id": location.json()["id"], "kind": DeviceKind.KIOSK},
    )
    device_token = live_server.token(Role.DEVICE, device_id=device.json()["id"])
    with live_server.client(device_token) as kiosk:
        refused = kiosk.post("/enrolment-checks", files={"image": ("a.jpg", b"\xff\xd8")})
    with live_server.client(live_server.token(Role.OPERATOR)) as client:
        corrupt = client.post("/enrolment-checks", files={"image": ("a.jpg", b"not a picture")})

    assert refused.status_code == 403
    assert corrupt.status_code == 422
    assert corrupt.json()["error"]["code"] == "invalid_image"


def test_the_configuration_lists_tunable_settings_and_where_they_are_set(
    live_server: LiveServer,
) -> None:
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        answer = operator.get("/configuration")

    assert answer.status_code == 200
    settings = {item["path"]: item for item in answer.json()}
    dedupe = settings["attendance.dedupe_window_s"]
    assert dedupe["environment_variable"] == "MUSTER_ATTENDANCE__DEDUPE_WINDOW_S"
    assert dedupe["value"] == live_server.services.settings.attendance.dedupe_window_s
    assert dedupe["description"]
    assert settings["recognition.target_fpir"]["value"] == 0.01
    assert settings["attendance.day_start"]["value"] == "00:00"
    assert not any(path.startswith(("database", "data_dir", "vision")) for path in settings)
    assert str(live_server.services.settings.database_url) not in answer.text


def test_the_register_over_a_range_is_each_days_register_in_turn(
    live_server: LiveServer,
) -> None:
    world = build_world(live_server)

    answer = live_server.admin.get(
        "/attendance/entries", params={"group_id": world.year7.id, **days(MONDAY, TUESDAY)}
    )

    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    by_day = [
        (entry["day"], entry["name"], entry["status"])
        for day in (MONDAY, TUESDAY)
        for entry in register_by_name(live_server, world.year7, day).values()
    ]
    assert [(e["day"], e["name"], e["status"]) for e in entries] == by_day
    assert ("2024-03-11", "Ben", "late") in by_day
    too_long = live_server.admin.get(
        "/attendance/entries",
        params={"group_id": world.year7.id, "from": "2020-01-01", "to": "2024-01-01"},
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid_date_range"
