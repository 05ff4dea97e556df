"""Liveness: kiosk challenges, judged attempts, and the per-device cool-down.

Revision ID: 0003
Revises: 0002
Created: 2026-11-26

Challenges live in the database so that one replica may issue a challenge and another judge
its answer; attempts and pauses too, so that every replica counts the same failures and
refuses a paused device. Names follow the naming convention of `muster.storage.tables.base`;
the challenge kind is VARCHAR with a CHECK constraint, as every enum column is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _device_id(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "device_id",
        sa.Integer,
        sa.ForeignKey("devices.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "liveness_challenges",
        sa.Column("id", sa.String(64), primary_key=True),
        _device_id(),
        sa.Column(
            "kind",
            sa.Enum(
                "turn_left",
                "turn_right",
                "nod",
                name="challenge_kind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("issued_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_index("ix_liveness_challenges_device_id", "liveness_challenges", ["device_id"])
    op.create_table(
        "liveness_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        _device_id(),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("failure", sa.String(32), nullable=True),
    )
    op.create_index("ix_liveness_attempts_device_id_at", "liveness_attempts", ["device_id", "at"])
    op.create_table(
        "liveness_pauses",
        _device_id(primary_key=True),
        sa.Column("paused_at", _utc(), nullable=False),
        sa.Column("paused_until", _utc(), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("counted_from", _utc(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("liveness_pauses")
    op.drop_index("ix_liveness_attempts_device_id_at", "liveness_attempts")
    op.drop_table("liveness_attempts")
    op.drop_index("ix_liveness_challenges_device_id", "liveness_challenges")
    op.drop_table("liveness_challenges")
