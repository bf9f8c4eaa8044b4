"""entry.records_unanswered: whether the entry's form could record "not answered"

Entries stored before this revision came from a form whose sliders always sent a position, so an
untouched slider was saved as 50; they keep ``false``. Entries stored (or revised) afterwards are
``true``: an untouched slider is stored as missing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry") as batch:
        batch.add_column(
            sa.Column("records_unanswered", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("entry") as batch:
        batch.drop_column("records_unanswered")
