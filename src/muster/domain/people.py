"""People, their groups and face templates, and the places and devices that see them.

Plain typed values, as repositories return them. Every datetime is timezone-aware UTC
(`ensure_utc` normalises on construction; a naive one is a ValueError). Secrets never appear
here: a person's PIN and an API key are known only by their hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from muster.domain.attendance import ensure_utc, load_zone
from muster.domain.faces import Embedding, FaceQuality


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    """A person's recorded consent to face recognition: when, how (e.g. "paper form",
    "kiosk checkbox"), who recorded it, and a free-text note."""

    given_at: datetime
    method: str
    recorded_by: str
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "given_at", ensure_utc(self.given_at, "Consent.given_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone who can be recognised.

    external_id: an identifier from another system (student number, payroll id); unique.
    group_ids: the groups the person belongs to, ascending.
    pin_hash: a hash of the person's fallback PIN (never the PIN).
    erased_at: set once the person was erased: their name, contact details, consent, groups,
        templates and review items are gone and only this tombstone remains, so that past
        attendance events still count (pseudonymously) in reports.
    """

    id: int
    name: str
    external_id: str | None
    email: str | None
    active: bool
    group_ids: tuple[int, ...]
    consent: Consent | None
    pin_hash: str | None
    created_at: datetime
    erased_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "Person.created_at"))
        if self.erased_at is not None:
            object.__setattr__(self, "erased_at", ensure_utc(self.erased_at, "Person.erased_at"))

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


class GroupKind(StrEnum):
    CLASS = "class"
    DEPARTMENT = "department"
    TEAM = "team"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A set of people that schedules and reports are about; `name` is unique."""

    id: int
    name: str
    kind: GroupKind


class TemplateSource(StrEnum):
    UPLOAD = "upload"
    WEBCAM = "webcam"
    REVIEW = "review"
    IMPORT = "import"


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """One enrolled face of a person: the embedding, which model made it, and how good the
    face was. Embeddings from different `model_name`/`model_version` are not comparable.

    thumbnail_jpeg: a small JPEG crop of the enrolled face for the admin pages, or None.
    """

    id: int
    person_id: int
    embedding: Embedding
    model_name: str
    model_version: str
    quality: FaceQuality
    source: TemplateSource
    created_at: datetime
    thumbnail_jpeg: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "Template.created_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A site (a building, a campus); `timezone` is an IANA name such as "Europe/Paris"."""

    id: int
    name: str
    timezone: str

    def __post_init__(self) -> None:
        load_zone(self.timezone)


class DeviceKind(StrEnum):
    KIOSK = "kiosk"
    CAMERA = "camera"


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """A kiosk or camera at a location. `timezone` (IANA) decides its local attendance day."""

    id: int
    name: str
    location_id: int
    kind: DeviceKind
    timezone: str

    def __post_init__(self) -> None:
        load_zone(self.timezone)


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    DEVICE = "device"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    """An API key as everyone but its holder knows it: the public `prefix` (unique, used to
    find the key) and no secret. A DEVICE key names its `device_id`. A session key (issued
    when a user signs in) stops working at `expires_at`; other keys have none."""

    id: int
    name: str
    role: Role
    device_id: int | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", ensure_utc(self.created_at, "ApiKey.created_at"))
        if self.revoked_at is not None:
            object.__setattr__(self, "revoked_at", ensure_utc(self.revoked_at, "revoked_at"))
        if self.expires_at is not None:
            object.__setattr__(self, "expires_at", ensure_utc(self.expires_at, "expires_at"))

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyCredential:
    """What verifying a presented key needs: the key and the stored hash of its secret."""

    key: ApiKey
    secret_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """Who did what to which record. `detail` holds ids and settings, never personal data
    (names, emails, photos): audit entries outlive a person's erasure."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", ensure_utc(self.at, "AuditEntry.at"))


ERASED_NAME = "(erased)"
"""The name an erased person's tombstone shows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ErasureReport:
    """What erasing one person removed. Their attendance events are either kept, pointing
    at the tombstone (`events_deleted` 0), or deleted with their corrections."""

    person_id: int
    templates_deleted: int
    unknown_faces_deleted: int
    events_deleted: int
    corrections_deleted: int
