"""csv_imports: contacts and accounts CSV files uploaded in the browser, imported by a job

Revision ID: e5b1c3a7d9f2
Revises: e14c0b7a9d31
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import feedback.db

revision: str = "e5b1c3a7d9f2"
down_revision: str | None = "e14c0b7a9d31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = feedback.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "csv_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "status IN ('uploaded', 'queued', 'running', 'done', 'failed')",
            name=op.f("ck_csv_imports_status"),
        ),
        sa.CheckConstraint("kind IN ('contacts', 'accounts')", name=op.f("ck_csv_imports_kind")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_csv_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csv_imports")),
    )
    op.create_index("ix_csv_imports_status", "csv_imports", ["status"])


def downgrade() -> None:
    op.drop_index("ix_csv_imports_status", table_name="csv_imports")
    op.drop_table("csv_imports")
