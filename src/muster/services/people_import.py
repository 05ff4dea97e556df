"""Importing people from a CSV file (`muster people import`), each creation audited.

The file has a header line and these columns (only `name` is required; order is free):

    name         the person's name
    external_id  an id from another system (student number, payroll id); unique
    email        contact address
    groups       group names separated by ";" (missing groups are created)
    consent      how consent to face recognition was given ("paper form"); empty: none

A row whose person already exists (same external_id, or without one the same name) is left
alone, so importing a file twice adds nothing. Photos are found for each row at
DIR/<external_id>/ or else DIR/<name>/ (*.jpg, *.jpeg, *.png) and enrolled like uploads, for
people with consent who have no templates yet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from muster.domain.errors import MusterError
from muster.domain.people import Group, GroupKind, Person, TemplateSource
from muster.services.enrolment import EnrolmentService, Photo, PhotoOutcome
from muster.services.people import ConsentGiven, GroupService, PeopleService

COLUMNS = ("name", "external_id", "email", "groups", "consent")
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
GROUP_SEPARATOR = ";"
_MAX_CHARS = {"name": 200, "external_id": 100, "email": 320, "groups": 200, "consent": 100}
_MAX_ERRORS_SHOWN = 20
_PAGE_SIZE = 500


class ImportFileError(MusterError):
    """The CSV file is not one we can import; the message lists each problem by line."""

    code = "invalid_import_file"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRow:
    """One valid line of the file (`line` counts the header as line 1)."""

    line: int
    name: str
    external_id: str | None
    email: str | None
    groups: tuple[str, ...]
    consent_method: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusedPhoto:
    photo: Path
    reason: str


@dataclass(slots=True, kw_only=True)
class ImportedPerson:
    """One row's outcome. `enrolled` and `refused` are empty when the photos were not
    enrolled: no consent, no photos, or the person already had templates."""

    row: ImportRow
    person: Person
    created: bool
    photos: list[Path] = field(default_factory=list)
    enrolled: list[Path] = field(default_factory=list)
    refused: list[RefusedPhoto] = field(default_factory=list)
    note: str | None = None
    """Why the photos were not enrolled, when they were not."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    people: list[ImportedPerson]
    groups_created: list[Group]


def read_people_csv(
    stream: TextIO, *, default_consent_method: str | None = None
) -> list[ImportRow]:
    """The rows of the CSV in `stream`; `default_consent_method` stands in for an empty or
    missing consent column. Raises ImportFileError listing every bad line (all or nothing)."""
    reader = csv.DictReader(stream)
    header = [name.strip() for name in reader.fieldnames or []]
    if "name" not in header:
        raise ImportFileError(
            f"the header must have a 'name' column; columns: {', '.join(COLUMNS)}"
        )
    if unknown := sorted(set(header) - set(COLUMNS)):
        raise ImportFileError(
            f"unknown columns {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}"
        )
    reader.fieldnames = header
    rows: list[ImportRow] = []
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        values = {key: (row.get(key) or "").strip() for key in COLUMNS}
        if problem := _problem(values, extra=row.get(None)):
            errors.append(f"line {line}: {problem}")
            continue
        groups = tuple(g.strip() for g in values["groups"].split(GROUP_SEPARATOR) if g.strip())
        rows.append(
            ImportRow(
                line=line,
                name=values["name"],
                external_id=values["external_id"] or None,
                email=values["email"] or None,
                groups=tuple(dict.fromkeys(groups)),
                consent_method=values["consent"] or default_consent_method,
            )
        )
    if errors:
        shown = "\n".join(errors[:_MAX_ERRORS_SHOWN])
        more = len(errors) - _MAX_ERRORS_SHOWN
        raise ImportFileError(shown + (f"\n... and {more} more" if more > 0 else ""))
    return rows


def _problem(values: dict[str, str], *, extra: object) -> str | None:
    if extra:
        return "more fields than columns (quote values that contain commas)"
    if not values["name"]:
        return "the name is empty"
    for key, limit in _MAX_CHARS.items():
        if len(values[key]) > limit:
            return f"{key} is longer than {limit} characters"
    if values["email"] and "@" not in values["email"]:
        return f"{values['email']!r} is not an email address"
    return None


