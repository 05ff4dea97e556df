"""Face templates and the gallery version that announces changes to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, defer

from muster.domain.errors import ConflictError
from muster.domain.faces import Embedding, FaceQuality
from muster.domain.people import Template, TemplateSource
from muster.storage.database import Database
from muster.storage.repositories.base import Clock, get_row, utc_now
from muster.storage.tables import GalleryVersionRow, PersonRow, TemplateRow


def bump_gallery_version(session: Session) -> None:
    """Add one to the gallery version inside `session`'s transaction. Every template insert
    or delete calls this, so a replica that reads a new number knows to reload."""
    session.execute(update(GalleryVersionRow).values(version=GalleryVersionRow.version + 1))


class TemplateRepository:
    """Enrolled faces. Adding or deleting one bumps the gallery version in the same
    transaction."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._db = database
        self._clock = clock

    def add(
        self,
        *,
        person_id: int,
        embedding: Embedding,
        model_name: str,
        model_version: str,
        quality: FaceQuality,
        source: TemplateSource,
        thumbnail_jpeg: bytes | None = None,
    ) -> Template:
        """Raises NotFoundError for a missing person, ConflictError for an erased one."""
        with self._db.write() as session:
            person = get_row(session, PersonRow, person_id, "person")
            if person.erased_at is not None:
                raise ConflictError(f"person {person_id} was erased; enrol a new person")
            row = TemplateRow(
                person_id=person_id,
                embedding=embedding,
                model_name=model_name,
                model_version=model_version,
                interocular_px=quality.interocular_px,
                sharpness=quality.sharpness,
                yaw_deg=quality.yaw_deg,
                pitch_deg=quality.pitch_deg,
                brightness=quality.brightness,
                contrast=quality.contrast,
                source=source,
                created_at=self._clock(),
                thumbnail_jpeg=thumbnail_jpeg,
            )
            session.add(row)
            session.flush()
            bump_gallery_version(session)
            return _to_template(row)

    def get(self, template_id: int) -> Template:
        """Raises NotFoundError."""
        with self._db.read() as session:
            return _to_template(get_row(session, TemplateRow, template_id, "template"))

    def for_person(self, person_id: int) -> list[Template]:
        """The person's templates, oldest first, thumbnails included."""
        query = (
            select(TemplateRow).where(TemplateRow.person_id == person_id).order_by(TemplateRow.id)
        )
        with self._db.read() as session:
            return [_to_template(row) for row in session.scalars(query)]

    def gallery(self, model_name: str, model_version: str) -> tuple[int, list[Template]]:
        """What a matcher loads: the gallery version and, read in the same snapshot, every
        template of `model_name`/`model_version` whose person is active. Thumbnails are not
        loaded (`thumbnail_jpeg` is None) to keep a large gallery small in memory."""
        query = (
            select(TemplateRow)
            .join(PersonRow, PersonRow.id == TemplateRow.person_id)
            .where(
                TemplateRow.model_name == model_name,
                TemplateRow.model_version == model_version,
                PersonRow.active.is_(True),
            )
            .order_by(TemplateRow.id)
            .options(defer(TemplateRow.thumbnail_jpeg, raiseload=True))
        )
        with self._db.read() as session:
            version = _read_version(session)
            return version, [
                _to_template(row, with_thumbnail=False) for row in session.scalars(query)
            ]

    def people_to_re_enrol(self, model_name: str, model_version: str) -> list[int]:
        """Ids of the active people who have templates, but none of `model_name`/
        `model_version`: enrolled with an older embedder, they are not in the gallery (an
        embedding of one model means nothing to another) until they are enrolled again."""
        current = (
            select(TemplateRow.person_id)
            .where(
                TemplateRow.model_name == model_name,
                TemplateRow.model_version == model_version,
            )
            .distinct()
        )
        query = (
            select(TemplateRow.person_id)
            .join(PersonRow, PersonRow.id == TemplateRow.person_id)
            .where(PersonRow.active.is_(True), TemplateRow.person_id.not_in(current))
            .distinct()
            .order_by(TemplateRow.person_id)
        )
        with self._db.read() as session:
            return list(session.scalars(query))

    def delete(self, template_id: int) -> None:
        """Raises NotFoundError."""
        with self._db.write() as session:
            session.delete(get_row(session, TemplateRow, template_id, "template"))
            session.flush()
            bump_gallery_version(session)

    def clear_thumbnails(self, created_before: datetime) -> int:
        """Retention: drop the thumbnails of templates created before `created_before` (the
        templates stay); returns how many were dropped. The gallery is not affected."""
        condition = and_(
            TemplateRow.created_at < created_before, TemplateRow.thumbnail_jpeg.is_not(None)
        )
        with self._db.write() as session:
            count = session.execute(
                select(func.count()).select_from(TemplateRow).where(condition)
            ).scalar_one()
            session.execute(update(TemplateRow).where(condition).values(thumbnail_jpeg=None))
            return count

    def gallery_version(self) -> int:
        """A number that grows whenever any template is added or deleted."""
        with self._db.read() as session:
            return _read_version(session)


def _read_version(session: Session) -> int:
    version = session.scalars(select(GalleryVersionRow.version)).first()
    if version is None:
        raise RuntimeError("the gallery_version row is missing; run the migrations")
    return version


def _to_template(row: TemplateRow, *, with_thumbnail: bool = True) -> Template:
    return Template(
        id=row.id,
        person_id=row.person_id,
        embedding=row.embedding,
        model_name=row.model_name,
        model_version=row.model_version,
        quality=FaceQuality(
            interocular_px=row.interocular_px,
            sharpness=row.sharpness,
            yaw_deg=row.yaw_deg,
            pitch_deg=row.pitch_deg,
            brightness=row.brightness,
            contrast=row.contrast,
        ),
        source=row.source,
        created_at=row.created_at,
        thumbnail_jpeg=row.thumbnail_jpeg if with_thumbnail else None,
    )
