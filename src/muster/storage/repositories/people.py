"""People: create, read, save, and erase (the right to be forgotten)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import ERASED_NAME, Consent, ErasureReport, Person
from muster.storage.database import Database
from muster.storage.repositories.audit import add_audit_row
from muster.storage.repositories.base import (
    Clock,
    delete_counting,
    flush_or_conflict,
    get_row,
    utc_now,
)
from muster.storage.repositories.templates import bump_gallery_version
from muster.storage.tables import (
    ConsentRow,
    CorrectionRow,
    EventRow,
    GroupMemberRow,
    GroupRow,
    PersonRow,
    TemplateRow,
    UnknownFaceRow,
)


class PeopleRepository:
    """People with their consent and group memberships, as `Person` values.

    Erased people stay as tombstones (see `erase`); `all()` leaves them out unless asked.
    """

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def create(
        self,
        *,
        name: str,
        external_id: str | None = None,
        email: str | None = None,
        active: bool = True,
        group_ids: Iterable[int] = (),
        consent: Consent | None = None,
        pin_hash: str | None = None,
    ) -> Person:
        """Raises ConflictError for a taken `external_id`, NotFoundError for a missing group."""
        with self._db.write() as session:
            row = PersonRow(
                name=name,
                external_id=external_id,
                email=email,
                active=active,
                pin_hash=pin_hash,
                created_at=self._clock(),
            )
            session.add(row)
            flush_or_conflict(session, _external_id_taken(external_id))
            _set_groups(session, row.id, group_ids)
            _set_consent(session, row.id, consent)
            return _load_people(session, [row])[0]

    def get(self, person_id: int) -> Person:
        """Raises NotFoundError when there is no such person (tombstones are returned)."""
        with self._db.read() as session:
            return _load_people(session, [get_row(session, PersonRow, person_id, "person")])[0]

    def find_by_external_id(self, external_id: str) -> Person | None:
        with self._db.read() as session:
            row = session.scalars(
                select(PersonRow).where(PersonRow.external_id == external_id)
            ).first()
            return None if row is None else _load_people(session, [row])[0]

    def all(
        self,
        *,
        active_only: bool = False,
        group_id: int | None = None,
        include_erased: bool = False,
    ) -> list[Person]:
        """People ordered by name, then id."""
        query = select(PersonRow).order_by(PersonRow.name, PersonRow.id)
        if active_only:
            query = query.where(PersonRow.active.is_(True))
        if not include_erased:
            query = query.where(PersonRow.erased_at.is_(None))
        if group_id is not None:
            query = query.join(GroupMemberRow).where(GroupMemberRow.group_id == group_id)
        with self._db.read() as session:
            return _load_people(session, list(session.scalars(query)))

    def search(
        self,
        *,
        text: str | None = None,
        group_id: int | None = None,
        active: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Person], int]:
        """One page of people (erased ones left out) ordered by name, then id, and how many
        match in all. `text` matches a case-insensitive substring of the name or the external
        id (SQLite folds the case of ASCII letters only)."""
        conditions: list[ColumnElement[bool]] = [PersonRow.erased_at.is_(None)]
        if text:
            pattern = text.lower()
            conditions.append(
                or_(
                    func.lower(PersonRow.name).contains(pattern, autoescape=True),
                    func.lower(PersonRow.external_id).contains(pattern, autoescape=True),
                )
            )
        if active is not None:
            conditions.append(PersonRow.active.is_(active))
        if group_id is not None:
            members = select(GroupMemberRow.person_id).where(GroupMemberRow.group_id == group_id)
            conditions.append(PersonRow.id.in_(members))
        page = (
            select(PersonRow)
            .where(*conditions)
            .order_by(PersonRow.name, PersonRow.id)
            .limit(limit)
            .offset(offset)
        )
        with self._db.read() as session:
            total = session.execute(
                select(func.count()).select_from(PersonRow).where(*conditions)
            ).scalar_one()
            return _load_people(session, list(session.scalars(page))), total

    def save(self, person: Person) -> Person:
        """Store every field of `person` (name, ids, active, groups, consent, PIN hash) over
        the stored one; `created_at` and `erased_at` are kept as stored. Raises NotFoundError,
        ConflictError for a taken `external_id` or an erased person."""
        with self._db.write() as session:
            row = get_row(session, PersonRow, person.id, "person")
            if row.erased_at is not None:
                raise ConflictError(f"person {person.id} was erased and cannot be changed")
            row.name = person.name
            row.external_id = person.external_id
            row.email = person.email
            row.active = person.active
            row.pin_hash = person.pin_hash
            flush_or_conflict(session, _external_id_taken(person.external_id))
            _set_groups(session, row.id, person.group_ids)
            _set_consent(session, row.id, person.consent)
            return _load_people(session, [row])[0]

    def erase(self, person_id: int, *, actor: str, delete_events: bool = False) -> ErasureReport:
        """Forget a person, in one transaction that also writes a "person.erased" audit entry.

        Deleted: templates (with their thumbnails; the gallery version goes up), review-queue
        items assigned to the person, consent and group memberships. The person row stays as
        a tombstone with only its id, `created_at` and `erased_at`: the name becomes
        ERASED_NAME and external id, email and PIN hash are cleared. Attendance events keep
        pointing at the tombstone, so past registers still count them without saying who;
        correction reasons (free text, possibly sensitive) are blanked. With
        `delete_events`, events and corrections are deleted instead. Erasing twice is
        harmless. Raises NotFoundError when there is no such person.
        """
        with self._db.write() as session:
            # The lock makes a concurrent check-in for this person wait, then see the tombstone.
            row = session.scalars(
                select(PersonRow).where(PersonRow.id == person_id).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no person with id {person_id}")
            report = _delete_personal_data(session, person_id, delete_events=delete_events)
            row.name = ERASED_NAME
            row.external_id = row.email = row.pin_hash = None
            row.active = False
            row.erased_at = row.erased_at or self._clock()
            add_audit_row(
                session,
                at=self._clock(),
                actor=actor,
                action="person.erased",
                target_type="person",
                target_id=person_id,
                detail={
                    "templates_deleted": report.templates_deleted,
                    "unknown_faces_deleted": report.unknown_faces_deleted,
                    "events_deleted": report.events_deleted,
                    "corrections_deleted": report.corrections_deleted,
                },
            )
            return report


def _delete_personal_data(
    session: Session, person_id: int, *, delete_events: bool
) -> ErasureReport:
    templates = delete_counting(session, TemplateRow, TemplateRow.person_id == person_id)
    if templates:
        bump_gallery_version(session)
    unknown_faces = delete_counting(
        session, UnknownFaceRow, UnknownFaceRow.assigned_person_id == person_id
    )
    session.execute(delete(ConsentRow).where(ConsentRow.person_id == person_id))
    session.execute(delete(GroupMemberRow).where(GroupMemberRow.person_id == person_id))
    events = corrections = 0
    if delete_events:
        person_events = select(EventRow.id).where(EventRow.person_id == person_id)
        corrections = delete_counting(
            session,
            CorrectionRow,
            (CorrectionRow.person_id == person_id) | CorrectionRow.event_id.in_(person_events),
        )
        events = delete_counting(session, EventRow, EventRow.person_id == person_id)
    else:
        session.execute(
            update(CorrectionRow)
            .where(CorrectionRow.person_id == person_id)
            .values(reason=ERASED_NAME)
        )
    return ErasureReport(
        person_id=person_id,
        templates_deleted=templates,
        unknown_faces_deleted=unknown_faces,
        events_deleted=events,
        corrections_deleted=corrections,
    )


def _external_id_taken(external_id: str | None) -> str:
    return f"another person already has external id {external_id!r}"


def _set_groups(session: Session, person_id: int, group_ids: Iterable[int]) -> None:
    wanted = set(group_ids)
    found = set(session.scalars(select(GroupRow.id).where(GroupRow.id.in_(wanted))))
    if missing := wanted - found:
        raise NotFoundError(f"no group with id {min(missing)}")
    session.execute(delete(GroupMemberRow).where(GroupMemberRow.person_id == person_id))
    session.add_all(GroupMemberRow(group_id=g, person_id=person_id) for g in sorted(wanted))


def _set_consent(session: Session, person_id: int, consent: Consent | None) -> None:
    session.execute(delete(ConsentRow).where(ConsentRow.person_id == person_id))
    if consent is not None:
        session.add(
            ConsentRow(
                person_id=person_id,
                given_at=consent.given_at,
                method=consent.method,
                recorded_by=consent.recorded_by,
                note=consent.note,
            )
        )


def _load_people(session: Session, rows: Sequence[PersonRow]) -> list[Person]:
    """`rows` as Person values, with consents and groups fetched in two queries in all."""
    session.flush()
    ids = [row.id for row in rows]
    consents = {
        c.person_id: c
        for c in session.scalars(select(ConsentRow).where(ConsentRow.person_id.in_(ids)))
    }
    groups: dict[int, list[int]] = {person_id: [] for person_id in ids}
    members = select(GroupMemberRow).where(GroupMemberRow.person_id.in_(ids))
    for member in session.scalars(members.order_by(GroupMemberRow.group_id)):
        groups[member.person_id].append(member.group_id)
    return [_to_person(row, consents.get(row.id), groups[row.id]) for row in rows]


def _to_person(row: PersonRow, consent: ConsentRow | None, group_ids: list[int]) -> Person:
    return Person(
        id=row.id,
        name=row.name,
        external_id=row.external_id,
        email=row.email,
        active=row.active,
        group_ids=tuple(group_ids),
        consent=None
        if consent is None
        else Consent(
            given_at=consent.given_at,
            method=consent.method,
            recorded_by=consent.recorded_by,
            note=consent.note,
        ),
        pin_hash=row.pin_hash,
        created_at=row.created_at,
        erased_at=row.erased_at,
    )
