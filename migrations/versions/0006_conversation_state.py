"""Per-participant conversation state: mute (with an optional end), archive, pin.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 14:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("muted_at", "muted_until", "archived_at", "pinned_at")


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archived_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("archived_seq")
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