def find_person_photos(photos_dir: Path, row: ImportRow) -> list[Path]:
    """The row's photos, sorted: DIR/<external_id>/ if it exists, else DIR/<name>/."""
    for folder_name in (row.external_id, row.name):
        folder = photos_dir / folder_name if folder_name else None
        if folder is not None and folder.is_dir():
            return sorted(
                p
                for p in folder.iterdir()
                if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".")
            )
    return []


class PeopleImporter:
    """Creates people and groups through the same services as the API (so each creation is
    audited there) and enrols photos through the enrolment service (consent, quality gates,
    duplicate warnings: the same rules as an upload)."""

    def __init__(
        self,
        *,
        people: PeopleService,
        groups: GroupService,
        enrolment: EnrolmentService,
        max_photos_per_call: int,
    ) -> None:
        self._people = people
        self._groups = groups
        self._enrolment = enrolment
        self._max_photos_per_call = max_photos_per_call

    def import_rows(
        self, rows: Sequence[ImportRow], *, actor: str, photos_dir: Path | None = None
    ) -> ImportReport:
        """Create the groups and people of `rows` that do not exist yet, then enrol each
        row's photos for people who have consent and no templates yet (so a second run
        fills gaps and never enrols a photo twice)."""
        groups, created_groups = self._ensure_groups(
            (name for row in rows for name in row.groups), actor=actor
        )
        known = _Roster(self._all_people())
        imported: list[ImportedPerson] = []
        for row in rows:
            found = known.find(row)
            person = found or self._create(row, [groups[g].id for g in row.groups], actor=actor)
            known.add(person)
            outcome = ImportedPerson(row=row, person=person, created=found is None)
            if photos_dir is not None:
                outcome.photos = find_person_photos(photos_dir, row)
                self._enrol(outcome, actor=actor)
            imported.append(outcome)
        return ImportReport(people=imported, groups_created=created_groups)

    def _all_people(self) -> list[Person]:
        people: list[Person] = []
        while True:
            page = self._people.page(limit=_PAGE_SIZE, offset=len(people))
            people.extend(page.items)
            if not page.items or len(people) >= page.total:
                return people

    def _ensure_groups(
        self, names: Iterable[str], *, actor: str
    ) -> tuple[dict[str, Group], list[Group]]:
        groups = {group.name: group for group in self._groups.all()}
        created: list[Group] = []
        for name in dict.fromkeys(names):
            if name not in groups:
                groups[name] = self._groups.create(name=name, kind=GroupKind.OTHER, actor=actor)
                created.append(groups[name])
        return groups, created

    def _create(self, row: ImportRow, group_ids: list[int], *, actor: str) -> Person:
        consent = None if row.consent_method is None else ConsentGiven(method=row.consent_method)
        return self._people.create(
            name=row.name,
            actor=actor,
            external_id=row.external_id,
            email=row.email,
            group_ids=tuple(group_ids),
            consent=consent,
        )

    def _enrol(self, outcome: ImportedPerson, *, actor: str) -> None:
        if not outcome.photos:
            outcome.note = "no photos found"
            return
        if outcome.person.consent is None:
            outcome.note = "no consent recorded, so no photos enrolled"
            return
        if self._enrolment.templates_of(outcome.person.id):
            outcome.note = "already enrolled"
            return
        for first in range(0, len(outcome.photos), self._max_photos_per_call):
            batch = outcome.photos[first : first + self._max_photos_per_call]
            photos = [Photo(data=path.read_bytes(), filename=path.name) for path in batch]
            results = self._enrolment.enrol(
                outcome.person.id, photos, actor=actor, source=TemplateSource.IMPORT
            )
            for path, result in zip(batch, results, strict=True):
                if result.accepted:
                    outcome.enrolled.append(path)
                else:
                    outcome.refused.append(RefusedPhoto(photo=path, reason=_refusal(result)))


class _Roster:
    """Who exists already: by external id, and by name for people without one."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._by_external_id: dict[str, Person] = {}
        self._by_name: dict[str, Person] = {}
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        if person.external_id:
            self._by_external_id[person.external_id] = person
        else:
            self._by_name.setdefault(person.name, person)

    def find(self, row: ImportRow) -> Person | None:
        if row.external_id:
            return self._by_external_id.get(row.external_id)
        return self._by_name.get(row.name)


def _refusal(outcome: PhotoOutcome) -> str:
    if outcome.image_problem is not None:
        return outcome.image_problem.message
    return "; ".join(problem.message for problem in outcome.problems) or "refused"
