"""Storage against real SQLite and PostgreSQL (a package, so its conftest has its own name)."""
