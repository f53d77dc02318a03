"""staff notices: overdue and escalation notices kept until sent in one batched email

Revision ID: 5f1a7c3e9b2d
Revises: 686ef833851d
Create Date: 2026-12-01 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback.db

revision: str = "5f1a7c3e9b2d"
down_revision: str | None = "686ef833851d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", feedback.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('overdue', 'escalated')", name=op.f("ck_staff_notices_kind")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_staff_notices_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notices")),
    )
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notices_task_id"), ["task_id"], unique=False)
        batch_op.create_index("ix_staff_notices_user_sent", ["user_id", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_notices_user_sent")
        batch_op.drop_index(batch_op.f("ix_staff_notices_task_id"))
    op.drop_table("staff_notices")
