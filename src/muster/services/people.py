"""People and groups: the roster, consent, and erasure (the right to be forgotten).

Every change is audited with the caller's `actor`; audit details hold ids and field names,
never personal data, because audit entries outlive a person's erasure.

Consent is what allows face recognition of a person here: without a recorded consent no
photo of theirs is enrolled (`ConsentRequiredError`), and withdrawing consent deletes their
templates at once (the person stays on the roster; they can still be marked by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import Consent, ErasureReport, Group, GroupKind, Person
from muster.services.gallery import Gallery
from muster.storage.photos import PhotoStore
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.groups import GroupRepository
from muster.storage.repositories.people import PeopleRepository
from muster.storage.repositories.templates import TemplateRepository

ItemT = TypeVar("ItemT")
ValueT = TypeVar("ValueT")


class ConsentRequiredError(ConflictError):
    """The person has no recorded consent to face recognition."""

    code = "consent_required"


class PersonErasedError(NotFoundError):
    """The person was erased; only an anonymous tombstone remains."""

    code = "person_erased"


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""A `PersonChanges` field left as KEEP is not changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonChanges:
    """A partial update of a person; a None for external_id or email clears it."""

    name: str | _Keep = KEEP
    external_id: str | _Keep | None = KEEP
    email: str | _Keep | None = KEEP
    active: bool | _Keep = KEEP
    group_ids: tuple[int, ...] | _Keep = KEEP

    def field_names(self) -> list[str]:
        """The names of the fields this changes, sorted."""
        values = {
            "name": self.name,
            "external_id": self.external_id,
            "email": self.email,
            "active": self.active,
            "group_ids": self.group_ids,
        }
        return sorted(name for name, value in values.items() if value is not KEEP)

    def applied_to(self, person: Person) -> Person:
        return replace(
            person,
            name=_new_or(self.name, person.name),
            external_id=_new_or(self.external_id, person.external_id),
            email=_new_or(self.email, person.email),
            active=_new_or(self.active, person.active),
            group_ids=_new_or(self.group_ids, person.group_ids),
        )


def _new_or(value: ValueT | _Keep, current: ValueT) -> ValueT:
    return current if isinstance(value, _Keep) else value


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentGiven:
    """Consent as a caller states it; who recorded it is the actor, and `given_at`
    defaults to when it is recorded."""

    method: str
    note: str = ""
    given_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[ItemT]):
    """One page of a longer list: `total` items match in all."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


