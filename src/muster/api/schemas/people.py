"""People over the API: the roster, consent and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from muster.api.schemas.ids import RowId
from muster.domain.people import Consent, ErasureReport, Person
from muster.services.people import KEEP, ConsentGiven, Page, PersonChanges


def _distinct(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError("each group may appear once")
    return sorted(ids)


def _email_like(value: str) -> str:
    # Deliverability is not our business; this only catches a field mix-up.
    local, at, domain = value.partition("@")
    if not (local and at and domain) or any(c.isspace() for c in value):
        raise ValueError("an email address looks like name@example.org")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="Display name."),
]
ExternalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(description="An id from another system (student number, payroll id); unique."),
]
Email = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_email_like)]
GroupIds = Annotated[
    list[RowId],
    Field(max_length=100, description="The groups the person belongs to."),
    AfterValidator(_distinct),
]


class ConsentCreate(BaseModel):
    """A person's consent to face recognition, as recorded by the caller."""

    model_config = ConfigDict(extra="forbid")

    method: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ] = Field(description="How consent was given, e.g. 'paper form', 'kiosk checkbox'.")
    note: str = Field("", max_length=2000, description="Free text, e.g. where the form is filed.")
    given_at: AwareDatetime | None = Field(
        None, description="When it was given (with a time zone offset); default: now."
    )

    def to_given(self) -> ConsentGiven:
        return ConsentGiven(method=self.method, note=self.note, given_at=self.given_at)


class ConsentPublic(BaseModel):
    given_at: datetime
    method: str
    recorded_by: str = Field(description="The API key that recorded it.")
    note: str

    @classmethod
    def of(cls, consent: Consent) -> Self:
        return cls(
            given_at=consent.given_at,
            method=consent.method,
            recorded_by=consent.recorded_by,
            note=consent.note,
        )


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    external_id: ExternalId | None = None
    email: Email | None = None
    active: bool = Field(True, description="Inactive people are not recognised.")
    group_ids: GroupIds = Field(default_factory=list)
    consent: ConsentCreate | None = Field(
        None, description="Consent to face recognition; needed before any photo is enrolled."
    )


class PersonUpdate(BaseModel):
    """Only the fields sent change. `external_id` and `email` may be null to clear them;
    `name`, `active` and `group_ids` may not."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    external_id: ExternalId | None = None
    email: Email | None = None
    active: bool | None = None
    group_ids: GroupIds | None = None

    def to_changes(self) -> PersonChanges:
        sent = self.model_fields_set
        return PersonChanges(
            name=KEEP if self.name is None else self.name,
            external_id=self.external_id if "external_id" in sent else KEEP,
            email=self.email if "email" in sent else KEEP,
            active=KEEP if self.active is None else self.active,
            group_ids=KEEP if self.group_ids is None else tuple(self.group_ids),
        )


class PersonPublic(BaseModel):
    id: int
    name: str
    external_id: str | None
    email: str | None
    active: bool
    group_ids: list[int]
    consent: ConsentPublic | None
    created_at: datetime

    @classmethod
    def of(cls, person: Person) -> Self:
        return cls(
            id=person.id,
            name=person.name,
            external_id=person.external_id,
            email=person.email,
            active=person.active,
            group_ids=list(person.group_ids),
            consent=None if person.consent is None else ConsentPublic.of(person.consent),
            created_at=person.created_at,
        )


class PersonPage(BaseModel):
    items: list[PersonPublic]
    total: int = Field(description="How many people match in all.")
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Person]) -> Self:
        return cls(
            items=[PersonPublic.of(p) for p in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class ConsentWithdrawalPublic(BaseModel):
    person: PersonPublic
    templates_deleted: int


class ErasurePublic(BaseModel):
    """What erasing the person removed; their events stay pseudonymised unless the privacy
    settings delete them (`events_deleted`)."""

    person_id: int
    templates_deleted: int
    unknown_faces_deleted: int
    events_deleted: int
    corrections_deleted: int

    @classmethod
    def of(cls, report: ErasureReport) -> Self:
        return cls(
            person_id=report.person_id,
            templates_deleted=report.templates_deleted,
            unknown_faces_deleted=report.unknown_faces_deleted,
            events_deleted=report.events_deleted,
            corrections_deleted=report.corrections_deleted,
        )
