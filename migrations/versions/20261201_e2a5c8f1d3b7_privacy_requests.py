"""privacy requests (export/erase audit) and hashed erased emails

Revision ID: e2a5c8f1d3b7
Revises: f14d2b8c6a31
Create Date: 2026-12-01 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import feedback.db

revision: str = "e2a5c8f1d3b7"
down_revision: str | None = "f14d2b8c6a31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("created_at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_privacy_requests_contact_id_contacts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], name=op.f("fk_privacy_requests_actor_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )  # fmt: skip
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_requests_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_requests_email_hash"), ["email_hash"], unique=False)
    op.create_table(
        "erased_emails",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", feedback.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_erased_emails")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("erased_emails")
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_requests_email_hash"))
        batch_op.drop_index(batch_op.f("ix_privacy_requests_contact_id"))
    op.drop_table("privacy_requests")
