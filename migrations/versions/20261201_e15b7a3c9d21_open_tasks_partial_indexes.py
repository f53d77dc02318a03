"""tasks: partial indexes on the open tasks, in the queue's order (owner or team, due, id)

The queue lists open tasks by due date; the (owner_id, status, due_at) index reads the three
open statuses as three ranges, so PostgreSQL sorted every open task of a person (6,000 at
1,000,000 tasks) to show the first 50. These indexes hold only open tasks, already in order.

Revision ID: e15b7a3c9d21
Revises: e12b0a7c4d11
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e15b7a3c9d21"
down_revision: str | None = "e12b0a7c4d11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('open', 'in_progress', 'waiting_on_customer')"


def upgrade() -> None:
    indexes = (("ix_tasks_open_owner_due", "owner_id"), ("ix_tasks_open_team_due", "team_id"))
    for name, column in indexes:
        op.create_index(
            name,
            "tasks",
            [column, "due_at", "id"],
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade() -> None:
    op.drop_index("ix_tasks_open_team_due", table_name="tasks")
    op.drop_index("ix_tasks_open_owner_due", table_name="tasks")
