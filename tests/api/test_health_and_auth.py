"""Health, error shape and the API-key gate, over real HTTP."""

from __future__ import annotations

import numpy as np

from muster.domain.faces import FaceQuality
from muster.domain.people import TemplateSource
from muster.services.container import EMBEDDER_NAME, EMBEDDER_VERSION, PLAIN_EMBEDDER_VERSION
from muster.storage import Repositories

from .live_server import LiveServer


def test_healthz_reports_the_database_and_an_empty_gallery(live_server: LiveServer) -> None:
    body = live_server.admin.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert body["enrolled_people"] == 0
    assert body["people_to_re_enrol"] == 0


def test_healthz_counts_the_people_enrolled_only_with_an_older_face_model(
    live_server: LiveServer,
) -> None:
    repos = Repositories.create(live_server.services.database)
    unit = np.zeros(128, dtype=np.float32)
    unit[0] = 1.0

    def person_with(name: str, *versions: str) -> None:
        person = repos.people.create(name=name)
        for version in versions:
            repos.templates.add(
                person_id=person.id,
                embedding=unit,
                model_name=EMBEDDER_NAME,
                model_version=version,
                quality=FaceQuality(
                    interocular_px=60.0,
                    sharpness=100.0,
                    yaw_deg=0.0,
                    pitch_deg=0.0,
                    brightness=120.0,
                    contrast=50.0,
                ),
                source=TemplateSource.UPLOAD,
            )

    person_with("Enrolled before the upgrade", PLAIN_EMBEDDER_VERSION)
    person_with("Enrolled again since", PLAIN_EMBEDDER_VERSION, EMBEDDER_VERSION)
    person_with("Enrolled since", EMBEDDER_VERSION)
    person_with("Never enrolled")
    live_server.services.gallery.changed()

    body = live_server.admin.get("/healthz").json()
    assert body["enrolled_people"] == 2
    assert body["people_to_re_enrol"] == 1


def test_unknown_route_gives_a_json_error_with_a_stable_code(live_server: LiveServer) -> None:
    response = live_server.admin.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
