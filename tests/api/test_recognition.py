"""Recognition (1:N), verification (1:1) and the calibrated threshold over real HTTP, on
SQLite and PostgreSQL, with the real models and real photos; and how malformed uploads are
refused."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from muster.config import Settings
from muster.domain.people import Role, TemplateSource
from muster.services.container import EMBEDDER_NAME, EMBEDDER_VERSION
from muster.services.thresholds import prior_tail
from muster.storage import Repositories

from .knn_gallery import KNN, NO_FACE, PROBES, STRANGER, TrainFaces, add_kiosk, enrol
from .live_server import LiveServer, make_settings

OBAMA = "Barack Obama"


MAX_IMAGE_BYTES = 2 * 1024 * 1024


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A 2 MiB image limit, so the oversized upload below stays small."""
    return make_settings(
        database_url, tmp_path / "data", vision={"limits": {"max_bytes": MAX_IMAGE_BYTES}}
    )


@pytest.fixture
def people(live_server: LiveServer, train_faces: TrainFaces) -> dict[str, int]:
    return enrol(live_server, train_faces)


def recognise(client: httpx.Client, photo: bytes) -> dict[str, Any]:
    response = client.post("/recognitions", files={"image": ("photo.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_each_face_of_a_two_person_photo_is_named_with_its_evidence(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    body = recognise(live_server.admin, train_faces.photo(KNN / "test/kit_with_rose.jpg"))

    names = [face["identity"]["name"] for face in body["faces"] if face["identity"]]
    assert sorted(names) == ["Kit Harington", "Rose Leslie"]
    for face in body["faces"]:
        assert face["rejection"] is None
        assert face["similarity"] >= body["threshold"]["min_score"]
        assert face["margin"] >= body["threshold"]["min_margin"]
        assert face["box"]["right"] > face["box"]["left"]
        assert face["quality"]["interocular_px"] > 20
    widths = [face["box"]["right"] - face["box"]["left"] for face in body["faces"]]
    assert widths == sorted(widths, reverse=True)


def test_a_stranger_is_unknown_and_says_why(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    body = recognise(live_server.admin, train_faces.photo(STRANGER))

    [face] = body["faces"]
    assert face["identity"] is None
    assert face["rejection"] in {"below_threshold", "low_margin"}
    assert face["similarity"] is not None


def test_with_nobody_enrolled_a_face_is_unknown_for_an_empty_gallery(
    live_server: LiveServer, train_faces: TrainFaces
) -> None:
    body = recognise(live_server.admin, train_faces.photo(PROBES[OBAMA]))

    [face] = body["faces"]
    assert (face["identity"], face["rejection"], face["similarity"]) == (
        None,
        "empty_gallery",
        None,
    )


def test_a_photo_without_faces_gives_no_faces(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    assert recognise(live_server.admin, train_faces.photo(NO_FACE))["faces"] == []


def test_base64_json_and_a_device_key_give_the_same_answer_as_an_admin_upload(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES["Kit Harington"])
    kiosk = add_kiosk(live_server)
    uploaded = recognise(live_server.admin, photo)
    with live_server.client(kiosk.token) as device:
        as_json = device.post(
            "/recognitions", json={"image_base64": base64.b64encode(photo).decode()}
        )

    assert as_json.status_code == 200, as_json.text
    assert as_json.json() == uploaded
    assert uploaded["faces"][0]["identity"]["person_id"] == people["Kit Harington"]


def test_verification_accepts_the_person_and_rejects_someone_else(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    photo = train_faces.photo(PROBES[OBAMA])

    def verify(person_id: int) -> dict[str, Any]:
        response = live_server.admin.post(
            "/verifications",
            files={"image": ("obama.jpg", photo, "image/jpeg")},
            data={"person_id": str(person_id)},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    same, other = verify(people[OBAMA]), verify(people["Joe Biden"])

    assert same["matched"] is True
    assert same["person"]["name"] == OBAMA
    assert same["similarity"] >= same["min_score"]
    assert other["matched"] is False
    assert other["rejection"] == "below_threshold"
    assert other["similarity"] < same["similarity"]


def test_verification_of_an_unknown_person_is_not_found(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    response = live_server.admin.post(
        "/verifications",
        json={
            "image_base64": base64.b64encode(train_faces.photo(PROBES[OBAMA])).decode(),
            "person_id": 999_999,
        },
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_threshold_is_calibrated_from_the_gallery_and_follows_it(
    live_server: LiveServer, people: dict[str, int], train_faces: TrainFaces
) -> None:
    before = live_server.admin.get("/thresholds").json()
    # One more template (a copy of Obama's first) changes the gallery: a new calibration.
    probe = train_faces.by_name[OBAMA][0]
    Repositories.create(live_server.services.database).templates.add(
        person_id=people[OBAMA],
        embedding=probe.embedding,
        model_name=EMBEDDER_NAME,
        model_version=EMBEDDER_VERSION,
        quality=probe.quality,
        source=TemplateSource.UPLOAD,
    )
    live_server.services.gallery.changed()
    after = live_server.admin.get("/thresholds").json()

    # Five people rank by raw cosine, and 36 scores cannot place a 0.2 % tail: the prior can.
    assert (before["method"], before["scorer"], before["score_scale"]) == (
        "prior",
        "raw cosine",
        "cosine",
    )
    assert (before["people"], before["templates"]) == (5, 9)
    # 9 templates, each against the 4 other people.
    assert before["impostor_scores"] == 36
    assert before["target_fpir"] == pytest.approx(0.01)
    assert before["per_comparison_rate"] == pytest.approx(0.01 / 5, rel=0.01)
    prior = prior_tail(live_server.services.settings.recognition)
    assert before["min_score"] == pytest.approx(prior.threshold_for(0.01 / 5), abs=1e-4)
    assert before["expected_fpir"] == pytest.approx(before["target_fpir"], rel=0.01)
    assert before["verification_min_score"] < before["min_score"]
    assert (after["templates"], after["impostor_scores"]) == (10, 40)
    assert after["gallery_version"] > before["gallery_version"]


def test_an_empty_gallery_takes_the_prior_threshold_for_one_comparison(
    live_server: LiveServer,
) -> None:
    body = live_server.admin.get("/thresholds").json()

    assert (body["method"], body["people"], body["score_scale"]) == ("prior", 0, "cosine")
    prior = prior_tail(live_server.services.settings.recognition)
    assert body["min_score"] == pytest.approx(prior.threshold_for(0.01))


def test_the_threshold_is_for_staff_only(live_server: LiveServer) -> None:
    kiosk = add_kiosk(live_server)
    operator = live_server.token(Role.OPERATOR)
    with live_server.client(kiosk.token) as device, live_server.client(operator) as staff:
        assert device.get("/thresholds").status_code == 403
        assert staff.get("/thresholds").status_code == 200


@pytest.mark.parametrize(
    ("request_kwargs", "expected"),
    [
        pytest.param(
            {"content": b"just text", "headers": {"Content-Type": "text/plain"}},
            (415, "unsupported_media_type"),
            id="text-body",
        ),
        pytest.param(
            {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
            (422, "invalid_request"),
            id="bad-json",
        ),
        pytest.param({"json": {"image_base64": "***"}}, (422, "invalid_request"), id="bad-base64"),
        pytest.param({"json": {"picture": "aGk="}}, (422, "invalid_request"), id="no-image"),
        pytest.param({"json": ["a list"]}, (422, "invalid_request"), id="json-array"),
        pytest.param(
            {"json": {"image_base64": base64.b64encode(b"\xff\xd8\xff\xe0 broken").decode()}},
            (422, "invalid_image"),
            id="corrupt-jpeg",
        ),
        pytest.param(
            {"files": {"photo": ("x.jpg", b"abc", "image/jpeg")}},
            (422, "invalid_request"),
            id="file-part-misnamed",
        ),
        pytest.param(
            {
                "content": b"--xyz\r\nContent-Disposition: form-data; name=image",
                "headers": {"Content-Type": "multipart/form-data; boundary=xyz"},
            },
            (422, "invalid_request"),
            id="truncated-multipart",
        ),
    ],
)
def test_malformed_uploads_are_refused_with_a_stable_code(
    live_server: LiveServer, request_kwargs: dict[str, Any], expected: tuple[int, str]
) -> None:
    response = live_server.admin.post("/recognitions", **request_kwargs)

    assert (response.status_code, response.json()["error"]["code"]) == expected, response.text


def test_an_upload_over_the_size_limit_is_refused_before_decoding(
    live_server: LiveServer,
) -> None:
    response = live_server.admin.post(
        "/recognitions",
        files={"image": ("big.jpg", b"\xff" * (2 * MAX_IMAGE_BYTES), "image/jpeg")},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"


def test_recognition_needs_a_key(live_server: LiveServer, train_faces: TrainFaces) -> None:
    with live_server.client() as anonymous:
        response = anonymous.post(
            "/recognitions", files={"image": ("x.jpg", train_faces.photo(NO_FACE), "image/png")}
        )

    assert response.status_code == 401
