"""Enrolment over real HTTP, on SQLite and PostgreSQL, with the real models and real photos
(knn_examples enrolment photos; negatives from multi_face_index.csv; photos degraded with
Pillow for the size and sharpness gates)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from muster.config import Settings
from muster.domain.people import Role

from .live_server import LiveServer, make_settings
from .roster import (
    ALEX,
    NO_FACE,
    OBAMA,
    ROSE,
    TWO_FACES,
    create_person,
    degraded,
    enrol,
    enrol_files,
    read,
    rows,
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Default settings; a test may pass privacy overrides with indirect parametrisation."""
    privacy: dict[str, Any] = getattr(request, "param", {})
    return make_settings(database_url, tmp_path / "data", privacy=privacy)


def only_photo(response: Any) -> dict[str, Any]:
    """The single photo outcome of a refused (422) enrolment."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "photos_refused"
    (photo,) = error["enrolment"]["photos"]
    assert photo["accepted"] is False
    assert photo["template"] is None
    outcome: dict[str, Any] = photo
    return outcome


def test_three_people_are_enrolled_from_their_photos(
    live_server: LiveServer, faces_dir: Path
) -> None:
    enrolled = {}
    for name, photos in {"Alex": ALEX, "Barack": OBAMA, "Rose": ROSE}.items():
        person = create_person(live_server.admin, name)
        enrolled[person["id"]] = enrol_files(live_server.admin, faces_dir, person["id"], photos)

    assert live_server.admin.get("/healthz").json()["enrolled_people"] == 3
    for person_id, body in enrolled.items():
        templates = live_server.admin.get(f"/people/{person_id}/templates").json()
        assert [t["id"] for t in templates] == [p["template"]["id"] for p in body["photos"]]
        assert [p["duplicate_warning"] for p in body["photos"]] == [None] * len(templates)
        for template in templates:
            assert template["model_name"] == "dlib_face_recognition_resnet_model_v1"
            assert template["source"] == "upload"
            assert template["quality"]["interocular_px"] >= 30
            thumbnail = live_server.admin.get(template["thumbnail_url"])
            assert thumbnail.headers["content-type"] == "image/jpeg"
            assert thumbnail.content.startswith(b"\xff\xd8")


def test_enrolment_without_consent_is_refused(live_server: LiveServer, faces_dir: Path) -> None:
    person = create_person(live_server.admin, "No consent", consent=False)

    response = enrol(live_server.admin, person["id"], ("a.jpg", read(faces_dir, ALEX[0])))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_required"
    assert rows(live_server, "SELECT id FROM templates") == []


def test_a_photo_without_a_face_is_refused(live_server: LiveServer, faces_dir: Path) -> None:
    person = create_person(live_server.admin, "Someone")

    photo = only_photo(enrol(live_server.admin, person["id"], ("x.png", read(faces_dir, NO_FACE))))

    assert [(p["code"], p["measured"]) for p in photo["problems"]] == [("no_face", 0)]


def test_a_photo_with_two_faces_is_refused_with_the_count(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person = create_person(live_server.admin, "Someone")

    photo = only_photo(
        enrol(live_server.admin, person["id"], ("2.jpg", read(faces_dir, TWO_FACES)))
    )

    (problem,) = photo["problems"]
    assert (problem["code"], problem["measured"], problem["limit"]) == ("several_faces", 2, 1)
    assert problem["message"].startswith("2 faces found")


def test_a_tiny_face_is_refused_with_its_size_in_pixels(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person = create_person(live_server.admin, "Barack")
    tiny = degraded(read(faces_dir, OBAMA[0]), max_side_px=240)

    photo = only_photo(enrol(live_server.admin, person["id"], ("tiny.jpg", tiny)))

    problem = photo["problems"][0]
    assert problem["code"] == "face_too_small"
    assert problem["measured"] < problem["limit"] == 30
    assert "px between the eyes, need at least 30" in problem["message"]


def test_each_photo_is_judged_on_its_own_and_a_blurred_one_is_refused(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person = create_person(live_server.admin, "Barack")
    sharp = read(faces_dir, OBAMA[0])

    response = enrol(
        live_server.admin,
        person["id"],
        ("sharp.jpg", sharp),
        ("blurred.jpg", degraded(sharp, blur_radius=8)),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["accepted"], body["refused"]) == (1, 1)
    good, blurred = body["photos"]
    assert (good["filename"], good["accepted"]) == ("sharp.jpg", True)
    assert (blurred["filename"], blurred["accepted"]) == ("blurred.jpg", False)
    assert [p["code"] for p in blurred["problems"]] == ["too_blurry"]
    assert blurred["quality"]["sharpness"] < blurred["problems"][0]["limit"]
    assert len(rows(live_server, "SELECT id FROM templates")) == 1


def test_a_face_already_enrolled_as_someone_else_is_enrolled_with_a_warning(
    live_server: LiveServer, faces_dir: Path
) -> None:
    barack = create_person(live_server.admin, "Barack")
    enrol_files(live_server.admin, faces_dir, barack["id"], OBAMA[:1])
    enrol_files(live_server.admin, faces_dir, create_person(live_server.admin, "Rose")["id"], ROSE)
    second_record = create_person(live_server.admin, "B. Obama (second record)")

    own = enrol_files(live_server.admin, faces_dir, barack["id"], OBAMA[1:])
    other = enrol_files(live_server.admin, faces_dir, second_record["id"], OBAMA[1:])

    # A person's own templates never make a duplicate of them.
    assert own["photos"][0]["duplicate_warning"] is None
    warning = other["photos"][0]["duplicate_warning"]
    assert warning["person_id"] == barack["id"]
    assert warning["score"] >= warning["min_score"]
    assert f"person {barack['id']}" in warning["message"]
    assert other["photos"][0]["template"]["person_id"] == second_record["id"]


def test_photos_may_be_sent_as_base64_json(live_server: LiveServer, faces_dir: Path) -> None:
    person = create_person(live_server.admin, "Alex")
    encoded = base64.b64encode(read(faces_dir, ALEX[0])).decode()

    response = live_server.admin.post(
        f"/people/{person['id']}/templates",
        json={"photos_base64": [f"data:image/jpeg;base64,{encoded}"], "source": "webcam"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["photos"][0]["template"]["source"] == "webcam"


def test_unreadable_photos_and_malformed_requests_get_typed_errors(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person_id = create_person(live_server.admin, "Someone")["id"]
    url = f"/people/{person_id}/templates"

    corrupt = only_photo(
        enrol(live_server.admin, person_id, ("cut.jpg", read(faces_dir, ALEX[0])[:400]))
    )
    bad_base64 = live_server.admin.post(url, json={"photos_base64": ["not base64!"]})
    empty_list = live_server.admin.post(url, json={"photos_base64": []})
    wrong_type = live_server.admin.post(
        url, content=b"hello", headers={"content-type": "text/plain"}
    )
    no_person = enrol(live_server.admin, 9999, ("a.jpg", read(faces_dir, ALEX[0])))
    bad_source = live_server.admin.post(url, json={"photos_base64": ["aGk="], "source": "review"})

    assert corrupt["image_error"]["code"] == "invalid_image"
    assert corrupt["problems"] == []
    assert (bad_base64.status_code, empty_list.status_code, bad_source.status_code) == (422,) * 3
    assert wrong_type.status_code == 415
    assert no_person.status_code == 404


def test_too_many_photos_in_one_request_are_refused(live_server: LiveServer) -> None:
    person_id = create_person(live_server.admin, "Someone")["id"]
    limit = live_server.services.settings.enrolment.max_photos_per_request

    response = enrol(live_server.admin, person_id, *((f"{i}.jpg", b"x") for i in range(limit + 1)))

    assert response.status_code in {400, 422}
    assert rows(live_server, "SELECT id FROM templates") == []


def test_an_operator_enrols_and_lists_templates_but_only_an_admin_deletes_one(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person_id = create_person(live_server.admin, "Alex")["id"]
    with live_server.client(live_server.token(Role.OPERATOR)) as operator:
        body = enrol_files(operator, faces_dir, person_id, ALEX)
        template_id = body["photos"][0]["template"]["id"]
        listed = operator.get(f"/people/{person_id}/templates")
        refused = operator.delete(f"/templates/{template_id}")

    deleted = live_server.admin.delete(f"/templates/{template_id}")

    assert listed.status_code == 200
    assert refused.status_code == 403
    assert deleted.status_code == 204
    assert live_server.admin.get(f"/people/{person_id}/templates").json() == []
    assert live_server.admin.get("/healthz").json()["enrolled_people"] == 0
    actions = [e.action for e in live_server.services.audit.recent(target_type="template")]
    assert actions == ["template.deleted"]


@pytest.mark.parametrize("settings", [{"store_template_thumbnails": False}], indirect=True)
def test_no_thumbnail_is_kept_when_the_privacy_settings_say_so(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person_id = create_person(live_server.admin, "Alex")["id"]

    body = enrol_files(live_server.admin, faces_dir, person_id, ALEX)

    template = body["photos"][0]["template"]
    assert template["thumbnail_url"] is None
    assert live_server.admin.get(f"/templates/{template['id']}/thumbnail").status_code == 404
    assert rows(live_server, "SELECT thumbnail_jpeg FROM templates") == [(None,)]


@pytest.mark.parametrize("settings", [{"store_enrolment_photos": True}], indirect=True)
def test_raw_photos_are_kept_only_when_the_privacy_settings_say_so(
    live_server: LiveServer, faces_dir: Path
) -> None:
    person_id = create_person(live_server.admin, "Alex")["id"]

    enrol_files(live_server.admin, faces_dir, person_id, ALEX)

    stored = sorted((live_server.services.settings.data_dir / "photos").rglob("*.jpg"))
    assert len(stored) == 1
    with Image.open(stored[0]) as photo:
        assert photo.format == "JPEG"
        assert not photo.getexif()  # re-encoded: the upload's metadata is gone


def test_by_default_no_raw_photo_is_kept(live_server: LiveServer, faces_dir: Path) -> None:
    person_id = create_person(live_server.admin, "Alex")["id"]

    enrol_files(live_server.admin, faces_dir, person_id, ALEX)

    assert not (live_server.services.settings.data_dir / "photos").exists()
