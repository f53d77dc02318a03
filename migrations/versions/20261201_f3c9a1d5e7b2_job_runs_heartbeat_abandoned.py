"""job_runs: a heartbeat, and abandoned runs no longer hold their slot

A run whose process was killed stayed "running" forever and kept its (job, scheduled time)
slot. A running process now beats `heartbeat_at`; a run whose beat is too old is marked
"abandoned" by the next run of the job, and the slot's unique key covers only runs that are
not abandoned, so the slot may run again.

Revision ID: f3c9a1d5e7b2
Revises: d2a8f61c3b70
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback.db

revision: str = "f3c9a1d5e7b2"
down_revision: str | None = "d2a8f61c3b70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOLDS_SLOT = "status <> 'abandoned'"


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(
            sa.Column("heartbeat_at", feedback.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.drop_constraint("uq_job_runs_slot", type_="unique")
    op.create_index(
        "uq_job_runs_slot",
        "job_runs",
        ["job", "scheduled_for"],
        unique=True,
        postgresql_where=sa.text(HOLDS_SLOT),
        sqlite_where=sa.text(HOLDS_SLOT),
    )
    op.create_index("ix_job_runs_job_status", "job_runs", ["job", "status"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_job_status", table_name="job_runs")
    op.drop_index("uq_job_runs_slot", table_name="job_runs")
    # Two runs of one slot (an abandoned one and its rerun) cannot share the old key.
    op.execute("DELETE FROM job_runs WHERE status = 'abandoned'")
    with op.batch_alter_table("job_runs") as batch:
        batch.create_unique_constraint("uq_job_runs_slot", ["job", "scheduled_for"])
        batch.drop_column("heartbeat_at")
