"""Message search: a full-text index kept in step with messages by the database itself.

PostgreSQL: a generated ``tsvector`` column (the 'simple' configuration: no stemming, no
stop words, the same for every language) and a GIN index on it. SQLite: an FTS5 table over
the messages' content (external content: the text is not stored twice), kept in step by
triggers on insert, edit and delete; a deletion's tombstone (content "") leaves nothing
indexed. Both tokenize the same way (words, case-folded, accents kept).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    # The rowid of messages is the FTS row's id. VACUUM may renumber the rowids of a table
    # without an INTEGER PRIMARY KEY: Tidings never runs it, and after one run by hand the
    # "rebuild" command (below) re-reads every message (docs/search.md).
    """CREATE VIRTUAL TABLE message_search USING fts5(
        content, content='messages', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 0')""",
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_search(rowid, content) VALUES (new.rowid, new.content);
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
        INSERT INTO message_search(message_search, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    END""",
    """CREATE TRIGGER message_search_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO message_search(message_search, rowid, content)
        VALUES ('delete', old.rowid, old.content);
        INSERT INTO message_search(rowid, content) VALUES (new.rowid, new.content);
    END""",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TABLE IF EXISTS message_search",
]

_POSTGRES_UP = [
    # Rewrites the messages table once (a stored column); sendMessage's one statement needs no
    # change: the database fills the column.
    """ALTER TABLE messages ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, content)) STORED""",
    "CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)",
]

_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_messages_search_vector",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(_POSTGRES_UP)
    else:
        _run(_SQLITE_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run(_POSTGRES_DOWN)
    else:
        _run(_SQLITE_DOWN)
