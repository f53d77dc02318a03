"""backlog digests: events remember when they were notified; chat webhooks per department

Revision ID: e11d16e57b0a
Revises: e5b1c3a7d9f2
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback.db

revision: str = "e11d16e57b0a"
down_revision: str | None = "e5b1c3a7d9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = feedback.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("backlog_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_at", WHEN, nullable=True))
        batch_op.create_index("ix_backlog_events_unnotified", ["kind", "notified_at"])
    # What happened before digests existed is not news: no first digest full of history.
    op.execute("UPDATE backlog_events SET notified_at = created_at")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="signed")
        )
        batch_op.add_column(sa.Column("department", sa.String(length=120), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_webhook_endpoints_kind"), "kind IN ('signed', 'slack', 'teams')"
        )
        batch_op.create_index("ix_webhook_endpoints_department", ["department"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_endpoints_department")
        batch_op.drop_constraint(op.f("ck_webhook_endpoints_kind"), type_="check")
        batch_op.drop_column("department")
        batch_op.drop_column("kind")
    with op.batch_alter_table("backlog_events", schema=None) as batch_op:
        batch_op.drop_index("ix_backlog_events_unnotified")
        batch_op.drop_column("notified_at")
