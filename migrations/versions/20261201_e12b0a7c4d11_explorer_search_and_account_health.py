"""explorer: keyset index and full-text indexes; account health with its parts

Revision ID: e12b0a7c4d11
Revises: e2a5c8f1d3b7
Create Date: 2026-12-01 19:00:00

The responses explorer pages by (answered_at, id) and searches comments and customers'
replies. On PostgreSQL the search is to_tsvector('simple', coalesce(text, '')) @@ query (see
services/dialects.py, which writes the same expression), backed by GIN expression indexes;
SQLite has no such index and searches with LIKE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import feedback.db

revision: str = "e12b0a7c4d11"
down_revision: str | None = "e2a5c8f1d3b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = feedback.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_index("ix_responses_answered_id", "responses", ["answered_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_responses_comment_fts ON responses "
            "USING gin (to_tsvector('simple'::regconfig, coalesce(comment, '')))"
        )
        op.execute(
            "CREATE INDEX ix_messages_inbound_body_fts ON messages "
            "USING gin (to_tsvector('simple'::regconfig, coalesce(body, ''))) "
            "WHERE direction = 'inbound'"
        )
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("parts", JSON, nullable=False),
        sa.Column("previous_score", sa.Integer(), nullable=True),
        sa.Column("computed_at", WHEN, nullable=False),
        sa.Column("previous_computed_at", WHEN, nullable=True),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name=op.f("ck_account_health_score_range")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_health_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_health")),
    )
    op.create_index("ix_account_health_score", "account_health", ["score"])
    op.create_index("ix_accounts_renewal_date", "accounts", ["renewal_date"])


def downgrade() -> None:
    op.drop_index("ix_accounts_renewal_date", table_name="accounts")
    op.drop_index("ix_account_health_score", table_name="account_health")
    op.drop_table("account_health")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_messages_inbound_body_fts")
        op.execute("DROP INDEX IF EXISTS ix_responses_comment_fts")
    op.drop_index("ix_responses_answered_id", table_name="responses")
