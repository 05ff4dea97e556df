"""Initial schema: people, groups, templates, sites, keys, attendance, review, webhooks, audit.

Revision ID: 0001
Revises:
Created: 2025-01-01

Constraint and index names come from the naming convention of `muster.storage.tables.base`
(env.py hands that metadata to Alembic), so they are the same on SQLite and PostgreSQL.
Enum columns are VARCHAR with a CHECK constraint, never native PostgreSQL ENUMs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    _people_and_groups()
    _sites_and_keys()
    _attendance()
    _review_webhooks_audit()


def _people_and_groups() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True, unique=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("pin_hash", sa.String(256), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("erased_at", _utc(), nullable=True),
    )
    op.create_table(
        "consents",
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("given_at", _utc(), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column(
            "kind", _enum("group_kind", "class", "department", "team", "other"), nullable=False
        ),
    )
    op.create_table(
        "group_members",
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_group_members_person_id", "group_members", ["person_id"])
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("model_name", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(50), nullable=False),
        sa.Column("interocular_px", sa.Float, nullable=False),
        sa.Column("sharpness", sa.Float, nullable=False),
        sa.Column("yaw_deg", sa.Float, nullable=False),
        sa.Column("pitch_deg", sa.Float, nullable=False),
        sa.Column("brightness", sa.Float, nullable=False),
        sa.Column("contrast", sa.Float, nullable=False),
        sa.Column(
            "source",
            _enum("template_source", "upload", "webcam", "review", "import"),
            nullable=False,
        ),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("thumbnail_jpeg", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_templates_person_id", "templates", ["person_id"])
    op.create_table(
        "gallery_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    op.execute(sa.text("INSERT INTO gallery_version (id, version) VALUES (1, 0)"))


def _sites_and_keys() -> None:
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("location_id", sa.Integer, sa.ForeignKey("locations.id"), nullable=False),
        sa.Column("kind", _enum("device_kind", "kiosk", "camera"), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    op.create_index("ix_devices_location_id", "devices", ["location_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", _enum("role", "admin", "operator", "device"), nullable=False),
        sa.Column(
            "device_id",
            sa.Integer,
            sa.ForeignKey("devices.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("prefix", sa.String(32), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(256), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
    )
    op.create_index("ix_api_keys_device_id", "api_keys", ["device_id"])


def _attendance() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer,
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("weekdays_mask", sa.Integer, nullable=False),
        sa.Column("start_time", sa.Time, nullable=False),
        sa.Column("end_time", sa.Time, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("grace_period_s", sa.Integer, nullable=False),
        sa.Column("opens_before_s", sa.Integer, nullable=False),
        sa.Column("auto_checkout", sa.Boolean, nullable=False),
        sa.CheckConstraint("weekdays_mask BETWEEN 1 AND 127", name="weekdays_mask_range"),
    )
    op.create_index("ix_schedules_group_id", "schedules", ["group_id"])
    op.create_table(
        "attendance_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("direction", _enum("direction", "in", "out"), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column(
            "source", _enum("event_source", "kiosk", "camera", "photo", "manual"), nullable=False
        ),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=True),
        sa.Column("similarity", sa.Float, nullable=True),
        sa.Column("liveness_passed", sa.Boolean, nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.UniqueConstraint("device_id", "idempotency_key"),
    )
    op.create_index("ix_attendance_events_at", "attendance_events", ["at"])
    op.create_index("ix_attendance_events_person_id_at", "attendance_events", ["person_id", "at"])
    op.create_index(
        "uq_attendance_events_idempotency_key_without_device",
        "attendance_events",
        ["idempotency_key"],
        unique=True,
        sqlite_where=sa.text("device_id IS NULL"),
        postgresql_where=sa.text("device_id IS NULL"),
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column(
            "schedule_id",
            sa.Integer,
            sa.ForeignKey("schedules.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column(
            "status",
            _enum("register_status", "present", "late", "absent", "excused"),
            nullable=True,
        ),
        sa.Column("event_change", _enum("event_change", "added", "voided"), nullable=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("attendance_events.id"), nullable=True),
    )
    op.create_index("ix_corrections_person_id_day", "corrections", ["person_id", "day"])
    op.create_index("ix_corrections_event_id", "corrections", ["event_id"])


def _review_webhooks_audit() -> None:
    op.create_table(
        "unknown_faces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("thumbnail_jpeg", sa.LargeBinary, nullable=False),
        sa.Column(
            "device_id",
            sa.Integer,
            sa.ForeignKey("devices.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("seen_at", _utc(), nullable=False),
        sa.Column(
            "status",
            _enum("review_status", "pending", "assigned", "discarded"),
            nullable=False,
        ),
        sa.Column(
            "assigned_person_id",
            sa.Integer,
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("resolved_at", _utc(), nullable=True),
        *(
            sa.Column(name, sa.Float, nullable=True)
            for name in (
                "interocular_px",
                "sharpness",
                "yaw_deg",
                "pitch_deg",
                "brightness",
                "contrast",
            )
        ),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("attendance_events.id", ondelete="CASCADE"),
            nullable=True,
        ),
    )
    op.create_index("ix_unknown_faces_device_id", "unknown_faces", ["device_id"])
    op.create_index("ix_unknown_faces_event_id", "unknown_faces", ["event_id"])
    op.create_index("ix_unknown_faces_seen_at", "unknown_faces", ["seen_at"])
    op.create_index("ix_unknown_faces_assigned_person_id", "unknown_faces", ["assigned_person_id"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "webhook_id",
            sa.Integer,
            sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column(
            "status",
            _enum("delivery_status", "pending", "delivered", "failed"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
    )
    op.create_index("ix_webhook_deliveries_webhook_id", "webhook_deliveries", ["webhook_id"])
    op.create_index(
        "ix_webhook_deliveries_status_next_attempt_at",
        "webhook_deliveries",
        ["status", "next_attempt_at"],
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target_type", sa.String(50), nullable=False),
        sa.Column("target_id", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target_type_target_id", "audit_log", ["target_type", "target_id"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "webhook_deliveries",
        "webhooks",
        "unknown_faces",
        "corrections",
        "attendance_events",
        "schedules",
        "api_keys",
        "devices",
        "locations",
        "gallery_version",
        "templates",
        "group_members",
        "groups",
        "consents",
        "people",
    ):
        op.drop_table(table)
