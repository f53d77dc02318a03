"""insight: covering indexes for the dashboard's scans of responses and email events

Revision ID: d2a8f61c3b70
Revises: e15b7a3c9d21
Create Date: 2026-12-01 19:15:00

The dashboard counts NPS answers by period, account and category over a date range, and the
funnel counts opens and clicks since a date: with every column the count needs in the index,
PostgreSQL (and SQLite) answer from the index alone instead of reading the wide rows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d2a8f61c3b70"
down_revision: str | None = "e15b7a3c9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_responses_scale_answered",
        "responses",
        ["scale", "answered_at", "category", "account_id", "program_id"],
    )
    op.create_index(
        "ix_email_events_event_occurred", "email_events", ["event", "occurred_at", "invitation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_email_events_event_occurred", table_name="email_events")
    op.drop_index("ix_responses_scale_answered", table_name="responses")
