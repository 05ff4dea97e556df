"""People and real photos for the people, enrolment, review and privacy API tests.

People are created and photos enrolled over HTTP, the way an admin client does it; photos are
real files from the shared face data, sometimes degraded here with Pillow (downscaled,
blurred) to exercise the quality gates.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageFilter
from sqlalchemy import text

from .knn_gallery import KNN
from .live_server import LiveServer

TRAIN = KNN / "train"
ALEX = (TRAIN / "alex_lacamoire/img1.jpg",)
OBAMA = (TRAIN / "obama/obama.jpg", TRAIN / "obama/obama2.jpg")
ROSE = (TRAIN / "rose_leslie/img1.jpg", TRAIN / "rose_leslie/img2.jpg")
OBAMA_PROBE = KNN / "test/obama1.jpg"
STRANGER = Path("face_recognition_examples/examples/lin-manuel-miranda.png")
TWO_FACES = Path("face_recognition_examples/examples/two_people.jpg")  # 2 in multi_face_index
NO_FACE = Path("insightface_samples/inspireface_test_res/crop/no_face.png")  # 0 there

CONSENT = {"method": "paper form", "note": "filed in the office"}


def read(faces_dir: Path, relative: Path) -> bytes:
    return (faces_dir / relative).read_bytes()


def degraded(data: bytes, *, max_side_px: int | None = None, blur_radius: float = 0) -> bytes:
    """The photo as a JPEG, downscaled so its longer side is `max_side_px` and/or blurred."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if max_side_px is not None:
        scale = max_side_px / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    if blur_radius:
        image = image.filter(ImageFilter.GaussianBlur(blur_radius))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def create_person(
    client: httpx.Client, name: str, *, consent: bool = True, **fields: Any
) -> dict[str, Any]:
    body = {"name": name, **fields, **({"consent": CONSENT} if consent else {})}
    response = client.post("/people", json=body)
    assert response.status_code == 201, response.text
    person: dict[str, Any] = response.json()
    return person


def enrol(client: httpx.Client, person_id: int, *photos: tuple[str, bytes]) -> httpx.Response:
    """POST the photos as multipart `photos` parts."""
    files = [("photos", (name, data, "image/jpeg")) for name, data in photos]
    return client.post(f"/people/{person_id}/templates", files=files)


def enrol_files(
    client: httpx.Client, faces_dir: Path, person_id: int, paths: tuple[Path, ...]
) -> dict[str, Any]:
    """Enrol photo files that must all be accepted."""
    response = enrol(client, person_id, *((path.name, read(faces_dir, path)) for path in paths))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["accepted"] == len(paths), body
    return body


def rows(server: LiveServer, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL query, straight from the server's database."""
    with server.services.database.read() as session:
        return [tuple(row) for row in session.execute(text(sql), params)]
