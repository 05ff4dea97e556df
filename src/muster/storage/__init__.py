"""Storage: SQLite or PostgreSQL through SQLAlchemy, schema by Alembic migrations.

Start-up builds `Database.from_settings(settings)`, runs `upgrade(database.url_string)`
(safe when replicas start together), then `Repositories.create(database)`.
"""

from muster.storage.database import Database, Dialect, sqlite_url
from muster.storage.migrate import current_revision, head_revision, upgrade
from muster.storage.repositories import Repositories

__all__ = [
    "Database",
    "Dialect",
    "Repositories",
    "current_revision",
    "head_revision",
    "sqlite_url",
    "upgrade",
]
