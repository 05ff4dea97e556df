"""People: the roster, consent and erasure. Staff read and record consent; admins change
the roster and erase."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from muster.api.deps import AdminDep, ServicesDep, StaffDep
from muster.api.schemas.ids import MAX_ROW_ID
from muster.api.schemas.people import (
    ConsentCreate,
    ConsentWithdrawalPublic,
    ErasurePublic,
    PersonCreate,
    PersonPage,
    PersonPublic,
    PersonUpdate,
)

router = APIRouter(prefix="/people", tags=["people"])

PersonId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


@router.get("", summary="List people, with search, group filter and pagination")
def list_people(
    services: ServicesDep,
    _: StaffDep,
    *,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of a name or external id (any case)."),
    ] = None,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    active: Annotated[bool | None, Query(description="Only active or inactive people.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> PersonPage:
    page = services.people.page(
        text=q, group_id=group_id, active=active, limit=limit, offset=offset
    )
    return PersonPage.of(page)


@router.post("", status_code=201, summary="Add a person")
def create_person(body: PersonCreate, services: ServicesDep, admin: AdminDep) -> PersonPublic:
    person = services.people.create(
        name=body.name,
        actor=admin.actor,
        external_id=body.external_id,
        email=body.email,
        active=body.active,
        group_ids=tuple(body.group_ids),
        consent=None if body.consent is None else body.consent.to_given(),
    )
    return PersonPublic.of(person)


@router.get("/{person_id}", summary="Read a person")
def get_person(person_id: PersonId, services: ServicesDep, _: StaffDep) -> PersonPublic:
    return PersonPublic.of(services.people.get(person_id))


@router.patch("/{person_id}", summary="Change some fields of a person")
def update_person(
    person_id: PersonId, body: PersonUpdate, services: ServicesDep, admin: AdminDep
) -> PersonPublic:
    return PersonPublic.of(services.people.update(person_id, body.to_changes(), actor=admin.actor))


@router.delete(
    "/{person_id}",
    summary="Erase a person (the right to be forgotten)",
    description="Deletes the person's templates, thumbnails, review-queue faces, stored "
    "photos, consent, groups and contact details. Attendance events stay, pointing at an "
    "anonymous tombstone (or are deleted, per privacy.erasure_deletes_events). Erasing "
    "twice is harmless.",
)
def erase_person(person_id: PersonId, services: ServicesDep, admin: AdminDep) -> ErasurePublic:
    return ErasurePublic.of(services.people.erase(person_id, actor=admin.actor))


@router.put("/{person_id}/consent", summary="Record the person's consent to face recognition")
def record_consent(
    person_id: PersonId, body: ConsentCreate, services: ServicesDep, staff: StaffDep
) -> PersonPublic:
    person = services.people.record_consent(person_id, body.to_given(), actor=staff.actor)
    return PersonPublic.of(person)


@router.delete(
    "/{person_id}/consent",
    summary="Withdraw consent: the person's templates and photos are deleted",
)
def withdraw_consent(
    person_id: PersonId, services: ServicesDep, staff: StaffDep
) -> ConsentWithdrawalPublic:
    person, deleted = services.people.withdraw_consent(person_id, actor=staff.actor)
    return ConsentWithdrawalPublic(person=PersonPublic.of(person), templates_deleted=deleted)
