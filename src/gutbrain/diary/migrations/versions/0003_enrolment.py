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
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("enrol_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("link_issued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_participant_enrol_key", ["study_id", "enrol_key"])


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_constraint("uq_participant_enrol_key", type_="unique")
        batch.drop_column("withdrawn_reason")
        batch.drop_column("withdrawn_at")
        batch.drop_column("link_issued_at")
        batch.drop_column("enrol_key")
