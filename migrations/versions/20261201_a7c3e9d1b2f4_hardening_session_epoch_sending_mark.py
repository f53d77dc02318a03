"""hardening: users.session_epoch, outbox_emails.sending_at, inbound attachments lists

Revision ID: a7c3e9d1b2f4
Revises: 3c7a9e51d2b4
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import feedback.db
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

revision: str = 'a7c3e9d1b2f4'
down_revision: str | None = '3c7a9e51d2b4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sending_at', feedback.db.UTCDateTime(timezone=True), nullable=True)
        )
    for table in ('inbound_emails', 'unmatched_replies'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('attachments', JSON, server_default='[]', nullable=False)
            )


def downgrade() -> None:
    for table in ('unmatched_replies', 'inbound_emails'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('attachments')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('sending_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