class PeopleService:
    def __init__(
        self,
        *,
        people: PeopleRepository,
        templates: TemplateRepository,
        audit: AuditRepository,
        gallery: Gallery,
        photos: PhotoStore,
        erasure_deletes_events: bool,
        clock: Clock = utc_now,
    ) -> None:
        self._people = people
        self._templates = templates
        self._audit = audit
        self._gallery = gallery
        self._photos = photos
        self._erasure_deletes_events = erasure_deletes_events
        self._clock = clock

    def page(
        self,
        *,
        text: str | None = None,
        group_id: int | None = None,
        active: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Person]:
        """People (never erased ones) by name; `text` matches part of a name or external id."""
        items, total = self._people.search(
            text=text, group_id=group_id, active=active, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    def get(self, person_id: int) -> Person:
        """Raises NotFoundError, PersonErasedError for an erased person."""
        person = self._people.get(person_id)
        if person.erased:
            raise PersonErasedError(f"person {person_id} was erased")
        return person

    def create(
        self,
        *,
        name: str,
        actor: str,
        external_id: str | None = None,
        email: str | None = None,
        active: bool = True,
        group_ids: tuple[int, ...] = (),
        consent: ConsentGiven | None = None,
    ) -> Person:
        """Raises ConflictError (external id taken), NotFoundError (no such group)."""
        person = self._people.create(
            name=name,
            external_id=external_id,
            email=email,
            active=active,
            group_ids=group_ids,
            consent=None if consent is None else self._consent(consent, actor),
        )
        self._audit.record(
            actor=actor,
            action="person.created",
            target_type="person",
            target_id=person.id,
            detail={"group_ids": list(person.group_ids), "consent": consent is not None},
        )
        return person

    def update(self, person_id: int, changes: PersonChanges, *, actor: str) -> Person:
        """Apply `changes`. Raises NotFoundError, PersonErasedError, ConflictError."""
        fields = changes.field_names()
        person = self._people.save(changes.applied_to(self.get(person_id)))
        if "active" in fields:
            # Only active people are in the gallery.
            self._gallery.changed()
        self._audit.record(
            actor=actor,
            action="person.updated",
            target_type="person",
            target_id=person_id,
            detail={"fields": fields},
        )
        return person

    def record_consent(self, person_id: int, consent: ConsentGiven, *, actor: str) -> Person:
        """Record (or replace) the person's consent. Raises NotFoundError, PersonErasedError."""
        person = self._people.save(
            replace(self.get(person_id), consent=self._consent(consent, actor))
        )
        self._audit.record(
            actor=actor,
            action="consent.recorded",
            target_type="person",
            target_id=person_id,
            detail={"method": consent.method},
        )
        return person

    def _consent(self, consent: ConsentGiven, actor: str) -> Consent:
        return Consent(
            given_at=consent.given_at or self._clock(),
            method=consent.method,
            recorded_by=actor,
            note=consent.note,
        )

    def withdraw_consent(self, person_id: int, *, actor: str) -> tuple[Person, int]:
        """Remove the consent and, with it, every template and stored photo of the person
        (recognising someone without consent is not allowed); returns the person and how many
        templates were deleted. Raises NotFoundError, PersonErasedError."""
        person = self._people.save(replace(self.get(person_id), consent=None))
        templates = self._templates.for_person(person_id)
        for template in templates:
            self._templates.delete(template.id)
        photos_deleted = self._photos.delete_person(person_id)
        self._gallery.changed()
        self._audit.record(
            actor=actor,
            action="consent.withdrawn",
            target_type="person",
            target_id=person_id,
            detail={"templates_deleted": len(templates), "photos_deleted": photos_deleted},
        )
        return person, len(templates)

    def erase(self, person_id: int, *, actor: str) -> ErasureReport:
        """Forget the person: templates, thumbnails, review-queue faces, stored photos,
        consent, groups and contact details go; attendance events stay pointing at an
        anonymous tombstone, or are deleted when the privacy settings say so. The storage
        layer writes the "person.erased" audit entry in the same transaction. Erasing twice
        is harmless. Raises NotFoundError."""
        report = self._people.erase(
            person_id, actor=actor, delete_events=self._erasure_deletes_events
        )
        self._photos.delete_person(person_id)
        self._gallery.changed()
        return report


class GroupService:
    def __init__(self, groups: GroupRepository, audit: AuditRepository) -> None:
        self._groups = groups
        self._audit = audit

    def all(self) -> list[Group]:
        return self._groups.all()

    def get(self, group_id: int) -> Group:
        """Raises NotFoundError."""
        return self._groups.get(group_id)

    def create(self, *, name: str, kind: GroupKind, actor: str) -> Group:
        """Raises ConflictError when the name is taken."""
        group = self._groups.create(name=name, kind=kind)
        self._record(actor, "group.created", group.id)
        return group

    def update(
        self, group_id: int, *, actor: str, name: str | None = None, kind: GroupKind | None = None
    ) -> Group:
        """Change the name and/or kind. Raises NotFoundError, ConflictError (name taken)."""
        group = self._groups.get(group_id)
        saved = self._groups.save(replace(group, name=name or group.name, kind=kind or group.kind))
        self._record(actor, "group.updated", group_id)
        return saved

    def delete(self, group_id: int, *, actor: str) -> None:
        """Delete the group with its memberships and schedules; its people stay.
        Raises NotFoundError."""
        self._groups.delete(group_id)
        self._record(actor, "group.deleted", group_id)

    def _record(self, actor: str, action: str, group_id: int) -> None:
        self._audit.record(actor=actor, action=action, target_type="group", target_id=group_id)
