"""tasks: the open-task indexes carry what the queue's branches filter and sort on

The queue reads a page's keys branch by branch (a person's own tasks outside their teams, then
each team's) and counts them the same way. With team_id, priority and account_id in the
indexes (INCLUDE, PostgreSQL only) those reads need no table rows: the team's count and its
sort by priority read 60,000 rows from the table at 1,000,000 tasks otherwise. An index of all
open tasks in due order serves the views of those who see every team (admins).

Revision ID: f4d2b6a8c1e3
Revises: f3c9a1d5e7b2
Create Date: 2026-12-01 22:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4d2b6a8c1e3"
down_revision: str | None = "f3c9a1d5e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('open', 'in_progress', 'waiting_on_customer')"
INDEXES = (
    ("ix_tasks_open_owner_due", ["owner_id", "due_at", "id"], ["team_id", "priority", "account_id"]),
    ("ix_tasks_open_team_due", ["team_id", "due_at", "id"], ["priority", "account_id"]),
    ("ix_tasks_open_due", ["due_at", "id"], ["priority", "account_id"]),
)


def _create(name: str, columns: list[str], include: list[str]) -> None:
    op.create_index(
        name,
        "tasks",
        columns,
        postgresql_include=include,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def upgrade() -> None:
    for name, columns, include in INDEXES:
        if name != "ix_tasks_open_due":
            op.drop_index(name, table_name="tasks")
        _create(name, columns, include)


def downgrade() -> None:
    for name, columns, _ in INDEXES:
        op.drop_index(name, table_name="tasks")
        if name != "ix_tasks_open_due":
            _create(name, columns, [])
