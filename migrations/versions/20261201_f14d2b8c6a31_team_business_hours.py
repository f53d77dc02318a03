"""team business hours: working days and opening times the SLA clocks count

Revision ID: f14d2b8c6a31
Revises: e11d16e57b0a
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f14d2b8c6a31"
down_revision: str | None = "e11d16e57b0a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing teams keep the hours the clocks counted until now: Monday to Friday, 9 to 17.
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "business_days",
                sa.String(length=27),
                nullable=False,
                server_default="mon,tue,wed,thu,fri",
            )
        )
        batch_op.add_column(
            sa.Column("business_start", sa.Time(), nullable=False, server_default="09:00:00")
        )
        batch_op.add_column(
            sa.Column("business_end", sa.Time(), nullable=False, server_default="17:00:00")
        )


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("business_end")
        batch_op.drop_column("business_start")
        batch_op.drop_column("business_days")
