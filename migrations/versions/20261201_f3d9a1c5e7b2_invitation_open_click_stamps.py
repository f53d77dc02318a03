"""invitations: when each was last opened and last clicked, and covering indexes, for the
dashboard's funnel

The funnel counted opens and clicks by joining every open and click event of the range to its
invitation and counting distinct invitations: at a million responses that was a second of the
dashboard's time. The webhook now stamps the latest open and click on the invitation itself
(services.suppression.record_events), and this revision fills the stamps from the events
already stored. "Opened since D" reads the same either way: the latest open is on or after D
exactly when some open is.

Two indexes then hold every column the funnel counts, so PostgreSQL reads the invitations of
a date range (or of a segment's contacts) from the index alone: at a million responses the
segment's 4,000 contacts cost 2.7 s of scattered heap reads through the narrow
(contact_id, sent_at) index, 0.1 s from the covering one that replaces it.

Revision ID: f3d9a1c5e7b2
Revises: f4d2b6a8c1e3
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback.db

revision: str = "f3d9a1c5e7b2"
down_revision: str | None = "f4d2b6a8c1e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAMPS = (("last_opened_at", "open"), ("last_clicked_at", "click"))
FUNNEL = ["id", "program_id", "delivered_at", "last_opened_at", "last_clicked_at"]


def upgrade() -> None:
    for column, _ in STAMPS:
        op.add_column(
            "invitations", sa.Column(column, feedback.db.UTCDateTime(timezone=True), nullable=True)
        )
    for column, event in STAMPS:
        # A correlated subquery rather than UPDATE … FROM: the same statement on both databases.
        op.execute(
            sa.text(f"""
                UPDATE invitations SET {column} = (
                    SELECT max(e.occurred_at) FROM email_events e
                    WHERE e.invitation_id = invitations.id AND e.event = '{event}')
                WHERE id IN (SELECT invitation_id FROM email_events WHERE event = '{event}')
            """)  # fmt: skip
        )
    # Key columns rather than INCLUDE: SQLite has no INCLUDE, and covers with keys alike.
    op.create_index(
        "ix_invitations_sent_funnel", "invitations", ["sent_at", "contact_id", *FUNNEL]
    )
    op.drop_index("ix_invitations_contact_sent", table_name="invitations")
    op.create_index(
        "ix_invitations_contact_sent", "invitations", ["contact_id", "sent_at", *FUNNEL]
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_contact_sent", table_name="invitations")
    op.create_index("ix_invitations_contact_sent", "invitations", ["contact_id", "sent_at"])
    op.drop_index("ix_invitations_sent_funnel", table_name="invitations")
    for column, _ in STAMPS:
        op.drop_column("invitations", column)
