"""invitations: whether each was answered and commented, kept by a trigger on responses, for
the dashboard's funnel

The funnel counted answers and comments by outer-joining every invitation of the range to its
response: at a million responses that join was most of the dashboard's time (0.75–1.2 s).
Each invitation now carries `answered` and `commented`, and the two covering indexes hold
them, so the funnel reads the invitations of a range (or of a segment's contacts) from the
index alone.

A trigger keeps them, not the application: responses are written by capture, inbound replies,
the API, imports, the demo history, privacy erasure, benches and raw SQL, and one rule in the
database keeps every one of them exact without a statement more on the capture path.
"Commented" is the funnel's own test: a comment with something other than spaces.

Revision ID: a7c2e9f1b3d4
Revises: f5b8d2e4a6c9
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c2e9f1b3d4"
down_revision: str | None = "f5b8d2e4a6c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_FUNNEL = ["id", "program_id", "delivered_at", "last_opened_at", "last_clicked_at"]
FUNNEL = [*OLD_FUNNEL, "answered", "commented"]

# The same expression on both databases: trim() strips spaces on each.
HAS_COMMENT = "coalesce(length(trim({row}.comment)), 0) > 0"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION responses_stamp_invitation() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE invitations SET answered = false, commented = false
            WHERE id = OLD.invitation_id AND (answered OR commented);
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF OLD.invitation_id <> NEW.invitation_id THEN
                UPDATE invitations SET answered = false, commented = false
                WHERE id = OLD.invitation_id AND (answered OR commented);
            END IF;
        END IF;
        UPDATE invitations SET answered = true, commented = {HAS_COMMENT.format(row="NEW")}
        WHERE id = NEW.invitation_id
          AND (NOT answered OR commented <> ({HAS_COMMENT.format(row="NEW")}));
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER responses_stamp_invitation
    AFTER INSERT OR DELETE OR UPDATE OF invitation_id, comment ON responses
    FOR EACH ROW EXECUTE FUNCTION responses_stamp_invitation()
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER responses_stamp_invitation_insert AFTER INSERT ON responses
    BEGIN
        UPDATE invitations SET answered = 1, commented = {HAS_COMMENT.format(row="NEW")}
        WHERE id = NEW.invitation_id;
    END
    """,
    f"""
    CREATE TRIGGER responses_stamp_invitation_update
    AFTER UPDATE OF invitation_id, comment ON responses
    BEGIN
        UPDATE invitations SET answered = 0, commented = 0
        WHERE id = OLD.invitation_id AND OLD.invitation_id <> NEW.invitation_id;
        UPDATE invitations SET answered = 1, commented = {HAS_COMMENT.format(row="NEW")}
        WHERE id = NEW.invitation_id;
    END
    """,
    """
    CREATE TRIGGER responses_stamp_invitation_delete AFTER DELETE ON responses
    BEGIN
        UPDATE invitations SET answered = 0, commented = 0 WHERE id = OLD.invitation_id;
    END
    """,
]


def upgrade() -> None:
    for column in ("answered", "commented"):
        op.add_column(
            "invitations",
            sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    # A correlated subquery rather than UPDATE … FROM: the same statement on both databases.
    op.execute(
        sa.text(f"""
            UPDATE invitations SET answered = true, commented = EXISTS (
                SELECT 1 FROM responses r
                WHERE r.invitation_id = invitations.id AND {HAS_COMMENT.format(row="r")})
            WHERE id IN (SELECT invitation_id FROM responses)
        """)  # fmt: skip
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgres else SQLITE:
        op.execute(sa.text(statement))
    for name, leading in (
        ("ix_invitations_sent_funnel", ["sent_at", "contact_id"]),
        ("ix_invitations_contact_sent", ["contact_id", "sent_at"]),
    ):
        op.drop_index(name, table_name="invitations")
        op.create_index(name, "invitations", [*leading, *FUNNEL])


def downgrade() -> None:
    for name, leading in (
        ("ix_invitations_sent_funnel", ["sent_at", "contact_id"]),
        ("ix_invitations_contact_sent", ["contact_id", "sent_at"]),
    ):
        op.drop_index(name, table_name="invitations")
        op.create_index(name, "invitations", [*leading, *OLD_FUNNEL])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER responses_stamp_invitation ON responses")
        op.execute("DROP FUNCTION responses_stamp_invitation()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER responses_stamp_invitation_{event}")
    for column in ("commented", "answered"):
        op.drop_column("invitations", column)
