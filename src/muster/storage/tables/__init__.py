"""Every table, as SQLAlchemy ORM rows. Importing this package fills `Base.metadata`, which
migrations compare against (the schema itself is created by the Alembic migrations)."""

from muster.storage.tables.attendance import CorrectionRow, EventRow, ScheduleRow
from muster.storage.tables.audit import AuditRow
from muster.storage.tables.base import Base
from muster.storage.tables.liveness import (
    LivenessAttemptRow,
    LivenessChallengeRow,
    LivenessPauseRow,
)
from muster.storage.tables.people import (
    ConsentRow,
    GalleryVersionRow,
    GroupMemberRow,
    GroupRow,
    PersonRow,
    TemplateRow,
)
from muster.storage.tables.review import UnknownFaceRow
from muster.storage.tables.sites import ApiKeyRow, DeviceRow, LocationRow
from muster.storage.tables.users import UserRow
from muster.storage.tables.webhooks import WebhookDeliveryRow, WebhookRow

__all__ = [
    "ApiKeyRow",
    "AuditRow",
    "Base",
    "ConsentRow",
    "CorrectionRow",
    "DeviceRow",
    "EventRow",
    "GalleryVersionRow",
    "GroupMemberRow",
    "GroupRow",
    "LivenessAttemptRow",
    "LivenessChallengeRow",
    "LivenessPauseRow",
    "LocationRow",
    "PersonRow",
    "ScheduleRow",
    "TemplateRow",
    "UnknownFaceRow",
    "UserRow",
    "WebhookDeliveryRow",
    "WebhookRow",
]
