"""responses: analysis_pending, so a comment is analysed by a job instead of in the request

The survey page's POST analysed the comment inline (language, sentiment, themes: four
statements and most of the request's time). Now it only marks the response; the
analyze-responses job (and create-followups, before it plans a response's tasks) analyses
every marked response and clears the mark. The partial index holds only the marked rows.

Revision ID: f3a9c1d7e5b2
Revises: f3d9a1c5e7b2
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a9c1d7e5b2"
down_revision: str | None = "f3d9a1c5e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "analysis_pending"


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(
            sa.Column(
                "analysis_pending", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_index(
        "ix_responses_analysis_pending",
        "responses",
        ["id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_responses_analysis_pending", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("analysis_pending")
