"""replies: raw HTML kept with inbound and unmatched mail; reply sentiment on inbound_emails

Revision ID: c0ffee13a1b2
Revises: c7e2a91d4f30
Create Date: 2026-12-01 15:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c0ffee13a1b2"
down_revision = "c7e2a91d4f30"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("sentiment_polarity", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("sentiment_label", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sentiment_drivers", _JSON, nullable=True))
        batch_op.add_column(sa.Column("analyzer_version", sa.String(length=200), nullable=True))
    with op.batch_alter_table("unmatched_replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("unmatched_replies", schema=None) as batch_op:
        batch_op.drop_column("html")
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_column("analyzer_version")
        batch_op.drop_column("sentiment_drivers")
        batch_op.drop_column("sentiment_label")
        batch_op.drop_column("sentiment_polarity")
        batch_op.drop_column("language")
        batch_op.drop_column("html")
