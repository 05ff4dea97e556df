"""The people and kiosks of a load test, made through the API of a running replica: LFW
identities enrolled from one photo each, probed with another photo of them, and kiosks
(devices with device keys of their own)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from muster.domain.people import DeviceKind, Role

from .kiosk_load import Kiosk, Subject
from .replica_harness import try_enrol

LFW_PROTOCOL = "lfw_dev_identification.tsv"


@dataclass(frozen=True)
class Candidate:
    """An LFW identity: the photo to enrol and another photo to probe with (paths relative
    to the faces folder)."""

    name: str
    enrol_photo: Path
    probe_photo: Path


def lfw_candidates(faces_dir: Path, count: int) -> list[Candidate]:
    """The first `count` identities (by name) of the LFW open-set protocol that have a
    gallery photo and a known probe; the probe is the identity's first."""
    gallery: dict[str, Path] = {}
    probes: dict[str, Path] = {}
    with (faces_dir / LFW_PROTOCOL).open(newline="") as protocol:
        for row in csv.DictReader(protocol, delimiter="\t"):
            if row["role"] == "gallery":
                gallery[row["identity"]] = Path(row["path"])
            elif row["role"] == "probe_known":
                probes.setdefault(row["identity"], Path(row["path"]))
    names = sorted(gallery.keys() & probes.keys())[:count]
    return [Candidate(name, gallery[name], probes[name]) for name in names]


def enrol_subjects(
    admin: httpx.Client, faces_dir: Path, candidates: Sequence[Candidate]
) -> list[Subject]:
    """Enrols every candidate, then keeps those whose photo was accepted and whose probe
    the server recognises as them (recognition is deterministic, so the check-ins will name
    the same person). All are enrolled before any probe, so the gallery is the final one."""
    ids = [
        try_enrol(admin, candidate.name, (faces_dir / candidate.enrol_photo).read_bytes())
        for candidate in candidates
    ]
    subjects: list[Subject] = []
    for person_id, candidate in zip(ids, candidates, strict=True):
        probe = (faces_dir / candidate.probe_photo).read_bytes()
        if person_id is not None and _recognised_person(admin, probe) == person_id:
            subjects.append(Subject(person_id, probe))
    return subjects


def _recognised_person(client: httpx.Client, photo: bytes) -> int | None:
    """The person id the largest face in `photo` is recognised as, if any."""
    response = client.post("/recognitions", files={"image": ("probe.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    faces = response.json()["faces"]
    if not faces or faces[0]["identity"] is None:
        return None
    return int(faces[0]["identity"]["person_id"])


def add_kiosks(admin: httpx.Client, count: int, timezone: str = "UTC") -> list[Kiosk]:
    """`count` kiosks at one new location in `timezone`, each with its own device key."""
    location = admin.post("/locations", json={"name": "load test site", "timezone": timezone})
    assert location.status_code == 201, location.text
    kiosks: list[Kiosk] = []
    for number in range(1, count + 1):
        device = admin.post(
            "/devices",
            json={
                "name": f"kiosk {number}",
                "location_id": location.json()["id"],
                "kind": DeviceKind.KIOSK,
            },
        )
        assert device.status_code == 201, device.text
        device_id = int(device.json()["id"])
        key = admin.post(
            "/keys", json={"name": f"kiosk {number}", "role": Role.DEVICE, "device_id": device_id}
        )
        assert key.status_code == 201, key.text
        kiosks.append(Kiosk(device_id, key.json()["token"]))
    return kiosks
