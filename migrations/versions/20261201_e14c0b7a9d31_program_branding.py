"""survey_programs branding: sender address, logo, accent colour and footer per program

Revision ID: e14c0b7a9d31
Revises: e14a0c5d7b21
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e14c0b7a9d31"
down_revision: str | None = "e14a0c5d7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("logo_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("accent_color", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("footer_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_programs", schema=None) as batch_op:
        batch_op.drop_column("footer_text")
        batch_op.drop_column("accent_color")
        batch_op.drop_column("logo_url")
        batch_op.drop_column("sender_email")
