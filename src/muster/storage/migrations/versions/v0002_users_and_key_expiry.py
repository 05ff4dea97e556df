"""Users who sign in to the admin pages, and an expiry time on API keys (session keys).

Revision ID: 0002
Revises: 0001
Created: 2025-01-02

`api_keys.expires_at` is nullable: every key made before this revision keeps working as it
did. On SQLite the column is added in batch mode (env.py turns it on), which Alembic turns
into a plain ALTER TABLE ADD COLUMN where that suffices.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "operator",
                "device",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_sign_in_at", _utc(), nullable=True),
        sa.Column("disabled_at", _utc(), nullable=True),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", _utc(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
    op.drop_table("users")
