"""backlog: items, linked responses and tasks, history; huddle candidates become proposals

Revision ID: b4c71e0a9d55
Revises: a7c3e9d1b2f4
Create Date: 2026-12-01 16:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import feedback.db

revision: str = "b4c71e0a9d55"
down_revision: str | None = "a7c3e9d1b2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = feedback.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "backlog_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("rank_position", sa.Integer(), nullable=True),
        sa.Column("responses_linked", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.Column("passives", sa.Integer(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("arr", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("arr_at_risk", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("nps_points", sa.Float(), nullable=False),
        sa.Column("trend", JSON, nullable=False),
        sa.Column("impact_at", WHEN, nullable=True),
        sa.Column("customer_note", sa.Text(), nullable=True),
        sa.Column("customers_told", sa.Integer(), nullable=False),
        sa.Column("status_changed_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'in_progress', 'shipped', 'declined')",
            name=op.f("ck_backlog_items_status"),
        ),
        sa.CheckConstraint(
            "source IN ('manual', 'job', 'response', 'task', 'huddle')",
            name=op.f("ck_backlog_items_source"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_backlog_items_team_id_teams"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_backlog_items_theme_id_themes"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_backlog_items_owner_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["raised_by_id"], ["users.id"], name=op.f("fk_backlog_items_raised_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_items")),
    )  # fmt: skip
    with op.batch_alter_table("backlog_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_backlog_items_department_status", ["department", "status"], unique=False
        )
        batch_op.create_index("ix_backlog_items_theme_status", ["theme_id", "status"], unique=False)  # fmt: skip

    op.create_table(
        "backlog_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["backlog_items.id"], name=op.f("fk_backlog_responses_item_id_backlog_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"], name=op.f("fk_backlog_responses_response_id_responses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"], name=op.f("fk_backlog_responses_linked_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_responses")),
        sa.UniqueConstraint("item_id", "response_id", name="uq_backlog_responses_item_response"),
    )  # fmt: skip
    with op.batch_alter_table("backlog_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backlog_responses_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_responses_response_id"), ["response_id"], unique=False)  # fmt: skip

    op.create_table(
        "backlog_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["backlog_items.id"], name=op.f("fk_backlog_tasks_item_id_backlog_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_backlog_tasks_task_id_tasks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"], name=op.f("fk_backlog_tasks_linked_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_tasks")),
        sa.UniqueConstraint("item_id", "task_id", name="uq_backlog_tasks_item_task"),
    )  # fmt: skip
    with op.batch_alter_table("backlog_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backlog_tasks_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_tasks_task_id"), ["task_id"], unique=False)

    op.create_table(
        "backlog_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("from_value", sa.String(length=200), nullable=True),
        sa.Column("to_value", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["backlog_items.id"], name=op.f("fk_backlog_events_item_id_backlog_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], name=op.f("fk_backlog_events_actor_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_events")),
    )  # fmt: skip
    with op.batch_alter_table("backlog_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backlog_events_item_id"), ["item_id"], unique=False)

    op.create_table(
        "backlog_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("outbox_email_id", sa.Integer(), nullable=True),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("told_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["backlog_items.id"], name=op.f("fk_backlog_notices_item_id_backlog_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_backlog_notices_contact_id_contacts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"], name=op.f("fk_backlog_notices_invitation_id_invitations"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["outbox_email_id"], ["outbox_emails.id"], name=op.f("fk_backlog_notices_outbox_email_id_outbox_emails"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_notices")),
        sa.UniqueConstraint("item_id", "contact_id", name="uq_backlog_notices_item_contact"),
    )  # fmt: skip
    with op.batch_alter_table("backlog_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backlog_notices_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_notices_contact_id"), ["contact_id"], unique=False)  # fmt: skip

    migrate_huddle_candidates(op.get_bind())


def migrate_huddle_candidates(bind: sa.engine.Connection) -> None:
    """Every verbatim raised from a huddle so far becomes a proposed item with its quote linked,
    so nothing raised before the backlog existed is lost."""
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.response_id, c.raised_by_id, c.team_id, c.note, c.created_at, "
            "r.comment, t.department FROM outer_loop_candidates c "
            "JOIN responses r ON r.id = c.response_id "
            "LEFT JOIN teams t ON t.id = c.team_id ORDER BY c.id"
        ).columns(created_at=WHEN)  # typed, so SQLite's stored text reads back as a datetime
    ).all()
    items = sa.table(
        "backlog_items", sa.column("trend", JSON), sa.column("created_at", WHEN),
        sa.column("updated_at", WHEN), *(sa.column(n) for n in (
            "id", "title", "description", "department", "team_id", "status", "source",
            "raised_by_id", "responses_linked", "detractors", "passives", "accounts", "arr",
            "arr_at_risk", "nps_points", "customers_told",
        ))
    )  # fmt: skip
    links = sa.table("backlog_responses", *(sa.column(n) for n in (
        "item_id", "response_id", "linked_by_id", "source")), sa.column("created_at", WHEN))  # fmt: skip
    events = sa.table("backlog_events", *(sa.column(n) for n in (
        "item_id", "kind", "actor_user_id", "to_value", "body")), sa.column("created_at", WHEN))  # fmt: skip
    now = datetime.now(UTC)
    for row in rows:
        words = " ".join((row.comment or "").split())
        title = (
            (words[:117] + "…")
            if len(words) > 120
            else (words or f"Raised response {row.response_id}")
        )
        created = row.created_at or now
        item_id = bind.execute(
            items.insert().returning(items.c.id).values(
                title=title, description=row.note or "", department=row.department or "Unassigned",
                team_id=row.team_id, status="proposed", source="huddle",
                raised_by_id=row.raised_by_id, responses_linked=0, detractors=0, passives=0,
                accounts=0, arr=0, arr_at_risk=0, nps_points=0.0, customers_told=0, trend=[],
                created_at=created,
                updated_at=now,
            )
        ).scalar_one()  # fmt: skip
        bind.execute(links.insert().values(item_id=item_id, response_id=row.response_id,
                                           linked_by_id=row.raised_by_id, source="huddle",
                                           created_at=created))  # fmt: skip
        bind.execute(events.insert().values(item_id=item_id, kind="created",
                                            actor_user_id=row.raised_by_id, to_value="proposed",
                                            body=row.note or "Raised from the huddle pack.",
                                            created_at=created))  # fmt: skip


def downgrade() -> None:
    op.drop_table("backlog_notices")
    op.drop_table("backlog_events")
    op.drop_table("backlog_tasks")
    op.drop_table("backlog_responses")
    op.drop_table("backlog_items")
