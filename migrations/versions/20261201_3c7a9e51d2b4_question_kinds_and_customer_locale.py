"""question kinds: closeness answers stop counting as NPS; account and program languages

Revision ID: 3c7a9e51d2b4
Revises: 5e771d9a0b2c
Create Date: 2026-12-01 15:15:00

Onboarding milestones other than "effort" always emailed "how close are you to what you
wanted to achieve?", but the answers were stored as NPS (scale 'nps', promoter/passive/
detractor). They become scale 'closeness' with their own categories (on track 8-10, partway
5-7, off track 0-4), and the milestones that asked them say "closeness". Thresholds are
copied here on purpose: a migration is a snapshot and must not change when the code does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c7a9e51d2b4"
down_revision: str | None = "5e771d9a0b2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SCALES = "scale IN ('nps', 'effort')"
NEW_SCALES = "scale IN ('nps', 'effort', 'closeness')"


def _closeness(score):
    if score is None:
        return None
    return "on_track" if score >= 8 else "partway" if score >= 5 else "off_track"


def _effort(score):
    if score is None:
        return None
    return "easy" if score >= 6 else "neutral" if score >= 4 else "difficult"


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch_op:
        batch_op.drop_constraint(op.f("ck_responses_scale"), type_="check")
        batch_op.create_check_constraint(op.f("ck_responses_scale"), NEW_SCALES)
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    with op.batch_alter_table("survey_programs") as batch_op:
        batch_op.add_column(
            sa.Column("default_locale", sa.String(length=16), nullable=False, server_default="en")
        )

    bind = op.get_bind()
    programs = sa.table(
        "survey_programs", sa.column("id"), sa.column("kind"), sa.column("triggers", sa.JSON)
    )
    invitations = sa.table("invitations", sa.column("id"), sa.column("milestone"))
    responses = sa.table(
        "responses",
        sa.column("id"),
        sa.column("invitation_id"),
        sa.column("program_id"),
        sa.column("scale"),
        sa.column("score"),
        sa.column("category"),
    )
    for program_id, triggers in bind.execute(
        sa.select(programs.c.id, programs.c.triggers).where(programs.c.kind == "onboarding")
    ).all():
        triggers = list(triggers or [])
        asks = {
            t.get("milestone"): "effort" if t.get("question") == "effort" else "closeness"
            for t in triggers
        }
        rows = bind.execute(
            sa.select(responses.c.id, responses.c.score, invitations.c.milestone)
            .join(invitations, invitations.c.id == responses.c.invitation_id)
            .where(responses.c.program_id == program_id)
        ).all()
        for response_id, score, milestone in rows:
            kind = asks.get(milestone, "closeness")
            category = _effort(score) if kind == "effort" else _closeness(score)
            bind.execute(
                responses.update()
                .where(responses.c.id == response_id)
                .values(scale=kind, category=category)
            )
        renamed = [
            {**t, "question": "closeness"} if t.get("question", "nps") == "nps" else t
            for t in triggers
        ]
        if renamed != triggers:
            bind.execute(
                programs.update().where(programs.c.id == program_id).values(triggers=renamed)
            )


def downgrade() -> None:
    bind = op.get_bind()
    responses = sa.table("responses", sa.column("scale"), sa.column("score"), sa.column("category"))
    # Closeness answers go back to the shape they had before: counted on the NPS scale.
    for category, low, high in (("promoter", 9, 10), ("passive", 7, 8), ("detractor", 0, 6)):
        bind.execute(
            responses.update()
            .where(responses.c.scale == "closeness", responses.c.score.between(low, high))
            .values(scale="nps", category=category)
        )
    bind.execute(responses.update().where(responses.c.scale == "closeness").values(scale="nps"))
    with op.batch_alter_table("survey_programs") as batch_op:
        batch_op.drop_column("default_locale")
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("responses") as batch_op:
        batch_op.drop_constraint(op.f("ck_responses_scale"), type_="check")
        batch_op.create_check_constraint(op.f("ck_responses_scale"), OLD_SCALES)
