"""Apply Alembic migrations (the only way the database schema is made), and tell whether a
database's schema is the one this release needs."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["SchemaRevision", "alembic_config", "schema_revision", "upgrade"]

# In a clone, alembic.ini and migrations/ are beside the package; a wheel carries them inside
# it (put there by the build hook, hatch_build.py), so an installed ``tidings migrate`` works.
_PACKAGE = Path(__file__).resolve().parent
_ROOT = _PACKAGE if (_PACKAGE / "migrations").is_dir() else _PACKAGE.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at ``database_url`` up to ``revision`` (blocking; call before serving)."""
    command.upgrade(alembic_config(database_url), revision)


@dataclass(frozen=True, slots=True)
class SchemaRevision:
    """Where a database's schema is (``None``: never migrated) against this release's head."""

    current: str | None
    head: str
    known: bool  # whether this release has ``current`` among its migrations

    @property
    def behind(self) -> bool:
        """The schema lacks migrations this release needs: ``tidings migrate`` is due.

        A revision this release does not know is ahead of it (a newer release migrated
        first, as a rolling deploy does): not behind, since migrations only add to what an
        older release reads.
        """
        return self.current != self.head and (self.current is None or self.known)

    def problem(self) -> str:
        """What an operator reads when the schema is behind."""
        where = "not migrated" if self.current is None else f"at revision {self.current}"
        return (
            f"database schema is {where}, this release needs revision {self.head}: "
            "run `tidings migrate`"
        )


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    """This release's head and all its revisions (read once: the files do not change)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = scripts.get_current_head()
    assert head is not None, "migrations/ has no revision"
    return head, frozenset(script.revision for script in scripts.walk_revisions())


def _current_revision(connection: Connection) -> str | None:
    # MigrationContext says at INFO which dialect it uses, each time: /readyz asks on every
    # probe, so that line is kept out of the logs here (and only here).
    logger = logging.getLogger("alembic.runtime.migration")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return MigrationContext.configure(connection).get_current_revision()
    finally:
        logger.setLevel(level)


async def schema_revision(connection: AsyncConnection) -> SchemaRevision:
    """The revision the database at ``connection`` was migrated to, against the head."""
    current = await connection.run_sync(_current_revision)
    head, known = _revisions()
    return SchemaRevision(current=current, head=head, known=current in known)
