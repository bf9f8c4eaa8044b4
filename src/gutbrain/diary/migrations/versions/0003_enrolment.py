"""participant: enrolment key, link issue time, withdrawal time and reason

- ``enrol_key``: the one-time key of the enrolment form that created the participant, so a
  double submit or a retried request finds the participant it already made instead of adding
  another (unique per study; NULL for participants enrolled before this revision).
- ``link_issued_at``: when the current personal link was issued (enrolment or re-issue); NULL
  for participants enrolled before this revision.
- ``withdrawn_at``, ``withdrawn_reason``: when and why the researcher recorded the withdrawal;
  NULL for withdrawals recorded before this revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX, no batch mode: on SQLite a batch operation copies the
    # table and drops the old one, and dropping ``participant`` would cascade to its entries.
    op.add_column("participant", sa.Column("enrol_key", sa.String(64), nullable=True))
    op.add_column("participant", sa.Column("link_issued_at", sa.DateTime(timezone=True)))
    op.add_column("participant", sa.Column("withdrawn_at", sa.DateTime(timezone=True)))
    op.add_column("participant", sa.Column("withdrawn_reason", sa.Text(), nullable=True))
    op.create_index(
        "uq_participant_enrol_key", "participant", ["study_id", "enrol_key"], unique=True
    )


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later), again without copying the table.
    op.drop_index("uq_participant_enrol_key", table_name="participant")
    for column in ("withdrawn_reason", "withdrawn_at", "link_issued_at", "enrol_key"):
        op.drop_column("participant", column)
