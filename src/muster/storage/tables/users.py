"""Rows for the staff who sign in to the admin pages (see muster.domain.users)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from muster.domain.people import Role
from muster.storage.tables.base import Base
from muster.storage.types import UTCDateTime, enum_type


class UserRow(Base):
    """`username` is stored normalised (lower case), so its unique constraint is
    case-insensitive in effect; `password_hash` is a self-describing scrypt string."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
