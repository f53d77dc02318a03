"""outbox_emails: fillfactor 70, so a claim's UPDATE can stay on its page (HOT)

Each outbox row is written three times in its life (queued, claimed, sent). The claim sets
only the lease and the "sending" mark, which no index holds: with room left on the row's page,
PostgreSQL writes the new version there as a heap-only tuple and touches none of the four
indexes (about twice as fast as that UPDATE on full pages, measured alone). COPY and INSERT
leave 30% of each new page free for it. Existing pages keep their layout until rewritten
(VACUUM FULL or CLUSTER); only new rows gain. SQLite has no such setting: nothing to do.

Revision ID: f5b8d2e4a6c9
Revises: f3a9c1d7e5b2
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f5b8d2e4a6c9"
down_revision: str | None = "f3a9c1d7e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_emails SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_emails RESET (fillfactor)")
