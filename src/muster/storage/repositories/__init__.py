"""Repositories: one per aggregate, each method one short transaction, domain values in and
out (never rows). `Repositories.create` builds them all over one Database."""

from __future__ import annotations

from dataclasses import dataclass

from muster.storage.database import Database
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.corrections import CorrectionRepository
from muster.storage.repositories.devices import DeviceRepository, LocationRepository
from muster.storage.repositories.events import DirectionChooser, EventRepository
from muster.storage.repositories.groups import GroupRepository
from muster.storage.repositories.keys import ApiKeyRepository
from muster.storage.repositories.people import PeopleRepository
from muster.storage.repositories.schedules import ScheduleRepository
from muster.storage.repositories.templates import TemplateRepository
from muster.storage.repositories.unknown_faces import UnknownFaceRepository
from muster.storage.repositories.webhooks import WebhookRepository


@dataclass(frozen=True, slots=True)
class Repositories:
    people: PeopleRepository
    groups: GroupRepository
    schedules: ScheduleRepository
    templates: TemplateRepository
    locations: LocationRepository
    devices: DeviceRepository
    keys: ApiKeyRepository
    events: EventRepository
    corrections: CorrectionRepository
    audit: AuditRepository
    unknown_faces: UnknownFaceRepository
    webhooks: WebhookRepository

    @classmethod
    def create(cls, database: Database, clock: Clock = utc_now) -> Repositories:
        return cls(
            people=PeopleRepository(database, clock),
            groups=GroupRepository(database),
            schedules=ScheduleRepository(database),
            templates=TemplateRepository(database, clock),
            locations=LocationRepository(database),
            devices=DeviceRepository(database),
            keys=ApiKeyRepository(database, clock),
            events=EventRepository(database, clock),
            corrections=CorrectionRepository(database, clock),
            audit=AuditRepository(database, clock),
            unknown_faces=UnknownFaceRepository(database, clock),
            webhooks=WebhookRepository(database, clock),
        )


__all__ = [
    "ApiKeyRepository",
    "AuditRepository",
    "Clock",
    "CorrectionRepository",
    "DeviceRepository",
    "DirectionChooser",
    "EventRepository",
    "GroupRepository",
    "LocationRepository",
    "PeopleRepository",
    "Repositories",
    "ScheduleRepository",
    "TemplateRepository",
    "UnknownFaceRepository",
    "WebhookRepository",
    "utc_now",
]
