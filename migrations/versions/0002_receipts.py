"""Read receipts: delivered marks and a log of read-mark moves.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_delivered_seq", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE participants SET last_delivered_seq = last_read_seq")
    op.create_table(
        "read_receipts",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("conversation_id", "seq", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("read_receipts")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("last_delivered_seq")
