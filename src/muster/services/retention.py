"""Retention: face data that is no longer needed is deleted on a schedule.

What goes, and when (the privacy settings; docs/privacy.md explains each):
* review-queue faces and the faces kept with check-ins (embedding, quality, thumbnail),
  `unknown_face_retention_days` after they were seen, whatever their status;
* template thumbnails and stored enrolment photos, `thumbnail_retention_days` after
  enrolment (the templates themselves stay until the person is erased).

`purge()` does it once (POST /admin/retention/purge); `run_periodically()` is the small
background task the app starts in its lifespan and cancels on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from muster.config import PrivacySettings
from muster.storage.photos import PhotoStore
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.templates import TemplateRepository
from muster.storage.repositories.unknown_faces import UnknownFaceRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeReport:
    """What one purge deleted, and the cut-off times it used (older was deleted)."""

    unknown_faces_deleted: int
    thumbnails_deleted: int
    photos_deleted: int
    unknown_faces_seen_before: datetime
    thumbnails_created_before: datetime


class RetentionService:
    def __init__(
        self,
        *,
        unknown_faces: UnknownFaceRepository,
        templates: TemplateRepository,
        photos: PhotoStore,
        audit: AuditRepository,
        settings: PrivacySettings,
        clock: Clock = utc_now,
    ) -> None:
        self._unknown_faces = unknown_faces
        self._templates = templates
        self._photos = photos
        self._audit = audit
        self._settings = settings
        self._clock = clock

    def purge(self, *, actor: str, now: datetime | None = None) -> PurgeReport:
        """Delete everything past its retention period as of `now` (default: the clock), and
        audit what went (ids of nothing personal: counts and cut-offs only)."""
        now = now or self._clock()
        faces_cutoff = now - timedelta(days=self._settings.unknown_face_retention_days)
        thumbnails_cutoff = now - timedelta(days=self._settings.thumbnail_retention_days)
        report = PurgeReport(
            unknown_faces_deleted=self._unknown_faces.purge(faces_cutoff),
            thumbnails_deleted=self._templates.clear_thumbnails(thumbnails_cutoff),
            photos_deleted=self._photos.purge(thumbnails_cutoff),
            unknown_faces_seen_before=faces_cutoff,
            thumbnails_created_before=thumbnails_cutoff,
        )
        self._audit.record(
            actor=actor,
            action="retention.purged",
            target_type="retention",
            detail={
                "unknown_faces_deleted": report.unknown_faces_deleted,
                "thumbnails_deleted": report.thumbnails_deleted,
                "photos_deleted": report.photos_deleted,
                "unknown_faces_seen_before": faces_cutoff.isoformat(),
                "thumbnails_created_before": thumbnails_cutoff.isoformat(),
            },
        )
        return report

    async def run_periodically(self) -> None:
        """Purge every `purge_interval_s` (the first one interval after start) until
        cancelled; returns at once when the interval is 0. A failed purge is logged and
        retried at the next interval, never fatal to the server."""
        interval_s = self._settings.purge_interval_s
        if interval_s <= 0:
            return
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.purge, actor="system:retention")
            except Exception:
                log.exception("the retention purge failed; retrying in %.0f s", interval_s)
